-- One row per date an article's own metadata or text proposes as its publication date.
-- Why: a header can be day/month-inverted or a day off, so it is one piece of evidence among
-- several (the swapped header, the url, the record's date, the dateline, the fetch time), each
-- with a prior weight; int_date_evidence adds how well the text supports each.
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
        coalesce(fetched_at, ingested_at)::date as seen_date
    from staging.stg_documents
),

items as (
    select
        doc_id,
        header_date as candidate_date,
        'header' as evidence_kind,
        -- A day above 12 cannot be a swapped month; day = month reads the same either way.
        case
            when day(header_date) > 12 or day(header_date) = month(header_date) then 1.0
            else 0.6
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
        -- Only a hypothesis: it wins through the text's support, or when the header is impossible.
        case when header_date is null then 0.8 else 0.4 end,
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

    -- "KUALA LUMPUR, April 1 (AFP)": the year is the one that puts it nearest before the fetch.
    select
        doc_id,
        case
            when try_strptime(dateline_date_text || ' ' || year(seen_date), '%B %d %Y')::date
                <= seen_date + 1
                then try_strptime(dateline_date_text || ' ' || year(seen_date), '%B %d %Y')::date
            else try_strptime(dateline_date_text || ' ' || (year(seen_date) - 1), '%B %d %Y')::date
        end,
        'dateline',
        1.2,
        dateline_date_text
    from documents
    where dateline_date_text is not null

    union all

    -- A page is fetched on or soon after its publication day.
    select
        doc_id,
        fetched_at::date - offset_days,
        'fetched_at',
        0.3,
        strftime(fetched_at, '%Y-%m-%dT%H:%M:%SZ')
    from documents,
        unnest([0, 1]) as offsets(offset_days)
    where fetched_at is not null
)

select
    doc_id, -- the article
    candidate_date, -- a date proposed as its publication date
    evidence_kind, -- header, header_swapped, url, metadata, dateline or fetched_at
    weight, -- prior weight of this kind of evidence
    detail -- the evidence as written
from items
where candidate_date is not null
