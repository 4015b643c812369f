-- One row per fetched page whose byline gives its day without the year, with a clock time
-- ("Thursday 1:30PM", "Dec 22, 2:12 PM", "7 mai, 10h42"): that day in the week before the fetch.
-- Why: pages write the year only for older dates, so a recent story's byline often has none, and
-- int_stated_dates's full dates miss it; only a fetch time says which week it is in.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id
with documents as (
    select
        doc_id,
        try_cast(fetched_at at time zone 'UTC' as date) as seen_date,
        -- The page below the header and title, bounded as int_stated_dates reads it, split once.
        string_split(left(concat_ws(e'\n', standfirst, body_text), text_read_limit()), e'\n') as page_lines
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
        and fetched_at is not null
),

recent_lines as (
    -- A fetched page's lines that may be a byline without its year: short, at most three lowercase
    -- words, a clock time and no year ("Thursday 1:30PM", "Dec 22, 2:12 PM", "7 mai, 10h42"). Pages
    -- write the year for older dates, and a listing's or a sentence's day is no byline.
    select
        doc_id,
        seen_date,
        unnest(
            list_filter(
                list_transform(
                    range(1, len(page_lines) + 1),
                    lambda line_no: { 'page_line': trim(page_lines[line_no]), 'line_no': line_no }
                ),
                lambda numbered: case
                    when not regexp_matches(
                        struct_extract(numbered, 'page_line'), '(?i)\d(?:[:.h]\d{2}|\s*[ap]\.?m)\b'
                    ) then false
                    else length(struct_extract(numbered, 'page_line')) <= 60
                        and not regexp_matches(struct_extract(numbered, 'page_line'), '(?:19|20)\d{2}')
                        and len(regexp_extract_all(
                            struct_extract(numbered, 'page_line'), '(?:^|[^\pL\pM])\p{Ll}[\pL\pM]{2,}'
                        )) <= 3
                end
            ),
            recursive := true
        )
    from documents
),

recent_forms as (
    -- A weekday, a month word and day, or a day and month word, each right before the clock time.
    select
        *,
        regexp_extract(
            page_line,
            '(?:^|[^\pL\pM])([\pL\pM]{3,12})\.?,?\s+(?:at\s+|à\s+|um\s+|o\s+|a las\s+)?\d{1,2}(?:[:.h]\d{2}|\s*[ap]\.?m)',
            1
        ) as weekday_word,
        regexp_extract(
            page_line,
            '([\pL\pM]{3,12})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(?:at\s+|à\s+|um\s+|o\s+|a las\s+)?\d{1,2}(?:[:.h]\d{2}|\s*[ap]\.?m)',
            ['word', 'day']
        ) as word_day,
        regexp_extract(
            page_line,
            '(?:^|\D)(\d{1,2})(?:st|nd|rd|th|er|\.|º)?\s+(?:de\s+)?([\pL\pM]{3,12})\.?,?\s+(?:at\s+|à\s+|um\s+|o\s+|a las\s+)?\d{1,2}(?:[:.h]\d{2}|\s*[ap]\.?m)',
            ['day', 'word']
        ) as day_word
    from recent_lines
),

recent_dates as (
    -- Of a page's bylines without a year, the first: its weekday's latest day not after the fetch
    -- day, or its month-day in the fetch's year or the year before, within the week before the
    -- fetch day (a byline a year old writes its year).
    select
        forms.doc_id,
        arg_min(
            readings.stated_date, forms.line_no
        ) as stated_date,
        arg_min(left(forms.page_line, 200), forms.line_no) as page_line
    from recent_forms as forms
    left join staging.stg_date_words as weekdays
        on weekdays.kind = 'weekday' and weekdays.word = lower(forms.weekday_word)
    left join staging.stg_date_words as first_words
        on first_words.kind = 'month' and first_words.word = lower(forms.word_day.word)
    left join staging.stg_date_words as second_words
        on second_words.kind = 'month' and second_words.word = lower(forms.day_word.word)
    cross join unnest([
            forms.seen_date - try_cast((isodow(forms.seen_date) - weekdays.number + 7) % 7 as integer),
            day_of(year(forms.seen_date), first_words.number, try_cast(forms.word_day.day as integer)),
            day_of(year(forms.seen_date) - 1, first_words.number, try_cast(forms.word_day.day as integer)),
            day_of(year(forms.seen_date), second_words.number, try_cast(forms.day_word.day as integer)),
            day_of(year(forms.seen_date) - 1, second_words.number, try_cast(forms.day_word.day as integer))
        ]) as readings (stated_date)
    where readings.stated_date between forms.seen_date - 6 and forms.seen_date
    group by forms.doc_id
)

select
    recent_dates.doc_id, -- the article
    recent_dates.stated_date as candidate_date, -- the day its byline names
    'page_recent' as evidence_kind, -- always page_recent
    priors.weight, -- prior weight of this kind of evidence (staging.stg_date_priors)
    recent_dates.page_line as detail -- the byline as written
from recent_dates
join staging.stg_date_priors as priors
    on priors.kind = 'page_recent'
