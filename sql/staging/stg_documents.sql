-- One row per distinct document in the lake (by doc_id), with its header, title and dateline split off.
-- Why: raw dumps put metadata inside the text (" date 2025-06-02 ISTANBUL: ..."); every later model
-- needs those parts apart. The header is parsed here, once, into typed columns, and kept as written.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id
with documents as (
    -- The documents this build adds: all of them in a full build, the lake's new ones otherwise.
    select
        *
    from raw.documents
    where doc_id in (select doc_id from build.new_documents)
    qualify row_number() over (partition by doc_id order by ingested_at, source_id) = 1
),

headers as (
    -- The " date ..." header: its value ('' when empty), a second header right after it, and the
    -- line break that ends a header on its own line.
    select
        *,
        regexp_extract(
            text,
            '^([ \t]*date(?:[ \t]+(\S+)(?:\s+date[ \t]+(\S+))?|[ \t]*(?m:$))[ \t]*\n?)',
            ['whole', 'first', 'second']
        ) as header_parts
    from documents
),

header_fields as (
    -- The header's numbers, by shape: year-month-day (with any time of day), year-month, year.
    select
        *,
        substr(text, length(header_parts.whole) + 1) as after_header,
        regexp_extract(
            header_parts.first, '^(\d{4})-(\d{1,2})-(\d{1,2})(T.*)?$', ['year', 'month', 'day', 'time']
        ) as day_parts,
        regexp_extract(header_parts.first, '^(\d{4})-(\d{1,2})$', ['year', 'month']) as month_parts,
        regexp_extract(header_parts.first, '^(\d{4})$', 1) as year_part
    from headers
),

header_readings as (
    select
        *,
        try(make_date(
            try_cast(day_parts.year as integer),
            try_cast(day_parts.month as integer),
            try_cast(day_parts.day as integer)
        )) as day_date,
        try(make_date(
            try_cast(day_parts.year as integer),
            try_cast(day_parts.day as integer),
            try_cast(day_parts.month as integer)
        )) as swapped_day_date,
        try(make_date(try_cast(month_parts.year as integer), try_cast(month_parts.month as integer), 1))
            as month_date,
        try(make_date(try_cast(year_part as integer), 1, 1)) as year_date,
        -- A second header agrees when it is the same text or the same day.
        header_parts.second = ''
        or header_parts.second = header_parts.first
        or coalesce(
            try_cast(regexp_extract(header_parts.second, '^(\d{4}-\d{1,2}-\d{1,2})(?:T|$)', 1) as date)
            = try(make_date(
                try_cast(day_parts.year as integer),
                try_cast(day_parts.month as integer),
                try_cast(day_parts.day as integer)
            )),
            false
        ) as headers_agree
    from header_fields
),

header_typed as (
    select
        *,
        case
            when header_parts.whole = '' then null
            when not headers_agree or header_parts.first = '' then 'invalid'
            when day_date is not null then 'day'
            when month_date is not null then 'month'
            when year_date is not null then 'year'
            else 'invalid'
        end as header_precision,
        case
            when header_parts.whole = '' then null
            when header_parts.first = '' then 'empty header'
            when not headers_agree
                then 'two headers disagree: ' || header_parts.first || ' and ' || header_parts.second
            when day_parts.year <> '' and day_date is null then 'no such day'
            when day_date is null and month_date is null and year_date is null
                then 'not a date (expected YYYY-MM-DD)'
            when day_parts.time <> '' and try_cast(header_parts.first as timestamptz) is null
                then 'impossible time of day, ignored'
            when header_parts.second <> '' then 'header repeated'
        end as header_problem
    from header_readings
),

title_lines as (
    -- A title is one or two short capitalized lines (the second a standfirst) closed by a blank line;
    -- a lowercase second line is a wrapped paragraph, not a standfirst. A line opening with a
    -- dateline and an agency credit ("PARIS (AFP) - ... said:", "MOSCOW, June 2. /TASS/.") is the
    -- first paragraph, however it ends: taken as a title, it took the agency with it.
    select
        *,
        regexp_matches(
            left(after_header, 80),
            '^[A-Z][A-Z.''’-]+(?: [A-Z][A-Z.''’-]+){0,3}'
            || '(?:, ?(?:[A-Z][a-z]{2,8}\.? \d{1,2}|\d{1,2} [A-Z][a-z]{2,8}))?\.?'
            || ' ?(?:\((?:' || text_agencies() || ')\)|/(?:' || text_agencies() || ')/)'
        ) as opens_with_credited_dateline
    from header_typed
),

