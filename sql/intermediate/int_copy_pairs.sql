-- One row per pair of articles verified to be copies of the same underlying text, with scores.
-- Why: wire stories are reprinted with cuts and edits, so whole-text Jaccard misses them (0.18-0.43
-- on the seeds). Containment (the share of the shorter text found in the longer) finds them (0.39+)
-- while unrelated stories stay near 0; the threshold is 0.35, because separate articles that share a
-- background paragraph reach 0.29 (bench/copies.py). Candidates come from a 1-in-8 sample of
-- shingle hashes (a sample keeps containment's proportions and makes the self-join 64x smaller);
-- each candidate is then verified on the full shingle sets.
with sizes as (
    select
        doc_key,
        count(*) as shingle_count
    from intermediate.int_shingles
    group by doc_key
),

samples as (
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    where shingle % 8 = 0
),

useful_samples as (
    -- A shingle in hundreds of articles is boilerplate ("said in a statement on"): no evidence.
    -- A semi join keeps only the useful rows before the self-join below (filtering inside the
    -- join with `in (select ...)` made it 15x slower on 100k articles).
    select
        samples.doc_key,
        samples.shingle
    from samples
    semi join (
        select
            shingle
        from samples
        group by shingle
        having count(*) between 2 and 200
    ) as useful
        on useful.shingle = samples.shingle
),

sample_sizes as (
    select
        doc_key,
        count(*) as sample_count
    from samples
    group by doc_key
),

sample_matches as (
    select
        left_side.doc_key as doc_a,
        right_side.doc_key as doc_b,
        count(*) as shared_samples
    from useful_samples as left_side
    join useful_samples as right_side
        on left_side.shingle = right_side.shingle
        and left_side.doc_key < right_side.doc_key
    group by all
    having count(*) >= 2
),

candidates as (
    -- Pairs whose samples alone already suggest a containment near the threshold.
    select
        sample_matches.doc_a,
        sample_matches.doc_b
    from sample_matches
    join sample_sizes as size_a
        on size_a.doc_key = sample_matches.doc_a
    join sample_sizes as size_b
        on size_b.doc_key = sample_matches.doc_b
    where sample_matches.shared_samples
        >= 0.15 * least(size_a.sample_count, size_b.sample_count)
),

candidate_shingles as (
    -- The first article's shingles, once for each candidate partner.
    select
        candidates.doc_a,
        candidates.doc_b,
        shingles.shingle
    from candidates
    join intermediate.int_shingles as shingles
        on shingles.doc_key = candidates.doc_a
),

verified as (
    -- Exactly: how many of them the partner has too (a semi join, so no pair of shingle lists
    -- is ever multiplied out).
    select
        doc_a,
        doc_b,
        count(*) as shared_shingles
    from candidate_shingles
    semi join intermediate.int_shingles as partner
        on partner.doc_key = candidate_shingles.doc_b
        and partner.shingle = candidate_shingles.shingle
    group by doc_a, doc_b
)

select
    document_a.doc_id as doc_a, -- one article of the pair (the smaller doc_id)
    document_b.doc_id as doc_b, -- the other article
    verified.shared_shingles, -- 5-word shingles the two bodies share
    round(verified.shared_shingles / least(size_a.shingle_count, size_b.shingle_count), 4) as containment, -- share of the shorter body found in the longer
    round(
        verified.shared_shingles
        / (size_a.shingle_count + size_b.shingle_count - verified.shared_shingles),
        4
    ) as jaccard -- shared over union, for comparison with near-duplicate tools
from verified
join sizes as size_a
    on size_a.doc_key = verified.doc_a
join sizes as size_b
    on size_b.doc_key = verified.doc_b
join staging.stg_documents as document_a
    on document_a.doc_key = verified.doc_a
join staging.stg_documents as document_b
    on document_b.doc_key = verified.doc_b
where verified.shared_shingles >= 8
    and verified.shared_shingles / least(size_a.shingle_count, size_b.shingle_count) >= 0.35
