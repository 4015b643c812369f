-- One row per article with the story it belongs to: the connected component of story pairs and
-- copy groups, named after its smallest doc_id.
-- Why: copies of one text always share a story, and stories chain like copies do. Components come
-- from label propagation, as in int_copy_groups.
-- @grain doc_id
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

components(doc_id, story_doc_id) using key (doc_id) as (
    select
        doc_id,
        doc_id
    from intermediate.int_copy_groups
    union
    select
        edges.linked_doc_id,
        min(components.story_doc_id)
    from components
    join edges
        on edges.doc_id = components.doc_id
    join recurring.components as current_label
        on current_label.doc_id = edges.linked_doc_id
    group by edges.linked_doc_id
    having min(components.story_doc_id) < min(current_label.story_doc_id)
)

select
    groups.doc_id, -- the article
    groups.copy_group_doc_id, -- its copy group
    components.story_doc_id, -- smallest doc_id in its story
    count(*) over (partition by components.story_doc_id) as story_size -- articles in the story, itself included
from intermediate.int_copy_groups as groups
join components
    using (doc_id)