titles as (
    select
        *,
        case
            when opens_with_credited_dateline then { 'title': '', 'standfirst': '' }
            else regexp_extract(
                after_header,
                '^([A-Z0-9"“‘''][^\n]{2,159}[^.\n])\n(?:([A-Z0-9"“‘''][^\n]{2,300})\n)?\n',
                ['title', 'standfirst']
            )
        end as title_parts,
        case
            when opens_with_credited_dateline then after_header
            else regexp_replace(
                after_header,
                '^[A-Z0-9"“‘''][^\n]{2,159}[^.\n]\n(?:[A-Z0-9"“‘''][^\n]{2,300}\n)?\n\s*',
                ''
            )
        end as after_title
    from title_lines
),

datelines as (
    -- "ISTANBUL:", "ISTANBUL —", "KUALA LUMPUR, April 1 (AFP) -", "MOSCOW, June 2. /TASS/."
    -- The outer group is the whole dateline, so the body is what follows it.
    select
        *,
        regexp_extract(
            after_title,
            '^(([A-Z][A-Z.''’-]+(?: [A-Z][A-Z.''’-]+){0,3})'
            || '(?:, ?((?:[A-Z][a-z]{2,8}\.? \d{1,2})|(?:\d{1,2} [A-Z][a-z]{2,8})))?\.?'
            -- an agency mark may stand in for the separator; otherwise a separator is required
            || '(?:(?: ?\(([A-Za-z]+)\)| ?/([A-Z]+)/\.?) ?(?::|—|–|--|-)? ?| ?(?::|—|–|--| -) ?))',
            ['whole', 'place', 'date_text', 'agency_paren', 'agency_slash']
        ) as dateline_parts
    from titles
)

select
    doc_id, -- sha256 of the normalized document text
    doc_key(doc_id) as doc_key, -- the doc_id's first 64 bits as an integer: the pair models' join key
    source_id, -- the record's id, else the file path relative to the raw folder (with :LINE for JSONL)
    source_path, -- the raw file the document came from
    format, -- txt, jsonl or json (news-please)
    encoding, -- how the bytes were decoded
    repairs, -- text repairs made at ingest (mojibake), null when none
    url, -- the record's url, when it had one
    outlet_hint, -- free-text outlet from the record (outlet, source_domain)
    title_hint, -- title from the record's metadata
    date_hint, -- publication date from the record's metadata, as written
    fetched_at, -- when the crawler fetched the page (UTC)
    ingested_at, -- when Copydesk ingested it
    run_id, -- the run that ingested it
    case
        when header_parts.whole <> '' then header_parts.first
    end as header_date_raw, -- the " date ..." header's value exactly as found ('' when empty), null when absent
    case
        when header_precision = 'day' then day_date
        when header_precision = 'month' then month_date
        when header_precision = 'year' then year_date
    end as header_date, -- the header as a date (the first day of its month or year when that is all it says), null when absent or invalid
    header_precision, -- day, month, year or invalid; null when there is no header
    header_problem, -- what was wrong with the header, null when nothing was
    case
        when headers_agree and swapped_day_date <> coalesce(day_date, date '0001-01-01')
            then swapped_day_date
    end as header_swapped_date, -- the header read with day and month exchanged, when that is another valid date
    coalesce(
        title_hint,
        nullif(title_parts.title, '')
    ) as title, -- metadata title, else the title line parsed from the text
    nullif(title_parts.standfirst, '') as standfirst, -- the line under the title, when present
    nullif(dateline_parts.place, '') as dateline, -- the dateline's place ("ISTANBUL")
    nullif(dateline_parts.date_text, '') as dateline_date_text, -- a month-day in the dateline ("April 1")
    nullif(
        coalesce(nullif(dateline_parts.agency_paren, ''), dateline_parts.agency_slash),
        ''
    ) as dateline_agency, -- an agency named in the dateline ("(AFP)", "/TASS/")
    substr(after_title, length(dateline_parts.whole) + 1) as body_text -- the text after header, title and dateline: paragraphs still joined
from datelines
