-- One row per pair of articles verified to be copies of the same underlying text, with scores.
-- Why: reprints are cut and edited, so whole-text Jaccard misses them; containment at 0.35 finds
-- them (separate articles sharing a background paragraph reach 0.29), beyond the last 24 words of
-- one body, without page furniture. Excerpts of one text share one long run; page frames are none.
-- @incremental doc_a, doc_b = intermediate.int_changed_documents.doc_id
-- @grain doc_a, doc_b
with pair_overlaps as (
    -- The verified pairs with a document this build computes.
    select
        key_a,
        key_b,
        shared_shingles,
        size_a,
        size_b,
        shingles_a,
        shingles_b,
        shared_shingles / least(size_a, size_b) as containment
    from intermediate.int_copy_overlaps
    where (
        key_a in (select doc_key from intermediate.int_changed_documents)
        or key_b in (select doc_key from intermediate.int_changed_documents)
    )
        and shared_shingles >= 8
),

excerpt_candidates as (
    -- The pairs whose shared shingles are placed in both texts: below the containment test but
    -- sharing enough for one long run (two excerpts of one long text may overlap by only a seventh
    -- of the shorter).
    select
        key_a,
        key_b,
        shared_shingles,
        containment
    from pair_overlaps
    where is_placed_pair(shared_shingles, least(size_a, size_b))
),

longest_runs as (
    -- Each side's longest run of shingles the two share (int_shared_runs).
    select
        runs.*
    from intermediate.int_shared_runs as runs
    semi join excerpt_candidates as candidates
        on candidates.key_a = runs.key_a
        and candidates.key_b = runs.key_b
    qualify row_number() over (
        partition by runs.key_a, runs.key_b, runs.side order by runs.run_length desc, runs.run_start asc
    ) = 1
),

frame_pairs as (
    -- Two different stories in one site's page frame (int_page_frames): never copies.
    select
        key_a,
        key_b
    from intermediate.int_page_frames
    where key_a in (select doc_key from intermediate.int_changed_documents)
        or key_b in (select doc_key from intermediate.int_changed_documents)
),

furniture_counts as (
    -- Each framed page's furniture, whenever found: the most a pair can take off its size.
    select
        doc_key,
        count(*) as furniture_count
    from intermediate.int_page_furniture
    group by doc_key
),

furnished_pairs as (
    -- The pairs with a page in a frame that could pass the containment test below without their
    -- furniture, and when their second document arrived. Leaving furniture out lowers the shared
    -- count and each size by at most that page's furniture, so the shared count over the sizes
    -- less all furniture bounds it; each other pair fails as it is. Every pair of a page with
    -- furniture multiplied out by that furniture was most of a night of recombined articles.
    select
        pair_overlaps.key_a,
        pair_overlaps.key_b,
        greatest(document_a.ingested_at, document_b.ingested_at) as ingested_at
    from pair_overlaps
    left join furniture_counts as furniture_a
        on furniture_a.doc_key = pair_overlaps.key_a
    left join furniture_counts as furniture_b
        on furniture_b.doc_key = pair_overlaps.key_b
    join staging.stg_documents as document_a
        on document_a.doc_key = pair_overlaps.key_a
    join staging.stg_documents as document_b
        on document_b.doc_key = pair_overlaps.key_b
    where (furniture_a.doc_key is not null or furniture_b.doc_key is not null)
        and pair_overlaps.shared_shingles >= copy_containment() * least(
            pair_overlaps.size_a - coalesce(furniture_a.furniture_count, 0),
            pair_overlaps.size_b - coalesce(furniture_b.furniture_count, 0)
        )
),

