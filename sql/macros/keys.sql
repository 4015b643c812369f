-- A document's compact join key: the first 64 bits of its doc_id (a SHA-256 in hex) as an integer.
-- Why: the pair models self-join millions of shingle and name rows; an 8-byte integer key makes
-- those joins and their group-bys about twice as fast and several times smaller than the 64-character
-- doc_id (100k articles: story pairs 14 s -> 7 s). Keys sort like their doc_ids, and the staging
-- suite checks they are unique (two of a million documents share a key with odds of about 3e-8).
create or replace temp macro doc_key(doc_id) as
    ('0x' || left(doc_id, 16))::ubigint; -- total: doc_id is the sha256 hex digest ingest computed

-- Whether a document's key falls in the slice of a model being built in slices (`-- @slices N`).
-- Why: a model that joins every pair's shingle positions spills past the memory limit at 1M
-- documents; built one slice of its documents at a time, each join fits. Outside such a build the
-- runner leaves it true: one statement builds the whole table.
create or replace temp macro in_build_slice(key) as
    true;

-- Whether the runner is building a `-- @merge` model's update: its select then returns only the
-- rows the night can change, which the runner puts in place of the table's rows of those grains.
-- Why: a full build needs every row, and restricting it to a night's keys would cost a join over
-- all of them; a constant lets DuckDB drop the branch a build does not take before it runs.
create or replace temp macro is_update() as
    false;
