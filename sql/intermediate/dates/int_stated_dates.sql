-- One row per date an article states about itself: in its url (a path date, or a timestamp), its
-- record's date field, its page's byline or listing line, or its dateline.
-- Why: the outlet's own statements of the date, each with a prior weight (staging.stg_date_priors);
-- int_date_candidates adds the header's readings and the fetch time.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id, evidence_kind
with documents as (
    select
        doc_id,
        -- The header as an anchor for the dateline's year: a month is close enough, a year is not.
        case when header_precision in ('day', 'month') then header_date end as header_date,
        -- The header's readings, which a page date may only choose between (typed, as a staged
        -- table without any may hold bare nulls).
        try_cast(case when header_precision = 'day' then header_date end as date) as day_header,
        try_cast(header_swapped_date as date) as header_swapped_date,
        fetched_at is not null as is_fetched,
        url,
        date_hint,
        dateline_date_text,
        try_cast(coalesce(fetched_at, ingested_at) as date) as seen_date,
        -- The page below the header and title, bounded; Arabic, Persian and Devanagari digits read
        -- as 0-9 (translate costs more than the rest of this model, so only where there are any).
        case
            when regexp_matches(left(concat_ws(e'\n', standfirst, body_text), text_read_limit()), '[٠-٩۰-۹०-९]')
                then translate(
                    left(concat_ws(e'\n', standfirst, body_text), text_read_limit()),
                    '٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹०१२३४५६७८९',
                    '012345678901234567890123456789'
                )
            else left(concat_ws(e'\n', standfirst, body_text), text_read_limit())
        end as page_text
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

url_parts as (
    -- Each url form the outlets use, read apart: /2025/05/08/, /2025/may/08/, /202505/08/,
    -- /20250508/, -20250508-, 2025-05-08 in the slug; epoch seconds or milliseconds as a path or
    -- query segment; a 24-hex MongoDB ObjectId, whose first 8 hex digits are its creation time.
    select
        doc_id,
        seen_date,
        url,
        [
            try_cast(try_strptime(
                regexp_extract(url, '/((?:19|20)\d{2}/\d{1,2}/\d{1,2})(?:/|$)', 1), '%Y/%m/%d'
            ) as date),
            try_cast(try_strptime(
                regexp_extract(url, '/((?:19|20)\d{2}/[A-Za-z]{3}/\d{1,2})(?:/|$)', 1), '%Y/%b/%d'
            ) as date),
            try_cast(try_strptime(
                regexp_extract(url, '/((?:19|20)\d{4}/\d{2})(?:/|$)', 1), '%Y%m/%d'
            ) as date),
            try_cast(try_strptime(regexp_extract(url, '\b((?:19|20)\d{2}-\d{2}-\d{2})\b', 1), '%Y-%m-%d') as date),
            try_cast(try_strptime(
                regexp_extract(url, '(?:^|[/_.=-])((?:19|20)\d{6})(?:$|[/_.?&#-])', 1), '%Y%m%d'
            ) as date)
        ] as path_dates,
        -- Seconds since 1970, as a whole segment: 10 digits (2001-2286), or 13 for milliseconds.
        try_cast(regexp_extract(url, '(?:^|[/_.=-])(\d{10}|\d{13})(?:$|[/_.?&#-])', 1) as bigint)
            as epoch_number,
        try_cast(
            '0x' || nullif(regexp_extract(url, '(?:^|[/_.=-])([0-9a-fA-F]{24})(?:$|[/_.?&#-])', 1), '')[1:8]
            as bigint
        ) as object_id_seconds
    from documents
    where url is not null
),

