-- One row per date an article's own metadata or text proposes as its publication date.
-- Why: a header can be inverted or a day off, so it is one piece of evidence among several (its
-- readings, the url, the page's byline, the record's date, the dateline, the fetch time), each with
-- a prior weight (staging.stg_date_priors); int_date_evidence adds how well the text supports each.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id, candidate_date, evidence_kind
with documents as (
    select
        doc_id,
        fetched_at
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

priors as (
    -- The fetch time's weights, as one row.
    select
        max(weight) filter (where kind = 'fetched_day') as fetched_day,
        max(weight) filter (where kind = 'fetched_hour') as fetched_hour,
        max(weight) filter (where kind = 'fetched_day_undated') as fetched_day_undated,
        max(weight) filter (where kind = 'fetched_log_odds_undated') as fetched_log_odds_undated,
        max(weight) filter (where kind = 'header_month') as header_month
    from staging.stg_date_priors
),

items as (
    -- Dates the article's header or its own statements propose (with or without their year).
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_stated_dates
    where doc_id in (select doc_id from build.new_documents)
    union all
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_header_dates
    where doc_id in (select doc_id from build.new_documents)
    union all
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_recent_page_dates
    where doc_id in (select doc_id from build.new_documents)
),

fetches as (
    -- The fetch time in UTC, the share of its day gone by, and whether nothing else dates the
    -- article (no header in either reading, url, record date or dateline).
    select
        doc_id,
        try_cast(fetched_at at time zone 'UTC' as date) as fetched_day,
        (epoch(fetched_at) % 86400) / 86400 as day_share,
        strftime(fetched_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as detail,
        doc_id not in (select doc_id from items) as is_unanchored
    from documents
    where fetched_at is not null
),

fetch_items as (
    -- A page is fetched on or soon after its publication day. A dated article gets the fetch day
    -- and the day before, plus up to fetched_hour by the hour. For an undated one the hour is most
    -- of the evidence: fetched at share s of its day, it was published that day with probability
    -- s, so the two days get fetched_day_undated plus and minus half the capped log odds.
    select
        fetches.doc_id,
        fetches.fetched_day - offsets.offset_days as candidate_date,
        'fetched_at' as evidence_kind,
        round(
            case
                when fetches.is_unanchored then priors.fetched_day_undated + (0.5 - offsets.offset_days) * least(
                    1.0,
                    greatest(
                        -1.0,
                        priors.fetched_log_odds_undated
                        * ln(greatest(fetches.day_share, 0.001) / greatest(1 - fetches.day_share, 0.001))
                    )
                )
                when offsets.offset_days = 0 then priors.fetched_day + priors.fetched_hour * fetches.day_share
                else priors.fetched_day + priors.fetched_hour * (1 - fetches.day_share)
            end,
            3
        ) as weight,
        fetches.detail
    from fetches,
        priors,
        unnest([0, 1]) as offsets (offset_days)
),

month_items as (
    -- A header precise only to the month proposes no day, but confirms the candidates in its month.
    select distinct
        candidates.doc_id,
        candidates.candidate_date,
        'header_month' as evidence_kind,
        priors.header_month as weight,
        headers.header_date_raw as detail
    from (
        select
            doc_id,
            candidate_date
        from items
        union
        select
            doc_id,
            candidate_date
        from fetch_items
    ) as candidates
    join staging.stg_documents as headers
        using (doc_id)
    cross join priors
    where headers.header_precision = 'month'
        and year(candidates.candidate_date) = year(headers.header_date)
        and month(candidates.candidate_date) = month(headers.header_date)
)

select
    doc_id, -- the article
    candidate_date, -- a date proposed as its publication date
    evidence_kind, -- header, header_swapped, url, url_timestamp, page_date, page_recent, metadata, dateline, night, fetched_at or header_month
    weight, -- prior weight of this kind of evidence (staging.stg_date_priors)
    detail -- the evidence as written
from items
union all
select
    doc_id,
    candidate_date,
    evidence_kind,
    weight,
    detail
from fetch_items
union all
select
    doc_id,
    candidate_date,
    evidence_kind,
    weight,
    detail
from month_items
