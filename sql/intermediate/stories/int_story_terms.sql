-- One row per (article, name it mentions: a capitalized word inside a sentence) with its tf-idf
-- weight, for the article's 40 heaviest names.
-- Why: articles about one event name the same people and places even when their wording differs.
-- The idf assumes at least 1,000 articles, so a small night of one story (the seeds) does not make
-- its own names look common.
-- @grain doc_id, term
with term_counts as (
    select
        doc_id,
        term,
        term_frequency
    from intermediate.int_story_names
),

total as (
    select
        count(distinct doc_id) as documents
    from term_counts
),

document_frequency as (
    select
        term_counts.term,
        count(*) as documents_with_term,
        greatest(any_value(total.documents), 1000) as documents
    from term_counts,
        total
    group by term_counts.term
)

select
    term_counts.doc_id, -- the article
    term_counts.term, -- a name it mentions, lowercased
    round(term_counts.term_frequency * ln(1 + frequency.documents / frequency.documents_with_term), 4)
        as weight, -- tf-idf: often here, rare elsewhere
    frequency.documents_with_term -- how many articles mention it
from term_counts
join document_frequency as frequency
    using (term)
qualify row_number() over (partition by term_counts.doc_id order by weight desc, term asc) <= 40