url_dates as (
    -- A form is read only when it lands in a plausible window: not before the earliest news date,
    -- not after the page was seen (plus a day of time zones). The first path form that does wins.
    select
        doc_id,
        url,
        list_filter(
            path_dates,
            lambda day: day between earliest_news_date() and seen_date + time_zone_days()
        )[1] as path_date,
        list_filter(
            [
                date '1970-01-01' + try_cast(
                    case when epoch_number >= 1e12 then epoch_number // 86400000 else epoch_number // 86400 end
                    as integer
                ),
                date '1970-01-01' + try_cast(object_id_seconds // 86400 as integer)
            ],
            lambda day: day between earliest_news_date() and seen_date + time_zone_days()
        )[1] as timestamp_date
    from url_parts
),

split_pages as (
    -- Each page's lines, split once: a split inside the lambda below ran once per line.
    select
        doc_id,
        seen_date,
        string_split(page_text, e'\n') as split_lines
    from documents
),

page_lines as (
    -- The page's lines that may state its full date: a byline or listing line (short, and at most
    -- three lowercase words, "at", "by"), or a machine timestamp. A longer line is a sentence of
    -- the body ("A file photo taken on May 3, 2019 shows the building."): its dates are events, and
    -- the text support counts those. Lines are filtered before they are unnested: a row per line
    -- of every page cost five times the rest of this model.
    select
        doc_id,
        seen_date,
        unnest(
            list_filter(
                list_transform(
                    range(1, len(split_lines) + 1),
                    lambda line_no: { 'page_line': split_lines[line_no], 'line_no': line_no }
                ),
                -- a case, so most lines (no number of four digits) pay for one test only
                lambda numbered: case
                    when not regexp_matches(
                        struct_extract(numbered, 'page_line'), '\d{4}|\d{1,2}[./]\d{1,2}[./]\d{2}'
                    ) then false
                    when length(trim(struct_extract(numbered, 'page_line'))) <= 100
                        then len(regexp_extract_all(
                            struct_extract(numbered, 'page_line'), '(?:^|[^\pL\pM])\p{Ll}[\pL\pM]{2,}'
                        )) <= 3
                    else regexp_matches(
                        struct_extract(numbered, 'page_line'), '(?:19|20)\d{2}-\d{2}-\d{2}T\d{2}:\d{2}'
                    )
                end
            ),
            recursive := true
        )
    from split_pages
),

dated_lines as (
    -- Whether a line says the page was published, or updated.
    select
        *,
        regexp_matches(
            page_line,
            '(?i)\b(?:published|posted|publié|veröffentlicht|publicad|pubblicat|opublikowan|gepubliceerd|publicat'
            || '|publikováno|yayınlan)|опубликован|تاريخ النشر|प्रकाशित'
        ) as says_published,
        regexp_matches(
            page_line,
            '(?i)updated|modified|mis à jour|aktualisiert|actualizad|aggiornat|atualizad|zaktualizowan|bijgewerkt'
            || '|обновлен|güncellen|تحديث|अपडेट'
        ) as says_updated
    from page_lines
),

page_forms as (
    -- One reading of each form a line may state its date in (the first of each per line).
    select
        *,
        regexp_extract(
            page_line, '([\pL\pM]{2,12})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})\b', ['word', 'day', 'year']
        ) as word_first,
        regexp_extract(
            page_line,
            '\b(\d{1,2})(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+|of\s+)?([\pL\pM]{2,12})\.?,?\s+(?:de\s+)?((?:19|20)\d{2})\b',
            ['day', 'word', 'year']
        ) as day_first,
        -- "2025-05-08", "2025-05-08T10:42:00Z", glued to a source name: "Reuters2025-05-08T10:42".
        regexp_extract(page_line, '(?:^|\D)((?:19|20)\d{2})-(\d{2})-(\d{2})(?:$|[^\d-])', ['year', 'month', 'day'])
            as iso,
        regexp_extract(page_line, '(?:^|[^\d.])(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})(?:$|[^\d.])', ['day', 'month', 'year'])
            as dotted,
        regexp_extract(
            page_line, '(?:^|[^\d/])(\d{1,2})/(\d{1,2})/((?:19|20)?\d{2})(?:$|[^\d/])', ['first', 'second', 'year']
        ) as slashed,
        regexp_extract(
            page_line, '((?:19|20)\d{2})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日일]', ['year', 'month', 'day']
        ) as cjk
    from dated_lines
),

