-- One row per unbroken run of shingles one text of a pair shares with the other, on each side.
-- Why: where two texts share decides what they are: one long run, two excerpts of one text
-- (int_copy_pairs); runs around, above or split by each article, one site's page frame.
-- @incremental key_a, key_b = intermediate.int_changed_documents.doc_key
-- @grain key_a, key_b, side, run_start
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
    -- The bodies' words as int_document_words split them, not split again here.
    select
        doc_key,
        word_list(word_text) as word_list
    from intermediate.int_document_words
    where doc_key in (
        select key_a from placed_pairs
        union
        select key_b from placed_pairs
    )
),

pair_hashes as (
    select
        doc_key,
        shingle_hashes(word_list) as ordered_hashes
    from pair_words
),

positioned as (
    -- Each shingle at its position in the body, and the body's length in shingles.
    select
        pair_hashes.doc_key,
        positions.shingle,
        positions.shingle_position,
        len(pair_hashes.ordered_hashes) as shingle_count
    from pair_hashes,
        unnest(pair_hashes.ordered_hashes) with ordinality as positions (shingle, shingle_position)
),

shared_positions as (
    -- The positions on each side whose shingle the other side has too.
    select
        pairs.key_a,
        pairs.key_b,
        sides.side,
        own.shingle_position,
        own.shingle_count
    from placed_pairs as pairs
    cross join (values ('a'), ('b')) as sides (side)
    join positioned as own
        on own.doc_key = if(sides.side = 'a', pairs.key_a, pairs.key_b)
    semi join positioned as other
        on other.doc_key = if(sides.side = 'a', pairs.key_b, pairs.key_a)
        and other.shingle = own.shingle
)

select
    key_a, -- one text of the pair (doc_key of staging.stg_documents, the smaller)
    key_b, -- the other text
    side, -- whose positions: 'a' (key_a's text) or 'b'
    any_value(shingle_count) as shingle_count, -- that text's length in shingles (positions)
    min(shingle_position) as run_start, -- the run's first position in that text (1-based)
    max(shingle_position) as run_end, -- its last position
    count(*) as run_length -- its length in shingles
from (
    -- Gaps and islands: consecutive shared positions share position minus rank.
    select
        *,
        shingle_position
        - row_number() over (partition by key_a, key_b, side order by shingle_position) as island
    from shared_positions
) as islands
group by key_a, key_b, side, island
