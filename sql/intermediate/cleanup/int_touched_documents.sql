-- One row per document whose article row this build writes: every one in a full build; in an
-- update those it computes, whose copy group, story or date changed, and their groups' members.
-- Why: the articles mart updates these instead of rewriting every body each night; a copy
-- group shares a wire agency (its members' most common), so one changed member touches all.
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
