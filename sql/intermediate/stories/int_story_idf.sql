-- One row per name the articles mention at the last full build, with its article count and N.
-- Why: frozen between full builds, a night weighs (int_story_terms) and pairs only its own
-- articles; an idf moved by every new article changes any pair. N is at least 1,000, so a small
-- night of one story (the seeds) does not make its own names look common.
-- @snapshot: an update keeps the idf of the last full build
-- @grain term
with articles as (
    select
        greatest(count(distinct doc_id), 1000) as documents
    from intermediate.int_story_names
)

select
    mentions.term, -- a name, lowercased
    count(*) as documents_with_term, -- articles mentioning it at the last full build
    any_value(articles.documents) as documents -- articles naming anything then, at least 1,000
from intermediate.int_story_names as mentions,
    articles
group by mentions.term
