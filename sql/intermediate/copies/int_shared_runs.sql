-- One row per unbroken run of shingles one text of a pair shares with the other, on each side.
-- Why: where two texts share decides what they are: one long run, two excerpts of one text
-- (int_copy_pairs); runs around, above or split by each article, one site's page frame.
-- @incremental key_a, key_b = intermediate.int_changed_documents.doc_key
-- @grain key_a, key_b, side, run_start
-- @slices 4: joined in one statement, every pair side's positions outgrow the memory limit
with placed_pairs as (
    -- The pairs with a document this build computes that share enough to be placed
    -- (is_placed_pair, sql/macros/thresholds.sql).
    select
        key_a,
        key_b
    from intermediate.int_copy_overlaps
    where (
        key_a in (select doc_key from intermediate.int_changed_documents)
        or key_b in (select doc_key from intermediate.int_changed_documents)
    )
        and is_placed_pair(shared_shingles, least(size_a, size_b))
),

pair_words as (
    -- The bodies' words as int_document_words split them, not split again here: those of this
    -- slice's documents (in_build_slice, sql/macros/keys.sql), whose positions are placed.
    select
        doc_key,
        word_list(word_text) as word_list
    from intermediate.int_document_words
    where doc_key in (
        select key_a from placed_pairs
        union
        select key_b from placed_pairs
    )
        and in_build_slice(doc_key)
),

pair_hashes as (
    select
        doc_key,
        shingle_hashes(word_list) as ordered_hashes
    from pair_words
),

positioned as materialized (
    -- Each shingle at its position in the body, and the body's length in shingles. Materialized:
    -- inlined into the join below, DuckDB rewrites the unnest into a join over every list, which
    -- spills without bound.
    select
        pair_hashes.doc_key,
        positions.shingle,
        positions.shingle_position,
        len(pair_hashes.ordered_hashes) as shingle_count
    from pair_hashes,
        unnest(pair_hashes.ordered_hashes) with ordinality as positions (shingle, shingle_position)
),

pair_sides as (
    -- Each pair once from either side: whose positions (own) and whose shingles (other).
    -- key_a is the smaller key (int_copy_candidates), so the order of the two names the side.
    select
        key_a as own_key,
        key_b as other_key
    from placed_pairs
    where in_build_slice(key_a)
    union all
    select
        key_b,
        key_a
    from placed_pairs
    where in_build_slice(key_b)
),

other_shingles as (
    -- The other texts' distinct shingles (int_shingles, from the same words), read for those texts
    -- only: a night's pairs need few of the warehouse's shingles.
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    where doc_key in (select other_key from pair_sides)
),

shared_positions as (
    -- The positions on each side whose shingle the other side has too, listed per side and
    -- sorted there: no sort over every shared position of every pair at once.
    select
        pair_sides.own_key,
        pair_sides.other_key,
        any_value(own.shingle_count) as shingle_count,
        list_sort(list(own.shingle_position)) as positions
    from pair_sides
    join positioned as own
        on own.doc_key = pair_sides.own_key
    semi join other_shingles as other
        on other.doc_key = pair_sides.other_key
        and other.shingle = own.shingle
    group by pair_sides.own_key, pair_sides.other_key
),

runs as (
    -- Each run of consecutive shared positions (run_starts, run_ends: sql/macros/shingles.sql).
    select
        own_key,
        other_key,
        shingle_count,
        unnest(run_starts(positions)) as run_start,
        unnest(run_ends(positions)) as run_end
    from shared_positions
)

select
    least(own_key, other_key) as key_a, -- one text of the pair (doc_key of staging.stg_documents, the smaller)
    greatest(own_key, other_key) as key_b, -- the other text
    if(own_key < other_key, 'a', 'b') as side, -- whose positions: 'a' (key_a's text) or 'b'
    shingle_count, -- that text's length in shingles (positions)
    run_start, -- the run's first position in that text (1-based)
    run_end, -- its last position
    run_end - run_start + 1 as run_length -- its length in shingles
from runs
