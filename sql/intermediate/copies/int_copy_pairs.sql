-- One row per pair of articles verified to be copies of the same underlying text, with scores.
-- Why: reprints are cut and edited, so whole-text Jaccard misses them; containment (the share of
-- the shorter text found in the longer) at 0.35 finds them, while articles sharing a background
-- paragraph reach 0.29. The shared part must reach beyond the last 24 words of one body.
-- @incremental doc_a, doc_b = intermediate.int_changed_documents.doc_id
-- @grain doc_a, doc_b
with copies as (
    -- The verified pairs with a document this build computes that pass the containment test.
    select
        key_a,
        key_b,
        shared_shingles,
        size_a,
        size_b,
        shingles_a,
        shingles_b
    from intermediate.int_copy_overlaps
    where (
        key_a in (select doc_key from intermediate.int_changed_documents)
        or key_b in (select doc_key from intermediate.int_changed_documents)
    )
        and shared_shingles >= 8
        and shared_shingles / least(size_a, size_b) >= 0.35
),

sizes as (
    -- Each paired document's shingles, boilerplate included.
    select
        key_a as doc_key,
        shingles_a as shingle_count
    from copies
    union
    select
        key_b,
        shingles_b
    from copies
),

tail_words as (
    -- The last 24 words of each body in a pair, read from its last 400 characters (no long body
    -- is split whole; 24 words longer than that would only make the tail shorter).
    select
        sizes.doc_key,
        text_words(right(parts.body, 400))[-24:] as word_list
    from sizes
    join intermediate.int_document_parts as parts
        on doc_key(parts.doc_id) = sizes.doc_key
),

tail_hashes as (
    select
        doc_key,
        sorted_shingle_hashes(word_list) as sorted_hashes
    from tail_words
),

tail_shingles as materialized (
    select
        doc_key,
        unnest(distinct_hashes(sorted_hashes)) as shingle
    from tail_hashes
),

tail_only_documents as (
    -- Bodies of at most 24 words: all tail, so the rule below cannot tell their ending from their
    -- lead, and a verbatim reprint of a two-line brief must still be a copy.
    select
        tail_shingles.doc_key
    from tail_shingles
    join sizes
        on sizes.doc_key = tail_shingles.doc_key
    group by tail_shingles.doc_key
    having count(*) >= any_value(sizes.shingle_count)
),

shared_tails as (
    -- Shingles in the tails of both: they are shared by construction, so a pair shares something
    -- else exactly when it shares more shingles than these. Stock endings padded onto short
    -- articles made unrelated ones copies.
    select
        copies.key_a,
        copies.key_b,
        count(*) as shared_tail_shingles
    from copies
    join tail_shingles as tail_a
        on tail_a.doc_key = copies.key_a
    join tail_shingles as tail_b
        on tail_b.doc_key = copies.key_b
        and tail_b.shingle = tail_a.shingle
    anti join intermediate.int_boilerplate_shingles as common
        on common.shingle = tail_a.shingle
    group by copies.key_a, copies.key_b
)

select
    document_a.doc_id as doc_a, -- one article of the pair (the smaller doc_id)
    document_b.doc_id as doc_b, -- the other article
    copies.shared_shingles, -- 5-word shingles the two bodies share, boilerplate (in more than 200 articles) left out
    round(copies.shared_shingles / least(copies.size_a, copies.size_b), 4) as containment, -- share of the shorter body found in the longer, boilerplate left out of both
    round(copies.shared_shingles / (copies.size_a + copies.size_b - copies.shared_shingles), 4) as jaccard -- shared over union, boilerplate left out, for comparison with near-duplicate tools
from copies
left join shared_tails
    on shared_tails.key_a = copies.key_a
    and shared_tails.key_b = copies.key_b
join staging.stg_documents as document_a
    on document_a.doc_key = copies.key_a
join staging.stg_documents as document_b
    on document_b.doc_key = copies.key_b
where copies.shared_shingles > coalesce(shared_tails.shared_tail_shingles, 0)
    or copies.key_a in (select doc_key from tail_only_documents)
    or copies.key_b in (select doc_key from tail_only_documents)