pair_furniture as (
    -- Each side's furniture as the pair arrived, boilerplate left out (already out of the sizes).
    select
        furnished_pairs.key_a,
        furnished_pairs.key_b,
        sides.side,
        furniture.shingle
    from furnished_pairs
    cross join (values ('a'), ('b')) as sides (side)
    join intermediate.int_page_furniture as furniture
        on furniture.doc_key = if(sides.side = 'a', furnished_pairs.key_a, furnished_pairs.key_b)
        -- furniture found after the pair was verified does not change it (see the furniture model)
        and furniture.furniture_since <= furnished_pairs.ingested_at
    anti join intermediate.int_boilerplate_shingles as common
        on common.shingle = furniture.shingle
),

furniture_sizes as (
    -- Each side's furniture, off its size.
    select
        key_a,
        key_b,
        count(*) filter (where side = 'a') as furniture_a,
        count(*) filter (where side = 'b') as furniture_b
    from pair_furniture
    group by key_a, key_b
),

shared_furniture as (
    -- The furniture of either side that the other side has too, off the shared count (outlet
    -- template shingles are off it already).
    select
        pair_furniture.key_a,
        pair_furniture.key_b,
        count(distinct pair_furniture.shingle) as shared_furniture
    from pair_furniture
    semi join intermediate.int_shingles as other
        on other.doc_key = if(pair_furniture.side = 'a', pair_furniture.key_b, pair_furniture.key_a)
        and other.shingle = pair_furniture.shingle
    anti join intermediate.int_outlet_template_shingles as templates
        on templates.shingle = pair_furniture.shingle
    group by pair_furniture.key_a, pair_furniture.key_b
),

unfurnished_overlaps as (
    -- The pairs measured without their pages' furniture: a reprint's containment in the page it
    -- was copied from no longer drowns in two sites' menus.
    select
        pair_overlaps.key_a,
        pair_overlaps.key_b,
        pair_overlaps.shared_shingles - coalesce(shared_furniture.shared_furniture, 0) as shared_shingles,
        pair_overlaps.size_a - coalesce(furniture_sizes.furniture_a, 0) as size_a,
        pair_overlaps.size_b - coalesce(furniture_sizes.furniture_b, 0) as size_b,
        pair_overlaps.shingles_a,
        pair_overlaps.shingles_b
    from pair_overlaps
    left join furniture_sizes
        on furniture_sizes.key_a = pair_overlaps.key_a
        and furniture_sizes.key_b = pair_overlaps.key_b
    left join shared_furniture
        on shared_furniture.key_a = pair_overlaps.key_a
        and shared_furniture.key_b = pair_overlaps.key_b
),

excerpt_pairs as (
    -- A long run, nearly all the two share, that ends one text and opens the other: two windows
    -- cut from one text. The same passage in the middle of both is a quotation, not a copy.
    select
        candidates.key_a,
        candidates.key_b
    from excerpt_candidates as candidates
    join longest_runs as run_a
        on run_a.key_a = candidates.key_a
        and run_a.key_b = candidates.key_b
        and run_a.side = 'a'
    join longest_runs as run_b
        on run_b.key_a = candidates.key_a
        and run_b.key_b = candidates.key_b
        and run_b.side = 'b'
    where candidates.containment < copy_containment()
        and least(run_a.run_length, run_b.run_length) >= 40
        and least(run_a.run_length, run_b.run_length) >= 0.9 * candidates.shared_shingles
        and (
            (
                run_a.run_end >= 0.9 * run_a.shingle_count
                and run_b.run_start <= 1 + 0.1 * run_b.shingle_count
            )
            or (
                run_b.run_end >= 0.9 * run_b.shingle_count
                and run_a.run_start <= 1 + 0.1 * run_a.shingle_count
            )
        )
),

