-- One row per name the articles mention at the last full build, with how many articles mention it
-- and how many articles name anything: the idf story matching weighs names by.
-- Why: an idf every new article moves makes any night change any article's weights and pairs;
-- frozen between full builds, a night weighs only its own articles and pairs only them. Names new
-- since the snapshot count as in one article (int_story_terms); docs/copies-and-stories.md says
-- what drifts. The idf assumes at least 1,000 articles, so a small night of one story (the seeds)
-- does not make its own names look common.
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
