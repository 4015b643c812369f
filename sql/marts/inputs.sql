-- One row per record a run read and per raw file it skipped, with its outcome: accepted,
-- duplicate, quarantined or skipped.
-- Why: every input must end as an article, a quarantine row or a recorded skip, and "what became
-- of file X?" must be one query (its newest run's rows). Files an earlier night read are left
-- unread and counted in runs.files_unchanged (older lakes hold an `unchanged` row for each).
-- @grain none: two feeds may give their records the same id; a run sees each input once
select
    inputs.run_id, -- the run that saw the input
    inputs.source_id, -- the record's id, or the raw file path (with :LINE for JSONL)
    inputs.source_path, -- the raw file, relative to the raw folder
    inputs.outcome, -- accepted, duplicate, quarantined, skipped (or unchanged, in older lakes)
    inputs.reason, -- why it was not accepted as a new document; null when it was
    inputs.doc_id, -- the document it became, or the one whose text it repeats
    articles.article_id, -- the article its document is published as
    rejected.reason as rejected_reason, -- why the models quarantined its document instead
    case
        when inputs.outcome in ('accepted', 'duplicate') and articles.article_id is not null
            then 'article'
        when inputs.outcome in ('accepted', 'duplicate') and rejected.doc_id is not null
            then 'quarantine'
        when inputs.outcome = 'quarantined' then 'quarantine'
        when inputs.outcome = 'skipped' then 'skip'
        when inputs.outcome = 'unchanged' then 'earlier night'
    end as ended_as -- article, quarantine, skip or earlier night; null would be an input lost
from raw.inputs as inputs
left join main.articles as articles
    on articles.doc_id = inputs.doc_id
left join intermediate.int_rejected_documents as rejected
    on rejected.doc_id = inputs.doc_id
