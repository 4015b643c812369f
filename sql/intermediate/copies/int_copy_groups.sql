-- One row per article with the copy group it belongs to (itself alone when it has no copy).
-- Why: copies chain (002 and 003 overlap less than each with 000), so a group is a connected
-- component of copy pairs, found by label propagation (edges x diameter, not a component's square)
-- and named after its smallest doc_id, whatever order articles arrived in.
-- @grain doc_id
with recursive edges as (
    select
        doc_a as doc_id,
        doc_b as linked_doc_id
    from intermediate.int_copy_pairs
    union all
    select
        doc_b,
        doc_a
    from intermediate.int_copy_pairs
),

components(doc_id, copy_group_doc_id) using key (doc_id) as (
    select
        doc_id,
        doc_id
    from staging.stg_documents
    union
    select
        edges.linked_doc_id,
        min(components.copy_group_doc_id)
    from components
    join edges
        on edges.doc_id = components.doc_id
    join recurring.components as current_label
        on current_label.doc_id = edges.linked_doc_id
    group by edges.linked_doc_id
    having min(components.copy_group_doc_id) < min(current_label.copy_group_doc_id)
)

select
    doc_id, -- the article
    copy_group_doc_id, -- smallest doc_id in its group
    count(*) over (partition by copy_group_doc_id) as copy_group_size -- articles in the group, itself included
from components
