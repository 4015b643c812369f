-- One row per nightly run: when it ran, what each stage counted and each gate's result.
-- Why: the run history behind the quality dashboard, and the first place to look after a failure.
-- @grain run_id
select
    run_id, -- the run
    started_at, -- when it started (UTC)
    ended_at, -- when it ended (UTC)
    status, -- published, failed or nothing_new
    message, -- why it failed, when it did
    documents_read, -- records read from the raw folder
    documents_new, -- new documents added to the lake
    documents_duplicate, -- records whose text was already in the lake
    records_bad, -- records quarantined at ingest
    files_skipped, -- raw folder entries skipped (not regular files, unknown types)
    files_unchanged, -- raw files left unread: an earlier night read them (null before it was kept)
    articles_published, -- articles in the warehouse after the run
    fragments_published, -- fragments in the warehouse after the run
    dates_repaired, -- articles whose header date was repaired
    rows_quarantined, -- quarantine rows in the warehouse after the run
    gates, -- JSON: each gate's suite, result and failed expectations
    plan -- what the night did: an update, a full build and why, or nothing new
from raw.runs