page_readings as (
    select
        forms.doc_id,
        forms.seen_date,
        forms.page_line,
        forms.line_no,
        forms.says_published,
        forms.says_updated,
        readings.stated_date
    from page_forms as forms
    left join staging.stg_date_words as first_words
        on first_words.kind = 'month' and first_words.word = lower(forms.word_first.word)
    left join staging.stg_date_words as second_words
        on second_words.kind = 'month' and second_words.word = lower(forms.day_first.word)
    cross join unnest([
            day_of(
                try_cast(forms.word_first.year as integer),
                first_words.number,
                try_cast(forms.word_first.day as integer)
            ),
            day_of(
                try_cast(forms.day_first.year as integer),
                second_words.number,
                try_cast(forms.day_first.day as integer)
            ),
            day_of(
                try_cast(forms.iso.year as integer), try_cast(forms.iso.month as integer), try_cast(forms.iso.day as integer)
            ),
            day_of(
                try_cast(forms.dotted.year as integer),
                try_cast(forms.dotted.month as integer),
                try_cast(forms.dotted.day as integer)
            ),
            day_of(
                try_cast(forms.cjk.year as integer), try_cast(forms.cjk.month as integer), try_cast(forms.cjk.day as integer)
            ),
            -- 12/11/2023 is 11 December in the US, 12 November elsewhere: read month first, as
            -- bylines do (elsewhere they write 12.11.2023 or the month's name), unless the first
            -- number is above 12.
            case
                when try_cast(forms.slashed.first as integer) <= 12
                    then day_of(
                        try_cast(forms.slashed.year as integer)
                        + case when length(forms.slashed.year) = 2 then 2000 else 0 end,
                        try_cast(forms.slashed.first as integer),
                        try_cast(forms.slashed.second as integer)
                    )
                else day_of(
                    try_cast(forms.slashed.year as integer)
                    + case when length(forms.slashed.year) = 2 then 2000 else 0 end,
                    try_cast(forms.slashed.second as integer),
                    try_cast(forms.slashed.first as integer)
                )
            end
        ]) as readings (stated_date)
    -- Not after the day the page was seen: a page fetched late lists newer stories, and a byline in
    -- a time zone ahead of UTC is rarely a day ahead of the fetch.
    where readings.stated_date between earliest_news_date() and forms.seen_date
),

metadata_dates as (
    -- The record's own date field, as the day it writes in its own time zone (an outlet's
    -- 23:30 -05:00 is its evening, not tomorrow): ISO 8601 (2025-06-10T23:30:00-05:00), then
    -- RFC 822 as in RSS pubDate (Tue, 10 Jun 2025 08:00:00 GMT), then any timestamp DuckDB reads.
    select
        doc_id,
        date_hint,
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
        ) as stated_date
    from documents
    where date_hint is not null
),

page_matches as (
    -- Each page date as the date it proposes. With a header, only one of the header's readings, and
    -- a line that writes a reading's month and day in that year or one either side proposes that
    -- reading: a byline's "March 07, 2022" tells " date 2023-07-03" its day and month are swapped,
    -- whichever year the crawler gave it.
    select
        readings.*,
        documents.day_header,
        documents.is_fetched,
        case
            when documents.day_header is null then readings.stated_date
            when month(readings.stated_date) = month(documents.day_header)
                and day(readings.stated_date) = day(documents.day_header)
                and abs(year(readings.stated_date) - year(documents.day_header)) <= 1
                then documents.day_header
            when month(readings.stated_date) = month(documents.header_swapped_date)
                and day(readings.stated_date) = day(documents.header_swapped_date)
                and abs(year(readings.stated_date) - year(documents.header_swapped_date)) <= 1
                then documents.header_swapped_date
        end as proposed_date
    from page_readings as readings
    join documents
        using (doc_id)
),

