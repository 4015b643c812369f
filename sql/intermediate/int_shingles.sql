-- One row per distinct 5-word shingle (hashed) of an article body.
-- Why: syndicated copies share long runs of words even after edits and cuts; shingles turn that
-- into a join. Words are lowercased letters and digits, so quotes, dashes and spacing do not count.
with words as (
    select
        doc_id,
        regexp_extract_all(lower(body), '[\p{L}\p{N}]+') as word_list
    from intermediate.int_document_parts
    where body is not null
)

select distinct
    words.doc_id, -- the article
    hash(array_to_string(words.word_list[position:position + 4], ' ')) as shingle -- hash of five consecutive words
from words,
    unnest(range(1, len(words.word_list) - 3)) as positions(position)
