-- One row per date an article states about itself: in its url, its record's date field or its
-- dateline.
-- Why: the outlet's own statements of the date, each with a prior weight (staging.stg_date_priors);
-- int_date_candidates adds the header's readings and the fetch time.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id, evidence_kind
with documents as (
    select
        doc_id,
        -- The header as an anchor for the dateline's year: a month is close enough, a year is not.
        case when header_precision in ('day', 'month') then header_date end as header_date,
        url,
        date_hint,
        dateline_date_text,
        try_cast(coalesce(fetched_at, ingested_at) as date) as seen_date
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

stated as (
    select
        doc_id,
        try_cast(
            coalesce(
                try_strptime(
                    regexp_extract(url, '/((?:19|20)\d{2}/\d{1,2}/\d{1,2})(?:/|$)', 1), '%Y/%m/%d'
                ),
                try_strptime(regexp_extract(url, '\b((?:19|20)\d{2}-\d{2}-\d{2})\b', 1), '%Y-%m-%d'),
                try_strptime(regexp_extract(url, '/((?:19|20)\d{6})/', 1), '%Y%m%d')
            )
            as date
        ) as candidate_date,
        'url' as evidence_kind,
        url as detail
    from documents
    where url is not null

    union all

    -- The record's own date field, as the day it writes in its own time zone (an outlet's
    -- 23:30 -05:00 is its evening, not tomorrow): ISO 8601 (2025-06-10T23:30:00-05:00), then
    -- RFC 822 as in RSS pubDate (Tue, 10 Jun 2025 08:00:00 GMT), then any timestamp DuckDB reads.
    select
        doc_id,
        coalesce(
            try_cast(try_strptime(left(trim(date_hint), 10), '%Y-%m-%d') as date),
            try_cast(
                try_strptime(
                    regexp_extract(
                        date_hint, '^\s*(?:[A-Za-z]{3},\s*)?(\d{1,2} [A-Za-z]{3} \d{4})\b', 1
                    ),
                    '%d %b %Y'
                )
                as date
            ),
            try_cast(try_cast(date_hint as timestamptz) as date)
        ),
        'metadata',
        date_hint
    from documents
    where date_hint is not null

    union all

    -- "KUALA LUMPUR, April 1 (AFP)": the dateline has no year; take the one that puts it nearest
    -- the header (or the fetch), never after the page was seen.
    select
        doc_id,
        arg_min(dated, abs(date_diff('day', dated, anchor))),
        'dateline',
        any_value(dateline_date_text)
    from (
        select
            doc_id,
            dateline_date_text,
            seen_date,
            coalesce(header_date, seen_date) as anchor,
            try_cast(
                coalesce(
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%B %d %Y'),
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%b %d %Y'),
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%d %B %Y'),
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%d %b %Y')
                )
                as date
            ) as dated
        from documents,
            unnest([
                year(coalesce(header_date, seen_date)) - 1,
                year(coalesce(header_date, seen_date)),
                year(coalesce(header_date, seen_date)) + 1
            ]) as years (candidate_year)
        where dateline_date_text is not null
    ) as readings
    where dated <= seen_date + time_zone_days()
    group by doc_id
)

select
    stated.doc_id, -- the article
    stated.candidate_date, -- the date it states
    stated.evidence_kind, -- url, metadata or dateline
    priors.weight, -- prior weight of this kind of evidence (staging.stg_date_priors)
    stated.detail -- the evidence as written
from stated
join staging.stg_date_priors as priors
    on priors.kind = stated.evidence_kind
where stated.candidate_date is not null
