-- One row per distinct 5-word shingle (hashed) of a cut-off paragraph near a document's end: the
-- paragraphs that may be a teaser of another story.
-- Why: teaser matching (int_teaser_matches) compares these with other documents' openings; kept
-- per document so a night adds its own documents' tails only. A tail paragraph is cut off (no
-- closing punctuation), at least 150 characters long, among the last six and never the first.
-- @incremental doc_key = build.new_documents.doc_key
-- @grain doc_key, paragraph_no, shingle
with tails as (
    select
        doc_key(doc_id) as doc_key,
        paragraph_no,
        text_words(left(paragraph_text, text_read_limit())) as word_list -- a huge paragraph is not split whole
    from staging.stg_paragraphs
    where doc_id in (select doc_id from build.new_documents)
        and is_unterminated
        and char_length >= 150
        and paragraph_no > 1
    qualify paragraph_no > max(paragraph_no) over (partition by doc_key) - 6
),

shingle_hashes as (
    select
        doc_key,
        paragraph_no,
        sorted_shingle_hashes(word_list) as sorted_hashes
    from tails
)

select
    doc_key, -- the document (doc_key of staging.stg_documents)
    paragraph_no, -- the paragraph (staging.stg_paragraphs)
    unnest(distinct_hashes(sorted_hashes)) as shingle -- hash of five consecutive words of it
from shingle_hashes
