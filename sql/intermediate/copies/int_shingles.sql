-- One row per distinct 5-word shingle (hashed) of an article body.
-- Why: syndicated copies share long runs of words even after edits and cuts; shingles turn that
-- into a join (sql/macros/shingles.sql says what a shingle is).
-- @incremental doc_key = intermediate.int_changed_documents.doc_key
-- @grain doc_key, shingle
with words as (
    -- The body's words as int_document_words split them (its opening text_read_limit() characters).
    select
        doc_key,
        word_list(word_text) as word_list
    from intermediate.int_document_words
    where doc_key in (select doc_key from intermediate.int_changed_documents)
),

shingle_hashes as (
    select
        doc_key,
        sorted_shingle_hashes(word_list) as sorted_hashes
    from words
)

select
    doc_key, -- the article (doc_key of staging.stg_documents)
    unnest(distinct_hashes(sorted_hashes)) as shingle -- hash of five consecutive words
from shingle_hashes
