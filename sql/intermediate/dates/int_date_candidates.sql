-- One row per date an article's own metadata or text proposes as its publication date.
-- Why: a header can be day/month-inverted or a day off, so it is one piece of evidence among
-- several (the swapped header, the url, the record's date, the dateline, the fetch time, the other
-- headers of the same night's dump), each with a prior weight; int_date_evidence adds how well
-- the text supports each. A night's documents are all new to the warehouse together, so the
-- night's other headers are all in the same update.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id, candidate_date, evidence_kind
with documents as (
    select
        doc_id,
        header_date_raw,
        header_date,
        regexp_extract(header_date_raw, '^(\d{4})-(\d{1,2})-(\d{1,2})$', ['year', 'first', 'second'])
            as header_parts,
        url,
        date_hint,
        dateline_date_text,
        fetched_at,
        coalesce(fetched_at, ingested_at)::date as seen_date,
        run_id,
        header_date is not null
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
        try_strptime(
            documents.header_parts.year || '-' || documents.header_parts.second || '-'
            || documents.header_parts.first,
            '%Y-%m-%d'
        )::date as swapped_date,
        windows.earliest,
        windows.latest,
        documents.run_id
    from documents
    join night_windows as windows
        using (run_id)
    where documents.header_is_ambiguous
),

items as (
    select
        doc_id,
        header_date as candidate_date,
        'header' as evidence_kind,
        -- A day above 12 cannot be a swapped month; day = month reads the same either way.
        -- Otherwise the swapped reading must beat the header by 0.5 of text support to win: the
        -- text alone is noisy evidence (bench/quality.py: no clean header may be "repaired").
        case
            when day(header_date) > 12 or day(header_date) = month(header_date) then 1.0
            else 0.75
        end as weight,
        header_date_raw as detail
    from documents
    where header_date is not null

    union all

    select
        doc_id,
        try_strptime(
            header_parts.year || '-' || header_parts.second || '-' || header_parts.first,
            '%Y-%m-%d'
        )::date,
        'header_swapped',
        -- Only a hypothesis: it wins through the text's support, or when the header is impossible
        -- or ruled out by the fetch (written as after the page was seen, plus a day of time zones,
        -- so int_date_evidence drops it): then this reading is all that is left of the crawler's
        -- date. At 0.25 the fetch hour and a weekday or two outvoted it (bench/quality.py, inverted
        -- header with fetch time: 2 of its 3 misses, " date 2006-11-01" fetched 2006-01-11 00:49).
        case
            when header_date is null or header_date > seen_date + 1 then 0.8
            else 0.25
        end,
        header_date_raw
    from documents
    where header_parts.year <> ''
        and header_parts.first::integer <> header_parts.second::integer
        and header_parts.second::integer <= 12

    union all

    select
        doc_id,
        coalesce(
            try_strptime(
                regexp_extract(url, '/((?:19|20)\d{2}/\d{1,2}/\d{1,2})(?:/|$)', 1), '%Y/%m/%d'
            ),
            try_strptime(regexp_extract(url, '\b((?:19|20)\d{2}-\d{2}-\d{2})\b', 1), '%Y-%m-%d'),
            try_strptime(regexp_extract(url, '/((?:19|20)\d{6})/', 1), '%Y%m%d')
        )::date,
        'url',
        1.5,
        url
    from documents
    where url is not null

    union all

    select
        doc_id,
        coalesce(
            try_cast(date_hint as timestamptz)::date,
            try_strptime(left(date_hint, 10), '%Y-%m-%d')::date
        ),
        'metadata',
        1.2,
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
        1.5,  -- written by the outlet itself, so it outweighs the crawler's header

        any_value(dateline_date_text)
    from (
        select
            doc_id,
            dateline_date_text,
            seen_date,
            coalesce(header_date, seen_date) as anchor,
            coalesce(
                try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%B %d %Y'),
                try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%b %d %Y'),
                try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%d %B %Y'),
                try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%d %b %Y')
            )::date as dated
        from documents,
            unnest([
                year(coalesce(header_date, seen_date)) - 1,
                year(coalesce(header_date, seen_date)),
                year(coalesce(header_date, seen_date)) + 1
            ]) as years(candidate_year)
        where dateline_date_text is not null
    )
    where dated <= seen_date + 1
    group by doc_id

    union all

    -- Of an ambiguous header's two readings, the one among the night's other headers (within 2
    -- days) when the other is not: a dump of June news with one " date 2025-02-06" is June 2.
    -- 0.6 beats the header's 0.5 lead. It would also "repair" a correctly dated older article
    -- whose day-first reading happens to land in the night's few days; inversions are far more
    -- common than that coincidence (bench/quality.py measures both).
    select
        doc_id,
        case
            when header_date between earliest - 2 and latest + 2 then header_date
            else swapped_date
        end,
        'night',
        0.6,
        'headers of night ' || run_id || ': ' || earliest || ' to ' || latest
    from ambiguous_readings
    where (header_date between earliest - 2 and latest + 2)
        <> coalesce(swapped_date between earliest - 2 and latest + 2, false)

),

anchored as (
    -- Articles that date themselves (a header in either reading, a url, a record date or a
    -- dateline): for them the fetch only bounds the date.
    select distinct
        doc_id
    from items
    where candidate_date is not null
),

fetches as (
    -- The fetch time in UTC, and the share of its day gone by.
    select
        doc_id,
        (fetched_at at time zone 'UTC')::date as fetched_day,
        (epoch(fetched_at) % 86400) / 86400 as day_share,
        strftime(fetched_at at time zone 'UTC', '%Y-%m-%dT%H:%M:%SZ') as detail,
        doc_id not in (select doc_id from anchored) as is_unanchored
    from documents
    where fetched_at is not null
),

fetch_items as (
    -- A page is fetched on or soon after its publication day. For an article that dates itself,
    -- 0.7 each for the fetch day and the day before outweighs the 0.5 lead of an ambiguous header
    -- that the fetch contradicts, and breaks no unambiguous header (1.0); up to 0.2 more by the
    -- hour: within a day's delay, a page fetched at 23:00 was most likely published that day, one
    -- fetched at 01:00 the day before.
    -- For an article with nothing else (no header, url, record date or dateline) the hour is most
    -- of the evidence: published at any time of a day and fetched within 24 hours, a page fetched
    -- at share s of its day was published that day with probability s. The two days get 0.8 plus
    -- and minus half of 0.5 * ln(s / (1 - s)) (capped at 1), the log odds on the scale of the
    -- text's support: one weekday mention that can only mean one of the two days moves a score
    -- by about as much. With the hour worth at most 0.2, the text's day-of-the-week tie-breaks
    -- overruled it, and undated articles scored below the hour alone (0.75 expected). On
    -- bench/quality.py's 118 undated articles: 0.712 -> 0.729 on its draw of fetch times, 0.716
    -- -> 0.774 over six other draws (--seed 1..6). 48 of the 118 name a weekday, so about 0.77 is
    -- all the hour and the weekdays can give: a naive Bayes of the two reaches 0.765 (0.775
    -- fitted in-sample).
    select
        doc_id,
        fetched_day - offset_days as candidate_date,
        'fetched_at' as evidence_kind,
        round(
            case
                when is_unanchored then 0.8 + (0.5 - offset_days) * least(
                    1.0,
                    greatest(
                        -1.0,
                        0.5 * ln(greatest(day_share, 0.001) / greatest(1 - day_share, 0.001))
                    )
                )
                when offset_days = 0 then 0.7 + 0.2 * day_share
                else 0.7 + 0.2 * (1 - day_share)
            end,
            3
        ) as weight,
        detail
    from fetches,
        unnest([0, 1]) as offsets(offset_days)
),

all_items as (
    select
        *
    from items
    union all
    select
        *
    from fetch_items
)

select
    doc_id, -- the article
    candidate_date, -- a date proposed as its publication date
    evidence_kind, -- header, header_swapped, url, metadata, dateline, night or fetched_at
    weight, -- prior weight of this kind of evidence
    detail -- the evidence as written
from all_items
where candidate_date is not null