copies as (
    -- The pairs that pass the containment test without their furniture, but page frames, and the
    -- excerpt pairs (placed on the whole texts, so measured on them).
    select
        unfurnished.key_a,
        unfurnished.key_b,
        if(excerpt.key_a is null, unfurnished.shared_shingles, pair_overlaps.shared_shingles) as shared_shingles,
        if(excerpt.key_a is null, unfurnished.size_a, pair_overlaps.size_a) as size_a,
        if(excerpt.key_a is null, unfurnished.size_b, pair_overlaps.size_b) as size_b,
        unfurnished.shingles_a,
        unfurnished.shingles_b
    from unfurnished_overlaps as unfurnished
    join pair_overlaps
        on pair_overlaps.key_a = unfurnished.key_a
        and pair_overlaps.key_b = unfurnished.key_b
    left join excerpt_pairs as excerpt
        on excerpt.key_a = unfurnished.key_a
        and excerpt.key_b = unfurnished.key_b
    left join frame_pairs as frame
        on frame.key_a = unfurnished.key_a
        and frame.key_b = unfurnished.key_b
    where (
        unfurnished.shared_shingles >= 8
        and unfurnished.shared_shingles >= copy_containment() * least(unfurnished.size_a, unfurnished.size_b)
        and frame.key_a is null
    )
        -- an article that repeats a passage can look framed; its excerpts still end and open
        or excerpt.key_a is not null
),

sizes as (
    -- Each paired document's shingles, boilerplate included.
    select
        key_a as doc_key,
        shingles_a as shingle_count
    from copies
    union
    select
        key_b,
        shingles_b
    from copies
),

tail_words as (
    -- The last 24 words of each body in a pair, read from its last 400 characters (no long body
    -- is split whole; 24 words longer than that would only make the tail shorter).
    select
        sizes.doc_key,
        text_words(right(parts.body, 400))[-24:] as word_list
    from sizes
    join intermediate.int_document_parts as parts
        on doc_key(parts.doc_id) = sizes.doc_key
),

tail_hashes as (
    select
        doc_key,
        sorted_shingle_hashes(word_list) as sorted_hashes
    from tail_words
),

tail_shingles as materialized (
    select
        doc_key,
        unnest(distinct_hashes(sorted_hashes)) as shingle
    from tail_hashes
),

tail_only_documents as (
    -- Bodies of at most 24 words: all tail, so the rule below cannot tell their ending from their
    -- lead, and a verbatim reprint of a two-line brief must still be a copy.
    select
        tail_shingles.doc_key
    from tail_shingles
    join sizes
        on sizes.doc_key = tail_shingles.doc_key
    group by tail_shingles.doc_key
    having count(*) >= any_value(sizes.shingle_count)
),

shared_tails as (
    -- Shingles in the tails of both: they are shared by construction, so a pair shares something
    -- else exactly when it shares more shingles than these. Stock endings padded onto short
    -- articles made unrelated ones copies.
    select
        copies.key_a,
        copies.key_b,
        count(*) as shared_tail_shingles
    from copies
    join tail_shingles as tail_a
        on tail_a.doc_key = copies.key_a
    join tail_shingles as tail_b
        on tail_b.doc_key = copies.key_b
        and tail_b.shingle = tail_a.shingle
    anti join intermediate.int_boilerplate_shingles as common
        on common.shingle = tail_a.shingle
    group by copies.key_a, copies.key_b
)

select
    document_a.doc_id as doc_a, -- one article of the pair (the smaller doc_id)
    document_b.doc_id as doc_b, -- the other article
    copies.shared_shingles, -- 5-word shingles the two bodies share, boilerplate (in more than 200 articles) left out
    round(copies.shared_shingles / least(copies.size_a, copies.size_b), 4) as containment, -- share of the shorter body found in the longer, boilerplate left out of both
    round(copies.shared_shingles / (copies.size_a + copies.size_b - copies.shared_shingles), 4) as jaccard -- shared over union, boilerplate left out, for comparison with near-duplicate tools
from copies
left join shared_tails
    on shared_tails.key_a = copies.key_a
    and shared_tails.key_b = copies.key_b
join staging.stg_documents as document_a
    on document_a.doc_key = copies.key_a
join staging.stg_documents as document_b
    on document_b.doc_key = copies.key_b
where copies.shared_shingles > coalesce(shared_tails.shared_tail_shingles, 0)
    or copies.key_a in (select doc_key from tail_only_documents)
    or copies.key_b in (select doc_key from tail_only_documents)
