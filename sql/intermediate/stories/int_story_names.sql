-- One row per (article, name it mentions: a capitalized word inside a sentence) with how often.
-- Why: story matching (int_story_terms) weighs names by how rare they are in the whole warehouse,
-- which every night changes; finding the names in the text does not change, and is most of the
-- cost (a regex over every body), so it is kept per article and computed once.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, term
with texts as (
    select
        documents.doc_id,
        -- The opening text_read_limit() characters: a bounded regexp however long the text.
        left(concat_ws(e'\n', documents.title, documents.standfirst, parts.body), text_read_limit()) as text
    from staging.stg_documents as documents
    join intermediate.int_document_parts as parts
        using (doc_id)
    where documents.doc_id in (select doc_id from intermediate.int_changed_documents)
),

names as (
    -- A capitalized word after a lowercase word, comma or another name: not a sentence's first.
    select
        doc_id,
        lower(
            unnest(regexp_extract_all(text, '[\p{Ll},;\p{Lu}\p{N}] (\p{Lu}[\p{L}’''-]{2,})', 1))
        ) as term
    from texts
)

select
    doc_id, -- the article
    regexp_replace(term, '[’'']s$', '') as term, -- a name it mentions, lowercased, without a possessive 's
    count(*) as term_frequency -- how often it mentions it
from names
where term not in (
    'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
    'october', 'november', 'december', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday',
    'saturday', 'sunday', 'the', 'mr', 'mrs', 'ms', 'dr', 'president', 'minister', 'prime'
)
group by all
