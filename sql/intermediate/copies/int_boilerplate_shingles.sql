-- One row per shingle in more than boilerplate_documents() (200) articles, counted on the articles
-- whose key ends in 0 of 8 (more than 25 of them).
-- Why: shared boilerplate ("The story is developing and will be updated.") is no evidence of
-- copying; a document sample tells padding (1,000+ articles) from a reprint (one article each),
-- 8 times cheaper than a full count. Rebuilt whole: every night changes the counts.
-- @grain shingle
select
    shingle -- hash of five consecutive words (intermediate.int_shingles)
from intermediate.int_shingles
where doc_key % 8 = 0
group by shingle
having count(*) > boilerplate_documents() // 8
