-- One row per pair of articles verified to be copies of the same text, with the measured overlap.
-- Why: shows which outlets reprinted which text and how much of it; copy groups are built from it.
-- @grain article_id_a, article_id_b
select
    left(doc_a, 16) as article_id_a, -- one article of the pair
    left(doc_b, 16) as article_id_b, -- the other article
    shared_shingles, -- 5-word shingles both bodies share
    containment, -- share of the shorter body found in the longer (the copy test)
    jaccard -- shared over union, for comparison
from intermediate.int_copy_pairs
