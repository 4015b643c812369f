-- One row per pair of articles whose sampled shingles suggest they may be copies.
-- Why: verifying every pair of articles on all their shingles is quadratic; a 1-in-8 sample of
-- shingle hashes keeps containment's proportions and makes the self-join 64x smaller. An update
-- pairs the documents it computes (int_changed_documents) with the whole warehouse.
-- @incremental key_a, key_b = intermediate.int_changed_documents.doc_key
-- @grain key_a, key_b
with samples as (
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    where shingle % 8 = 0
),

useful as (
    -- A shingle in hundreds of articles is boilerplate: no evidence.
    select
        shingle
    from samples
    group by shingle
    having count(*) between 2 and boilerplate_documents()
),

useful_samples as (
    -- A semi join keeps only the useful rows before the self-join below (`in (select ...)` inside
    -- the join: 15x slower).
    select
        samples.doc_key,
        samples.shingle,
        samples.doc_key in (select doc_key from intermediate.int_changed_documents) as is_changed
    from samples
    semi join useful
        on useful.shingle = samples.shingle
),

sample_matches as (
    -- Pairs with a document this build computes (every pair in a full build): its samples probe
    -- the whole warehouse's; a pair of two such documents is counted once, from its smaller key.
    select
        least(changed_side.doc_key, other_side.doc_key) as key_a,
        greatest(changed_side.doc_key, other_side.doc_key) as key_b,
        count(*) as shared_samples
    from useful_samples as changed_side
    join useful_samples as other_side
        on other_side.shingle = changed_side.shingle
        and (other_side.doc_key > changed_side.doc_key or not other_side.is_changed)
    where changed_side.is_changed
    group by all
    having count(*) >= 2
),

sample_sizes as (
    -- Sample counts of the documents in those pairs only: counting every document's cost a scan
    -- and a group-by of the whole sample, most of it never joined.
    select
        doc_key,
        count(*) as sample_count
    from samples
    where doc_key in (
        select key_a from sample_matches
        union
        select key_b from sample_matches
    )
    group by doc_key
)

select
    sample_matches.key_a, -- one article (doc_key of staging.stg_documents, the smaller)
    sample_matches.key_b -- the other
from sample_matches
join sample_sizes as size_a
    on size_a.doc_key = sample_matches.key_a
join sample_sizes as size_b
    on size_b.doc_key = sample_matches.key_b
-- samples alone already suggest a containment near the threshold
where sample_matches.shared_samples
    >= 0.15 * least(size_a.sample_count, size_b.sample_count)
