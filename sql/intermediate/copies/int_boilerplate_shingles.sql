-- One row per shingle in more than boilerplate_documents() (200) articles, counted on the articles
-- whose key ends in 0 of 8 (more than 25 of them).
-- Why: shared boilerplate ("The story is developing and will be updated.") is no evidence of
-- copying; a document sample tells padding (1,000+ articles) from a reprint (one article each),
-- 8 times cheaper than a full count.
-- @grain shingle
-- @merge: a night's documents change the counts of their own shingles only
with sampled_shingles as (
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    where doc_key % 8 = 0
),

update_shingles as (
    -- The shingles of the night's sampled documents: only their counts can change.
    select distinct
        shingle
    from sampled_shingles
    where doc_key in (select doc_key from intermediate.int_changed_documents)
),

counted_shingles as (
    -- A full build counts every shingle; an update (is_update(), a constant) those it may change.
    select
        shingle
    from sampled_shingles
    where not is_update()
    union all
    select
        shingle
    from sampled_shingles
    where is_update()
        and shingle in (select shingle from update_shingles)
)

select
    shingle -- hash of five consecutive words (intermediate.int_shingles)
from counted_shingles
group by shingle
having count(*) > boilerplate_documents() // 8
