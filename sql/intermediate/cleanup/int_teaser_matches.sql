-- One row per cut-off paragraph near the end of a document that repeats the opening of another
-- document: a teaser of that other story glued onto this page.
-- Why: a teaser is short and cut off like a truncated article paragraph, so its shape alone is
-- weak evidence; when the story it teases is in the warehouse too, its opening proves it. Left in
-- the body, a teaser would also make the two pages look like copies of each other.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, paragraph_no
with tail_shingles as (
    -- The tail paragraphs of the documents this build computes (int_tail_shingles says which).
    select
        doc_key,
        paragraph_no,
        shingle
    from intermediate.int_tail_shingles
    where doc_key in (select doc_key from intermediate.int_changed_documents)
),

opening_shingles as (
    -- Openings sharing a shingle with those tails, less shingles that open more than 200
    -- documents: boilerplate ("said in a statement on"), not one story's opening. Their matches
    -- multiplied out (tail paragraphs x openings sharing them) made this model grow 47x for 10x
    -- the documents (445 s on a synthetic 1M night); a teased story still matches on its own
    -- words. Filtering by the tails' shingles first keeps every opening of each shingle kept, so
    -- the count is the whole warehouse's.
    select
        doc_key,
        shingle
    from intermediate.int_opening_shingles
    where shingle in (select shingle from tail_shingles)
    qualify count(*) over (partition by shingle) <= boilerplate_documents()
),

tail_sizes as (
    select
        doc_key,
        paragraph_no,
        count(*) as shingle_count
    from tail_shingles
    group by all
),

matches as (
    select
        tail_shingles.doc_key,
        tail_shingles.paragraph_no,
        opening_shingles.doc_key as teased_doc_key,
        round(count(*) / any_value(tail_sizes.shingle_count), 4) as overlap
    from tail_shingles
    join opening_shingles
        on opening_shingles.shingle = tail_shingles.shingle
        and opening_shingles.doc_key <> tail_shingles.doc_key
    join tail_sizes
        on tail_sizes.doc_key = tail_shingles.doc_key
        and tail_sizes.paragraph_no = tail_shingles.paragraph_no
    group by tail_shingles.doc_key, tail_shingles.paragraph_no, opening_shingles.doc_key
    having count(*) >= teaser_overlap() * any_value(tail_sizes.shingle_count)
    qualify row_number() over (
        partition by tail_shingles.doc_key, tail_shingles.paragraph_no
        order by overlap desc, teased_doc_key asc
    ) = 1
)

select
    document.doc_id, -- the document the paragraph is in
    matches.paragraph_no, -- the paragraph
    teased.doc_id as teased_doc_id, -- the document whose opening it repeats
    matches.overlap -- share of the paragraph found in that opening
from matches
join staging.stg_documents as document
    on document.doc_key = matches.doc_key
join staging.stg_documents as teased
    on teased.doc_key = matches.teased_doc_key
