-- One row per article with the copy group it belongs to (itself alone when it has no copy).
-- Why: copies chain (002 and 003 overlap less than each with 000), but one weak pair (a
-- write-through with a new lede, a story quoting wire paragraphs) must not join two groups: a
-- group is a star of copy pairs, named after its smallest doc_id, built in passes as int_stories.
-- @grain doc_id
-- @changes doc_id
with recursive edges as (
    select
        doc_a as node,
        doc_b as other
    from intermediate.int_copy_pairs
    union all
    select
        doc_b,
        doc_a
    from intermediate.int_copy_pairs
),

link_counts as (
    select
        node,
        count(*) as links
    from edges
    group by node
),

nodes as (
    -- Each article's rank as a centre: most copies first, then by doc_id.
    select
        documents.doc_id as node,
        row_number() over (
            order by coalesce(link_counts.links, 0) desc, documents.doc_id asc
        ) as centre_rank
    from staging.stg_documents as documents
    left join link_counts
        on link_counts.node = documents.doc_id
),

ranked_edges as materialized (
    -- Each edge with both ends' ranks, looked up once on equalities: comparing ranks inside the
    -- passes was planned as an inequality join of every article with the lower-ranked ones.
    select
        edges.node,
        edges.other,
        self.centre_rank as node_rank,
        neighbour.centre_rank as other_rank
    from edges
    join nodes as self
        on self.node = edges.node
    join nodes as neighbour
        on neighbour.node = edges.other
),

-- In each pass an article with more copies than every unassigned copy of its own is a centre;
-- its unassigned copies join it when each is a copy of at least star_share() of the star (the
-- centre counts); the others go on to the next pass, at most 6.
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
                ranked_edges.node_rank,
                ranked_edges.other_rank
            from ranked_edges
            semi join open_nodes as open_node
                on open_node.node = ranked_edges.node
            semi join open_nodes as open_other
                on open_other.node = ranked_edges.other
        ),

        centres as (
            -- Open articles outranking every open copy of their own.
            select
                open_nodes.node
            from open_nodes
            anti join (
                select
                    node
                from open_edges
                where other_rank < node_rank
            ) as outranked
                using (node)
        ),

        candidates as (
            -- Each open copy of a new centre joins the best-ranked centre it copies.
            select
                open_edges.node,
                arg_min(open_edges.other, open_edges.other_rank) as centre
            from open_edges
            where open_edges.other in (select node from centres)
                and open_edges.node not in (select node from centres)
            group by open_edges.node
        ),

        fellow_links as (
            select
                candidates.node,
                count(*) as links
            from candidates
            join open_edges
                on open_edges.node = candidates.node
            join candidates as fellow
                on fellow.node = open_edges.other
                and fellow.centre = candidates.centre
            group by candidates.node
        ),

        members as (
            select
                candidates.node,
                candidates.centre
            from candidates
            left join fellow_links
                using (node)
            qualify 1 + coalesce(fellow_links.links, 0)
                >= star_share() * count(*) over (partition by candidates.centre)
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

groups as (
    select
        node as doc_id,
        min(node) over (partition by coalesce(centre, node)) as copy_group_doc_id
    from stars
)

select
    doc_id, -- the article
    copy_group_doc_id, -- smallest doc_id in its group
    count(*) over (partition by copy_group_doc_id) as copy_group_size -- articles in the group, itself included
from groups
