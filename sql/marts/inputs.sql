-- One row per raw file and per record a run saw, with its outcome: accepted, duplicate,
-- quarantined, skipped or unchanged.
-- Why: every input must end as an article, a quarantine row or a recorded skip, and "what
-- happened to file X last night?" must be one query.
-- @grain none: two feeds may give their records the same id; a run sees each input once
select
    inputs.run_id, -- the run that saw the input
    inputs.source_id, -- the record's id, or the raw file path (with :LINE for JSONL)
    inputs.source_path, -- the raw file, relative to the raw folder
    inputs.outcome, -- accepted, duplicate, quarantined, skipped or unchanged (read on an earlier night)
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
