-- One row per article body: its words in reading order (text_words of its opening
-- text_read_limit() characters), one space apart.
-- Why: splitting words is the costly part of comparing texts (a list element per word of every
-- body), and copy detection, its verification and the search mart all read the same words: split
-- once here, each reads them (word_list) instead of splitting the body again. One string, not a
-- list: see joined_words in sql/macros/shingles.sql.
-- @incremental doc_key = intermediate.int_changed_documents.doc_key
-- @grain doc_key
select
    doc_key(doc_id) as doc_key, -- the article (doc_key of staging.stg_documents)
    -- A huge body is not split whole: copies share their openings.
    joined_words(left(body, text_read_limit())) as word_text -- its words, lowercased letters and digits, one space apart
from intermediate.int_document_parts
where body is not null
    and doc_id in (select doc_id from intermediate.int_changed_documents)
