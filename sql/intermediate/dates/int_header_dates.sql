-- One row per date an article's " date ..." header proposes: as written, day and month swapped,
-- and the reading that falls among the night's other headers.
-- Why: a header can be day/month-inverted, so each reading is a candidate with a prior weight
-- (staging.stg_date_priors). A night's documents are all new together, so its other headers are
-- all in the same update.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id, candidate_date, evidence_kind
with documents as (
    -- Only a header precise to the day proposes a date; its swapped reading is typed in staging.
    select
        doc_id,
        header_date_raw,
        case when header_precision = 'day' then header_date end as header_date,
        header_swapped_date,
        try_cast(coalesce(fetched_at, ingested_at) as date) as seen_date,
        run_id,
        header_precision = 'day'
        and day(header_date) <= 12
        and day(header_date) <> month(header_date) as header_is_ambiguous
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

night_windows as (
    -- The span of a night's headers as written (10th to 90th percentile, so the few inverted ones
    -- fall outside it), when the night has at least 10 headers within 45 days: a crawl of recent
    -- news, not a backfill of years.
    select
        run_id,
        quantile_disc(header_date, 0.1) as earliest,
        quantile_disc(header_date, 0.9) as latest
    from documents
    where header_date is not null
    group by run_id
    having count(*) >= 10
        and date_diff('day', quantile_disc(header_date, 0.1), quantile_disc(header_date, 0.9)) <= 45
),

ambiguous_readings as (
    -- Both readings of an ambiguous header, and whether each falls among the night's headers.
    select
        documents.doc_id,
        documents.header_date,
        documents.header_swapped_date as swapped_date,
        windows.earliest,
        windows.latest,
        documents.run_id
    from documents
    join night_windows as windows
        using (run_id)
    where documents.header_is_ambiguous
),

readings as (
    select
        doc_id,
        header_date as candidate_date,
        'header' as evidence_kind,
        -- A day above 12 cannot be a swapped month; day = month reads the same either way.
        case
            when day(header_date) > 12 or day(header_date) = month(header_date) then 'header_unambiguous'
            else 'header_ambiguous'
        end as prior_kind,
        header_date_raw as detail
    from documents
    where header_date is not null

    union all

    select
        doc_id,
        header_swapped_date,
        'header_swapped',
        -- Forced when the header is impossible or ruled out by the fetch (after the page was seen,
        -- plus a day of time zones: int_date_evidence drops it).
        case
            when header_date is null or header_date > seen_date + time_zone_days() then 'header_swapped_forced'
            else 'header_swapped'
        end,
        header_date_raw
    from documents
    where header_swapped_date is not null

    union all

    -- Of an ambiguous header's two readings, the one among the night's other headers (within 2
    -- days) when the other is not: a dump of June news with one " date 2025-02-06" is June 2.
    -- It would also "repair" a correctly dated older article whose day-first reading lands in the
    -- night's few days; inversions are far more common (bench/quality.py measures both).
    select
        doc_id,
        case
            when header_date between earliest - 2 and latest + 2 then header_date
            else swapped_date
        end,
        'night',
        'night',
        'headers of night ' || run_id || ': ' || earliest || ' to ' || latest
    from ambiguous_readings
    where (header_date between earliest - 2 and latest + 2)
        <> coalesce(swapped_date between earliest - 2 and latest + 2, false)
)

select
    readings.doc_id, -- the article
    readings.candidate_date, -- a date its header proposes
    readings.evidence_kind, -- header, header_swapped or night
    priors.weight, -- prior weight of this reading (staging.stg_date_priors)
    readings.detail -- the header as written, or the night's span of headers
from readings
join staging.stg_date_priors as priors
    on priors.kind = readings.prior_kind
where readings.candidate_date is not null