page_dates as (
    -- Of a page's dates, the one that is its own. With a header, the header's own reading first: a
    -- page lists other stories' dates, and a clean header must not yield to one of them; then a
    -- line that writes the reading's own year. A line that says published comes before one that
    -- says nothing, before one that says updated; then the nearest to its url's or record's date;
    -- then, fetched, the latest not after the fetch day (related stories are older); then the first
    -- in the page (seen only when ingested, a page may list any later date).
    select
        matches.doc_id,
        -- The chosen line and the date it proposes, picked together.
        arg_min(
            {
                'stated_date': matches.proposed_date,
                'page_line': left(trim(matches.page_line), 200)
            },
            {
                'header': matches.proposed_date is distinct from matches.day_header,
                'year': matches.stated_date <> matches.proposed_date,
                'tier': case when matches.says_published then 0 when matches.says_updated then 2 else 1 end,
                'distance': abs(date_diff('day', matches.stated_date, coalesce(url_dates.path_date, url_dates.timestamp_date, metadata.stated_date, matches.stated_date))),
                'age': case when matches.is_fetched then -date_diff('day', earliest_news_date(), matches.stated_date) else 0 end,
                'line_no': matches.line_no
            }
        ) as chosen,
        -- A header's reading is the outlet's statement of it, not a listing's date: its own prior.
        case when any_value(matches.day_header) is null then 'page_date' else 'page_date_reading' end
            as prior_kind
    from page_matches as matches
    left join url_dates
        using (doc_id)
    left join metadata_dates as metadata
        using (doc_id)
    where matches.proposed_date is not null
    group by matches.doc_id
),

anchors as (
    -- The article's own best full date, to give a dateline's month-day its year: the header, its
    -- url, its page, its record's date, else the day it was seen (never the day it was built when
    -- anything else says otherwise).
    select
        documents.doc_id,
        documents.dateline_date_text,
        documents.seen_date,
        coalesce(
            documents.header_date,
            url_dates.path_date,
            url_dates.timestamp_date,
            page_dates.chosen.stated_date,
            metadata.stated_date,
            documents.seen_date
        ) as anchor
    from documents
    left join url_dates
        using (doc_id)
    left join page_dates
        using (doc_id)
    left join metadata_dates as metadata
        using (doc_id)
    where documents.dateline_date_text is not null
),

stated as (
    select
        doc_id,
        path_date as candidate_date,
        'url' as evidence_kind,
        'url' as prior_kind,
        url as detail
    from url_dates

    union all

    select
        doc_id,
        timestamp_date,
        'url_timestamp',
        'url_timestamp',
        url
    from url_dates
    where path_date is null

    union all

    select
        doc_id,
        chosen.stated_date,
        'page_date',
        prior_kind,
        chosen.page_line
    from page_dates

    union all

    select
        doc_id,
        stated_date,
        'metadata',
        'metadata',
        date_hint
    from metadata_dates

    union all

    -- "KUALA LUMPUR, April 1 (AFP)": the dateline has no year; take the one that puts it nearest
    -- the article's anchor, never after the page was seen.
    select
        doc_id,
        arg_min(dated, abs(date_diff('day', dated, anchor))),
        'dateline',
        'dateline',
        any_value(dateline_date_text)
    from (
        select
            doc_id,
            dateline_date_text,
            seen_date,
            anchor,
            try_cast(
                coalesce(
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%B %d %Y'),
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%b %d %Y'),
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%d %B %Y'),
                    try_strptime(replace(dateline_date_text, '.', '') || ' ' || candidate_year, '%d %b %Y')
                )
                as date
            ) as dated
        from anchors,
            unnest([year(anchor) - 1, year(anchor), year(anchor) + 1]) as years (candidate_year)
    ) as readings
    where dated <= seen_date + time_zone_days()
    group by doc_id
)

select
    stated.doc_id, -- the article
    stated.candidate_date, -- the date it states
    stated.evidence_kind, -- url, url_timestamp, page_date, metadata or dateline
    priors.weight, -- prior weight of this kind of evidence (staging.stg_date_priors)
    stated.detail -- the evidence as written (the url, the page's page_line, the field, the dateline)
from stated
join staging.stg_date_priors as priors
    on priors.kind = stated.prior_kind
where stated.candidate_date is not null
