-- One row per article with the story it belongs to: a star of copy groups around a centre, named
-- after its smallest doc_id.
-- Why: copies always share a story, but story pairs chain (as components one story grew to 50
-- articles over three years): a story is a centre copy group and groups linked to it directly,
-- within story_days() of its earliest date, so no pair bridges two events and none spans a week.
-- @grain doc_id
-- @changes doc_id
with recursive group_dates as (
    select
        groups.copy_group_doc_id as node,
        min(own.own_date) as first_date,
        max(own.own_date) as last_date
    from intermediate.int_copy_groups as groups
    left join intermediate.int_own_dates as own
        using (doc_id)
    group by groups.copy_group_doc_id
),

group_links as (
    -- Story pairs between copy groups, both ways, with their best similarity.
    select
        group_a.copy_group_doc_id as node,
        group_b.copy_group_doc_id as other,
        max(pairs.similarity) as similarity
    from intermediate.int_story_pairs as pairs
    join intermediate.int_copy_groups as group_a
        on group_a.doc_id = pairs.doc_a
    join intermediate.int_copy_groups as group_b
        on group_b.doc_id = pairs.doc_b
    where group_a.copy_group_doc_id <> group_b.copy_group_doc_id
    group by all
),

edges as (
    select
        node,
        other,
        max(similarity) as similarity
    from (
        select
            node,
            other,
            similarity
        from group_links
        union all
        select
            other,
            node,
            similarity
        from group_links
    ) as both_ways
    group by all
),

link_counts as (
    select
        node,
        count(*) as links,
        sum(similarity) as strength
    from edges
    group by node
),

nodes as (
    -- Each copy group's rank as a centre: most linked first, then the strongest, then by name.
    select
        group_dates.node,
        group_dates.first_date,
        group_dates.last_date,
        row_number() over (
            order by
                coalesce(link_counts.links, 0) desc,
                coalesce(link_counts.strength, 0) desc,
                group_dates.node asc
        ) as centre_rank
    from group_dates
    left join link_counts
        using (node)
),

ranked_edges as materialized (
    -- Each edge with both ends' ranks, looked up once on equalities: comparing ranks inside the
    -- passes was planned as a join of every group with every lower-ranked one, and only then
    -- with the edges, once story pairs were many (headlines).
    select
        edges.node,
        edges.other,
        edges.similarity,
        self.centre_rank as node_rank,
        neighbour.centre_rank as other_rank
    from edges
    join nodes as self
        on self.node = edges.node
    join nodes as neighbour
        on neighbour.node = edges.other
),

-- In each pass a group with more story links than every unassigned neighbour is a centre; its
-- unassigned neighbours join the one they are most similar to if all their dated articles lie
-- within story_days() of its earliest date (a centre whose copies span more than that takes no
-- member) and they link to star_share() of the star (a bridge links to the centre alone). The
-- rest go on to the next pass, at most 6; whatever is left stands alone.
stars(node, centre, pass) using key (node) as (
    select
        node,
        null::varchar,
        0
    from nodes
    union
    (
        with this_pass as (
            select
                max(pass) + 1 as pass
            from stars
        ),

        open_nodes as (
            select
                node
            from recurring.stars
            where centre is null
        ),

        open_edges as (
            select
                ranked_edges.node,
                ranked_edges.other,
                ranked_edges.similarity,
                ranked_edges.node_rank,
                ranked_edges.other_rank
            from ranked_edges
            semi join open_nodes as open_node
                on open_node.node = ranked_edges.node
            semi join open_nodes as open_other
                on open_other.node = ranked_edges.other
        ),

        centres as (
            -- Open groups outranking every open neighbour.
            select
                open_nodes.node
            from open_nodes
            join nodes
                using (node)
            anti join (
                select
                    node
                from open_edges
                where other_rank < node_rank
            ) as outranked
                using (node)
        ),

        candidates as (
            -- Each open neighbour of a new centre, with the dates the time bound checks.
            select
                open_edges.node,
                open_edges.other as centre,
                open_edges.similarity,
                member.first_date,
                member.last_date,
                centre_node.first_date as centre_first_date,
                centre_node.last_date as centre_last_date
            from open_edges
            join nodes as member
                on member.node = open_edges.node
            join nodes as centre_node
                on centre_node.node = open_edges.other
            where open_edges.other in (select node from centres)
                and open_edges.node not in (select node from centres)
                -- a centre whose own copies span more than 3 days takes no member
                and coalesce(
                    centre_node.last_date <= centre_node.first_date + story_days(), true
                )
                -- a dated member of a dated centre lies within 3 days of its earliest date
                and coalesce(
                    member.first_date >= centre_node.first_date - story_days()
                    and member.last_date <= centre_node.first_date + story_days(),
                    true
                )
        ),

        best_centres as (
            select
                node,
                arg_max(centre, (similarity, centre)) as centre,
                arg_max(first_date, (similarity, centre)) as first_date,
                arg_max(last_date, (similarity, centre)) as last_date,
                arg_max(centre_first_date, (similarity, centre)) as centre_first_date
            from candidates
            group by node
        ),

        timely as (
            -- An undated centre's dated members lie within 6 days of the earliest of them.
            select
                node,
                centre
            from best_centres
            qualify centre_first_date is not null
                or first_date is null
                or last_date <= min(first_date) over (partition by centre) + 2 * story_days()
        ),

        fellow_links as (
            -- Each member's links to the other members of its star.
            select
                timely.node,
                count(*) as links
            from timely
            join open_edges
                on open_edges.node = timely.node
            join timely as fellow
                on fellow.node = open_edges.other
                and fellow.centre = timely.centre
            group by timely.node
        ),

        members as (
            -- A member links to star_share() of its star (the centre counts): a group linked to
            -- the centre alone, while the centre's other members link to each other, is a bridge
            -- to another story.
            select
                timely.node,
                timely.centre
            from timely
            left join fellow_links
                using (node)
            qualify 1 + coalesce(fellow_links.links, 0)
                >= star_share() * count(*) over (partition by timely.centre)
        )

        select
            centres.node,
            centres.node,
            this_pass.pass
        from centres,
            this_pass
        where this_pass.pass <= 6
        union all
        select
            members.node,
            members.centre,
            this_pass.pass
        from members,
            this_pass
        where this_pass.pass <= 6
    )
),

stories as (
    select
        node as copy_group_doc_id,
        min(node) over (partition by coalesce(centre, node)) as story_doc_id
    from stars
)

select
    groups.doc_id, -- the article
    groups.copy_group_doc_id, -- its copy group
    stories.story_doc_id, -- smallest doc_id in its story
    count(*) over (partition by stories.story_doc_id) as story_size -- articles in the story, itself included
from intermediate.int_copy_groups as groups
join stories
    using (copy_group_doc_id)
