-- One row per document whose article row this build writes: every document in a full build; in an
-- update those it computes, those whose copy group, story or date changed, and the other members
-- of their copy groups.
-- Why: the articles mart updates these instead of rewriting every body each night. An article's
-- row is its own document's, its copy group's, story's and date's; its wire agency may be its
-- group's (the most common of its members'), so a change in one member touches the whole group.
-- @grain doc_id
with touched as (
    select doc_id from intermediate.int_changed_documents
    union
    select doc_id from build.changed_int_copy_groups
    union
    select doc_id from build.changed_int_stories
    union
    select doc_id from build.changed_int_article_dates
),

touched_groups as (
    select distinct
        groups.copy_group_doc_id
    from intermediate.int_copy_groups as groups
    semi join touched
        using (doc_id)
)

select
    groups.doc_id -- the document
from intermediate.int_copy_groups as groups
semi join touched_groups
    using (copy_group_doc_id)
