-- One row per pair of articles verified to be copies of the same underlying text, with scores.
-- Why: wire stories are reprinted with cuts and edits, so whole-text Jaccard misses them (0.18-0.43
-- on the seeds). Containment (the share of the shorter text found in the longer) finds them (0.39+)
-- while unrelated stories stay near 0; the threshold is 0.35, because separate articles that share a
-- background paragraph reach 0.29 (bench/copies.py). Candidates come from a 1-in-8 sample of
-- shingle hashes (a sample keeps containment's proportions and makes the self-join 64x smaller);
-- each candidate is then verified on the full shingle sets.
-- Shared boilerplate is no evidence of copying. Stock paragraphs padded onto short articles ("The
-- story is developing and will be updated.") made unrelated articles copies (bench/sidebyside.py:
-- 291 of 377 false pairs at 100k documents), and copy groups chained them (one group of 388
-- documents from 145 articles). So verification, like the candidate step, leaves out shingles in
-- more than about 200 articles, from the shared count and from the sizes (at 20k documents the
-- padding sits in up to 1,152 articles, a copied story's shingles in one per reprint); and the
-- shared part must reach beyond the last 24 words of one of the two bodies, since in a small night
-- nothing is common yet and short articles sharing a padded ending share only their endings (the
-- lead would be a stricter test, but copies whose first paragraphs were dropped or rewritten fail
-- it: 30 true pairs of the 20k night). On that night: false pairs 53 -> 16 (the rest are teasers
-- of one article glued onto another), no true pair lost; group pair precision 0.892 -> 0.997. At
-- 100k: false pairs 377 -> 87, recall 0.989 kept, group pair precision 0.430 -> 0.998. It costs
-- time: this model took about twice as long (3.5 s -> 9.5 s at 100k, on a busier shared VM).
-- A nightly update recomputes the pairs of the documents it computes (int_changed_documents)
-- against the whole warehouse; pairs of two earlier documents stay as they were.
-- @incremental doc_a, doc_b = intermediate.int_changed_documents.doc_id
-- @grain doc_a, doc_b
with common as (
    -- Boilerplate: shingles in more than 200 articles, counted on the articles whose key ends in
    -- 0 of 8 (more than 25 of them). A document sample is enough to tell padding (1,000+ articles)
    -- from a reprinted story (one article per reprint), and 8 times cheaper than a full count.
    select
        shingle
    from intermediate.int_shingles
    where doc_key % 8 = 0
    group by shingle
    having count(*) > 25
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
        samples.shingle,
        samples.doc_key in (select doc_key from intermediate.int_changed_documents) as is_changed
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

sample_matches as (
    -- Pairs with a document this build computes (every pair in a full build): its samples probe
    -- the whole warehouse's; a pair of two such documents is counted once, from its smaller key.
    select
        least(changed_side.doc_key, other_side.doc_key) as doc_a,
        greatest(changed_side.doc_key, other_side.doc_key) as doc_b,
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
        select doc_a from sample_matches
        union
        select doc_b from sample_matches
    )
    group by doc_key
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
),

verified_documents as (
    -- The documents of verified pairs: the only ones whose sizes the rest needs (a nightly update
    -- would otherwise count the shingles of the whole warehouse again).
    select
        doc_a as doc_key
    from verified
    union
    select
        doc_b
    from verified
),

sizes as (
    select
        doc_key,
        count(*) as shingle_count
    from intermediate.int_shingles
    where doc_key in (select doc_key from verified_documents)
    group by doc_key
),

common_occurrences as (
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    semi join common
        on common.shingle = int_shingles.shingle
    where doc_key in (select doc_key from verified_documents)
),

common_sizes as (
    select
        doc_key,
        count(*) as common_count
    from common_occurrences
    group by doc_key
),

shared_common as (
    -- Boilerplate the two share: taken off the count (a few rows per pair, so cheaper here than
    -- filtering every shingle row above).
    select
        verified.doc_a,
        verified.doc_b,
        count(*) as common_shingles
    from verified
    join common_occurrences as common_a
        on common_a.doc_key = verified.doc_a
    join common_occurrences as common_b
        on common_b.doc_key = verified.doc_b
        and common_b.shingle = common_a.shingle
    group by verified.doc_a, verified.doc_b
),

distinctive as (
    select
        verified.doc_a,
        verified.doc_b,
        verified.shared_shingles - coalesce(shared_common.common_shingles, 0) as shared_shingles,
        size_a.shingle_count - coalesce(common_a.common_count, 0) as size_a,
        size_b.shingle_count - coalesce(common_b.common_count, 0) as size_b
    from verified
    left join shared_common
        on shared_common.doc_a = verified.doc_a
        and shared_common.doc_b = verified.doc_b
    join sizes as size_a
        on size_a.doc_key = verified.doc_a
    join sizes as size_b
        on size_b.doc_key = verified.doc_b
    left join common_sizes as common_a
        on common_a.doc_key = verified.doc_a
    left join common_sizes as common_b
        on common_b.doc_key = verified.doc_b
),

copies as (
    select
        doc_a,
        doc_b,
        shared_shingles,
        size_a,
        size_b
    from distinctive
    where shared_shingles >= 8
        and shared_shingles / least(size_a, size_b) >= 0.35
),

paired_documents as (
    select
        doc_a as doc_key
    from copies
    union
    select
        doc_b
    from copies
),

tail_words as (
    -- The last 24 words of each body in a pair, read from its last 400 characters (no long body
    -- is split whole; 24 words longer than that would only make the tail shorter).
    select
        paired_documents.doc_key,
        text_words(right(parts.body, 400))[-24:] as word_list
    from paired_documents
    join intermediate.int_document_parts as parts
        on doc_key(parts.doc_id) = paired_documents.doc_key
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
    -- else exactly when it shares more shingles than these.
    select
        copies.doc_a,
        copies.doc_b,
        count(*) as shared_tail_shingles
    from copies
    join tail_shingles as tail_a
        on tail_a.doc_key = copies.doc_a
    join tail_shingles as tail_b
        on tail_b.doc_key = copies.doc_b
        and tail_b.shingle = tail_a.shingle
    anti join common
        on common.shingle = tail_a.shingle
    group by copies.doc_a, copies.doc_b
)

select
    document_a.doc_id as doc_a, -- one article of the pair (the smaller doc_id)
    document_b.doc_id as doc_b, -- the other article
    copies.shared_shingles, -- 5-word shingles the two bodies share, boilerplate (in more than 200 articles) left out
    round(copies.shared_shingles / least(copies.size_a, copies.size_b), 4) as containment, -- share of the shorter body found in the longer, boilerplate left out of both
    round(copies.shared_shingles / (copies.size_a + copies.size_b - copies.shared_shingles), 4) as jaccard -- shared over union, boilerplate left out, for comparison with near-duplicate tools
from copies
left join shared_tails
    on shared_tails.doc_a = copies.doc_a
    and shared_tails.doc_b = copies.doc_b
join staging.stg_documents as document_a
    on document_a.doc_key = copies.doc_a
join staging.stg_documents as document_b
    on document_b.doc_key = copies.doc_b
where copies.shared_shingles > coalesce(shared_tails.shared_tail_shingles, 0)
    or copies.doc_a in (select doc_key from tail_only_documents)
    or copies.doc_b in (select doc_key from tail_only_documents)
