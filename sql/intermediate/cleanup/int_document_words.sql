-- One row per article body: its words in reading order (text_words of its opening
-- text_read_limit() characters), one space apart.
-- Why: copy detection, its verification and the search mart read the same words, and splitting
-- is their costly part (a list element per word): split once here, each reads them (word_list).
-- One string, not a list, so it is cheap to write (see joined_words, sql/macros/shingles.sql).
-- @incremental doc_key = intermediate.int_changed_documents.doc_key
-- @grain doc_key
select
    doc_key(doc_id) as doc_key, -- the article (doc_key of staging.stg_documents)
    -- A huge body is not split whole: copies share their openings.
    joined_words(left(body, text_read_limit())) as word_text -- its words, lowercased letters and digits, one space apart
from intermediate.int_document_parts
where body is not null
    and doc_id in (select doc_id from intermediate.int_changed_documents)
