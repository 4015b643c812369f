-- One row per distinct document in the lake (by doc_id), with its header, title and dateline split off.
-- Why: raw dumps put metadata inside the text (" date 2025-06-02 ISTANBUL: ..."); every later model
-- needs those parts apart, and the raw header is kept exactly as written for audit.
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
    select
        *,
        nullif(regexp_extract(text, '^[ \t]*date[ \t]+(\S+)', 1), '') as header_token,
        regexp_replace(text, '^[ \t]*date[ \t]+\S+[ \t]*', '') as after_header
    from documents
),

titles as (
    -- A title is one or two short capitalized lines (the second a standfirst) closed by a blank line;
    -- a lowercase second line is a wrapped paragraph, not a standfirst.
    select
        *,
        regexp_extract(
            after_header,
            '^([A-Z0-9"“‘''][^\n]{2,159}[^.\n])\n(?:([A-Z0-9"“‘''][^\n]{2,300})\n)?\n',
            ['title', 'standfirst']
        ) as title_parts,
        regexp_replace(
            after_header,
            '^[A-Z0-9"“‘''][^\n]{2,159}[^.\n]\n(?:[A-Z0-9"“‘''][^\n]{2,300}\n)?\n\s*',
            ''
        ) as after_title
    from headers
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
    header_token as header_date_raw, -- the " date ..." header exactly as found, null when absent
    try_strptime(header_token, '%Y-%m-%d')::date as header_date, -- the header as a date, null when impossible
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
