-- One row per article with the story it belongs to: the connected component of story pairs and
-- copy groups, named after its smallest doc_id.
-- Why: copies of one text always share a story, and stories chain like copies do.
with recursive edges as (
    select
        doc_a as doc_id,
        doc_b as linked_doc_id
    from intermediate.int_story_pairs
    union all
    select
        doc_b,
        doc_a
    from intermediate.int_story_pairs
    union all
    select
        doc_id,
        copy_group_doc_id
    from intermediate.int_copy_groups
    union all
    select
        copy_group_doc_id,
        doc_id
    from intermediate.int_copy_groups
),

reachable(doc_id, linked_doc_id) as (
    select
        doc_id,
        linked_doc_id
    from edges
    union
    select
        reachable.doc_id,
        edges.linked_doc_id
    from reachable
    join edges
        on edges.doc_id = reachable.linked_doc_id
)

select
    groups.doc_id, -- the article
    groups.copy_group_doc_id, -- its copy group
    min(reachable.linked_doc_id) as story_doc_id, -- smallest doc_id in its story
    count(distinct reachable.linked_doc_id) as story_size -- articles in the story, itself included
from intermediate.int_copy_groups as groups
join reachable
    on reachable.doc_id = groups.doc_id
group by all
