-- One row per (article, name it mentions: a capitalized word inside a sentence) with its tf-idf
-- weight, for the article's 40 heaviest names (a headline's words: int_story_names).
-- Why: articles about one event name the same people and places even when their wording differs.
-- Weighed by the last full build's idf (int_story_idf); a name new since counts as in one article.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, term
with term_counts as (
    select
        doc_id,
        term,
        term_frequency,
        headline
    from intermediate.int_story_names
    where doc_id in (select doc_id from intermediate.int_changed_documents)
),

total as (
    select
        coalesce(any_value(documents), 1000) as documents
    from intermediate.int_story_idf
),

frequency as (
    select
        term_counts.doc_id,
        term_counts.term,
        term_counts.term_frequency,
        term_counts.headline,
        coalesce(idf.documents_with_term, 1) as documents_with_term,
        total.documents
    from term_counts
    left join intermediate.int_story_idf as idf
        using (term)
    cross join total
)

select
    doc_id, -- the article
    term, -- a name it mentions, lowercased
    round(term_frequency * ln(1 + documents / documents_with_term), 4) as weight, -- tf-idf: often here, rare elsewhere (the idf of the last full build)
    headline, -- the article is a headline: its terms are its words (int_story_names)
    documents_with_term -- how many articles mentioned it at the last full build (1 for a name new since)
from frequency
qualify row_number() over (partition by doc_id order by weight desc, term asc) <= 40
