-- One row per (article, name it mentions: a capitalized word inside a sentence) with how often;
-- for a headline (a feed's title: a body under 40 words), per word of it but stopwords.
-- Why: story matching weighs names by their rarity in the warehouse, which every night changes;
-- finding them does not, and is most of the cost (a regex over every body): computed once. A
-- headline has few names, or in title case ("Fed's Yellen Says Rates To Stay Low") only names.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, term
with texts as (
    select
        documents.doc_id,
        -- The opening text_read_limit() characters: a bounded regexp however long the text.
        left(concat_ws(e'\n', documents.title, documents.standfirst, parts.body), text_read_limit()) as text,
        -- A headline: a body under 40 words (only a short one is split to count them).
        case
            when length(coalesce(parts.body, '')) >= 800 then false
            else len(text_words(coalesce(parts.body, ''))) < 40
        end as headline
    from staging.stg_documents as documents
    join intermediate.int_document_parts as parts
        using (doc_id)
    where documents.doc_id in (select doc_id from intermediate.int_changed_documents)
),

names as (
    -- A capitalized word after a lowercase word, comma or another name: not a sentence's first.
    select
        doc_id,
        headline,
        lower(
            unnest(regexp_extract_all(text, '[\p{Ll},;\p{Lu}\p{N}] (\p{Lu}[\p{L}’''-]{2,})', 1))
        ) as term
    from texts
    where not headline
    union all
    -- A headline's terms: its words of 3 letters or more but stopwords (search_stopwords()).
    select
        doc_id,
        headline,
        unnest(list_filter(text_words(text), lambda word: length(word) >= 3 and is_search_term(word))) as term
    from texts
    where headline
)

select
    doc_id, -- the article
    regexp_replace(term, '[’'']s$', '') as term, -- a name it mentions, lowercased, without a possessive 's
    count(*) as term_frequency, -- how often it mentions it
    headline -- the article is a headline (a body under 40 words): its terms are its words, not only its names
from names
where term not in (
    'january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september',
    'october', 'november', 'december', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday',
    'saturday', 'sunday', 'the', 'mr', 'mrs', 'ms', 'dr', 'president', 'minister', 'prime'
)
group by all
