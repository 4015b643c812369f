-- One row per pair of documents that are two pages of one site's frame around different articles.
-- Why: url-less page dumps keep a site's menus and footers, so two of its stories shared most
-- shingles (naeb: 94 false copy pairs). What two such pages share lies where no article is: around
-- both, at one place of both, or above both; it is each page's furniture (int_page_furniture).
-- @incremental key_a, key_b = intermediate.int_changed_documents.doc_key
-- @grain key_a, key_b
with pair_overlaps as (
    -- The pairs with a document this build computes that share enough to be placed: a frame big
    -- enough to matter makes its pages share at least a tenth of the shorter.
    select
        key_a,
        key_b,
        shared_shingles
    from intermediate.int_copy_overlaps
    where (
        key_a in (select doc_key from intermediate.int_changed_documents)
        or key_b in (select doc_key from intermediate.int_changed_documents)
    )
        and is_placed_pair(shared_shingles, least(size_a, size_b))
),

pair_runs as (
    -- Where the two share: each side's runs of shared shingles (int_shared_runs).
    select
        runs.*
    from intermediate.int_shared_runs as runs
    semi join pair_overlaps as pairs
        on pairs.key_a = runs.key_a
        and pairs.key_b = runs.key_b
),

long_runs as (
    -- The runs of at least 8 shingles: a stray shared phrase ("according to the u s") inside two
    -- different articles is no part of a frame.
    select
        key_a,
        key_b,
        side,
        shingle_count,
        run_start,
        run_end
    from pair_runs
    where run_length >= 8
),

gaps as (
    -- The stretches between two long runs, and whether each run follows a stretch of 100 or more.
    select
        *,
        lead(run_start) over run_order - run_end - 1 as gap_after,
        coalesce(run_start - lag(run_end) over run_order - 1 >= 100, false) as follows_gap
    from long_runs
    window run_order as (partition by key_a, key_b, side order by run_start)
),

longest_gaps as (
    -- Each side's longest stretch between two long runs.
    select
        key_a,
        key_b,
        side,
        shingle_count,
        run_end + 1 as gap_start,
        gap_after as longest_gap
    from gaps
    where gap_after is not null
    qualify row_number() over (partition by key_a, key_b, side order by gap_after desc, run_end asc) = 1
),

head_blocks as (
    -- Each side's first long runs up to the first stretch of 100 unshared: what the two share at
    -- the top of the page when it opens within its first 30 shingles.
    select
        key_a,
        key_b,
        side,
        any_value(shingle_count) as shingle_count,
        min(run_start) as head_start,
        max(run_end) as head_end
    from (
        select
            *,
            sum(if(follows_gap, 1, 0)) over (
                partition by key_a, key_b, side order by run_start
            ) as blocks_before
        from gaps
    ) as blocks
    where blocks_before = 0
    group by key_a, key_b, side
),

sides as (
    -- Per side: the longest gap and the shared positions before and after it; the head block and
    -- the shared positions after it (each run's part past a position, summed).
    select
        heads.key_a,
        heads.key_b,
        heads.side,
        heads.shingle_count,
        heads.head_start,
        heads.shingle_count - heads.head_end as after_head,
        sum(greatest(shared.run_end - greatest(shared.run_start, heads.head_end + 1) + 1, 0))
            as shared_after_head,
        coalesce(any_value(longest.longest_gap), 0) as longest_gap,
        -- No longest gap: nothing before or after it (least and greatest skip nulls).
        coalesce(sum(
            case
                when longest.gap_start is not null
                    then greatest(least(shared.run_end, longest.gap_start - 1) - shared.run_start + 1, 0)
            end
        ), 0) as shared_before_gap,
        coalesce(sum(
            case
                when longest.gap_start is not null
                    then greatest(
                        shared.run_end - greatest(shared.run_start, longest.gap_start + longest.longest_gap) + 1, 0
                    )
            end
        ), 0) as shared_after_gap
    from head_blocks as heads
    join pair_runs as shared
        on shared.key_a = heads.key_a
        and shared.key_b = heads.key_b
        and shared.side = heads.side
    left join longest_gaps as longest
        on longest.key_a = heads.key_a
        and longest.key_b = heads.key_b
        and longest.side = heads.side
    group by heads.key_a, heads.key_b, heads.side, heads.shingle_count, heads.head_start, heads.head_end
),

frames as (
    select
        side_a.key_a,
        side_a.key_b,
        case
            -- Around: both articles lie between shared runs and one page is mostly its article
            -- (copies whose middles differ, seeds 002 and 003 at 35% and 31%, share most of both).
            when least(side_a.longest_gap, side_b.longest_gap) >= 100
                and side_a.longest_gap >= 0.2 * side_a.shingle_count
                and side_b.longest_gap >= 0.2 * side_b.shingle_count
                and greatest(
                    side_a.longest_gap / side_a.shingle_count,
                    side_b.longest_gap / side_b.shingle_count
                ) >= 0.5
                then 'around'
            -- Split: both have a long unshared stretch at the same place of what they share (the
            -- same shared part before it and after it), however big the frame: two articles in one
            -- frame. Edited copies differ in different places (seeds 002 and 003: 149 and 70
            -- shared shingles before their longest gaps).
            when least(side_a.longest_gap, side_b.longest_gap) >= 150
                and side_a.longest_gap >= 0.05 * side_a.shingle_count
                and side_b.longest_gap >= 0.05 * side_b.shingle_count
                and least(
                    side_a.shared_before_gap,
                    side_a.shared_after_gap,
                    side_b.shared_before_gap,
                    side_b.shared_after_gap
                ) >= 20
                and abs(side_a.shared_before_gap - side_b.shared_before_gap)
                <= greatest(8, 0.05 * pairs.shared_shingles)
                and abs(side_a.shared_after_gap - side_b.shared_after_gap)
                <= greatest(8, 0.05 * pairs.shared_shingles)
                then 'split'
            -- Head: all they share opens both pages (within 30 shingles, no stretch of 100 inside)
            -- and is followed by at least 100 shingles and a tenth of each page that share almost
            -- nothing: the site's header above two articles, a page without its footer. A title
            -- repeated above another site's menus is no head: the article follows 100 later.
            when greatest(side_a.head_start, side_b.head_start) <= 30
                and least(side_a.after_head, side_b.after_head) >= 100
                and side_a.after_head >= 0.1 * side_a.shingle_count
                and side_b.after_head >= 0.1 * side_b.shingle_count
                and greatest(side_a.shared_after_head, side_b.shared_after_head) < 20
                then 'head'
        end as frame_kind
    from sides as side_a
    join sides as side_b
        on side_b.key_a = side_a.key_a
        and side_b.key_b = side_a.key_b
        and side_b.side = 'b'
    join pair_overlaps as pairs
        on pairs.key_a = side_a.key_a
        and pairs.key_b = side_a.key_b
    where side_a.side = 'a'
)

select
    frames.key_a, -- one page (doc_key of staging.stg_documents, the smaller)
    frames.key_b, -- the other page
    frames.frame_kind, -- where the shared frame lies: 'around' both articles, a 'split' at the same place of both, or a 'head' above both
    greatest(document_a.ingested_at, document_b.ingested_at) as frame_since -- when the second page arrived: pairs verified before keep their verdict, as an update would have given it
from frames
join staging.stg_documents as document_a
    on document_a.doc_key = frames.key_a
join staging.stg_documents as document_b
    on document_b.doc_key = frames.key_b
where frames.frame_kind is not null
