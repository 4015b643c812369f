-- One row per distinct 5-word shingle (hashed) of the first 80 words of a document's body.
-- Why: a teaser glued onto a page repeats the opening of the story it teases (int_teaser_matches);
-- kept per document so a night adds its own documents' openings only. Words of the first 1,000
-- characters only: 80 words fit in them, and splitting whole bodies is the costly part.
-- @incremental doc_key = build.new_documents.doc_key
-- @grain doc_key, shingle
with openings as (
    select
        doc_key,
        text_words(left(body_text, 1000))[1:80] as word_list
    from staging.stg_documents
    where doc_key in (select doc_key from build.new_documents)
),

shingle_hashes as (
    select
        doc_key,
        sorted_shingle_hashes(word_list) as sorted_hashes
    from openings
)

select
    doc_key, -- the document (doc_key of staging.stg_documents)
    unnest(distinct_hashes(sorted_hashes)) as shingle -- hash of five consecutive words of its opening
from shingle_hashes
