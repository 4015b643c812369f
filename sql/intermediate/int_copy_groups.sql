-- One row per article with the copy group it belongs to (itself alone when it has no copy).
-- Why: copies chain (002 and 003 overlap less than each does with 000), so a group is a connected
-- component of verified copy pairs, not a pairwise threshold. The group is named after its
-- smallest doc_id, which does not depend on the order articles arrived in.
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
    documents.doc_id, -- the article
    least(documents.doc_id, coalesce(min(reachable.linked_doc_id), documents.doc_id)) as copy_group_doc_id, -- smallest doc_id in its group
    count(distinct reachable.linked_doc_id) filter (where reachable.linked_doc_id <> documents.doc_id) + 1 as copy_group_size -- articles in the group, itself included
from staging.stg_documents as documents
left join reachable
    on reachable.doc_id = documents.doc_id
group by documents.doc_id
