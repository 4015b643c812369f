-- One row per input record or document that did not become an article, with the reason.
-- Why: bad input must be visible and fixable, never silently dropped: unreadable files and broken
-- JSONL lines from ingest, and documents that break a row-level rule from the models.
-- @grain none: two inputs of one source_id may break the same rule; the lake keys them by input_hash
select
    source_id, -- the record's id or the raw file path (with :LINE for JSONL)
    source_path, -- the raw file
    reason, -- why it was quarantined
    stage, -- ingest or transform
    run_id, -- the run that quarantined it
    raw_excerpt, -- the start of the raw input, for diagnosis
    quarantined_at -- when
from raw.quarantine

union all

select
    rejected.source_id,
    rejected.source_path,
    rejected.reason,
    'transform',
    rejected.run_id,
    rejected.raw_excerpt,
    documents.ingested_at
from intermediate.int_rejected_documents as rejected
join staging.stg_documents as documents
    using (doc_id)
