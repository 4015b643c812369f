-- One row per time expression in an article's title and body: a weekday, a relative day, a month and
-- day ("Jun 2", "8 maja"), a month and year ("February 2022") or a bare month ("in March").
-- Why: the text is the evidence that confirms or contradicts a header date, and the only anchor an
-- undated article has. Captions and credits were removed before, so their dates do not count.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, mention_no
with texts as (
    select
        documents.doc_id,
        -- The opening text_read_limit() characters: a bounded regexp however long the text.
        left(concat_ws(e'\n\n', documents.title, documents.standfirst, parts.body), text_read_limit()) as text
    from staging.stg_documents as documents
    join intermediate.int_document_parts as parts
        using (doc_id)
    where documents.doc_id in (select doc_id from intermediate.int_changed_documents)
),

matches as (
    select
        texts.doc_id,
        found.mention,
        found.mention_no
    from texts,
        unnest(
            regexp_extract_all(
                texts.text,
                '(?:\b(?:[Ll]ast|[Nn]ext|[Tt]his|[Oo]n|[Ss]ince|[Uu]ntil|[Bb]y) )?'
                || '\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)s?\b'
                || '|\b(?i:today|tonight|yesterday|tomorrow|last night|this morning|this afternoon|this evening)\b'
                || '|\b(?:January|February|March|April|May|June|July|August|September|October|November|December'
                || '|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.? \d{1,2}(?:st|nd|rd|th)?\b(?:,? \d{4}\b)?'
                || '|\b\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:January|February|March|April|May|June|July|August'
                || '|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\b'
                || '(?:,? \d{4}\b)?'
                || '|\b(?:January|February|March|April|May|June|July|August|September|October|November'
                || '|December) \d{4}\b'
                -- a bare month; "May" only after a preposition, since "may" is also a verb
                || '|\b(?:January|February|March|April|June|July|August|September|October|November'
                || '|December)\b'
                || '|\b(?:[Ii]n|[Ss]ince|[Uu]ntil|[Ee]arly|[Ll]ate|[Mm]id-?|[Oo]f|[Ll]ast|[Nn]ext|[Tt]his) ?May\b'
            )
        ) with ordinality as found (mention, mention_no)
),

english_positioned as (
    select
        *,
        lower(mention) as mention_lower,
        regexp_extract(
            mention,
            '(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)',
            1
        ) as weekday_name,
        list_position(
            ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
            lower(regexp_extract(mention, '(January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)', 1)[1:3])
        ) as month_number,
        try_cast(nullif(regexp_extract(mention, '(?:^|\D)(\d{1,2})(?:st|nd|rd|th)?(?:\D|$)', 1), '') as integer) as day_number,
        try_cast(nullif(regexp_extract(mention, '(\d{4})', 1), '') as integer) as year_number
    from matches
),

other_language_texts as (
    -- Texts not in English (fewer than three "the" in their opening), lowercase: the English
    -- patterns above read English ones, and an English night pays nothing for the word table.
    select
        doc_id,
        lower(text) as text
    from texts
    where not regexp_matches(left(text, 4000), '(?i)\bthe\b(?s:.*)\bthe\b(?s:.*)\bthe\b')
),

weekdays as (
    -- The weekday names of the other languages, as one list.
    select list(word) as words
    from staging.stg_date_words
    where kind = 'weekday' and language_code <> 'en'
),

other_language_words as (
    -- In one pass, in text order: a day and a word with perhaps a year ("8 maja 2025", "3 de
    -- junio", "8. mai"), or a single word.
    select
        doc_id,
        regexp_extract_all(
            text,
            -- no counted repetition or \b: either one made this pass four times slower
            '\d{1,2}[.º]?(?:er)?\s+(?:de\s+)?[\pL\pM]+(?:\.?,?\s+(?:de\s+)?(?:19|20)\d\d)?'
            || '|[\pL\pM]+(?:[-''ʼ][\pL\pM]+)?'
        ) as words
    from other_language_texts
),

other_language_tokens as (
    -- Only a day or a weekday name is kept, with its place, before the list is unnested: a row per
    -- word of every text cost more than the whole English pass.
    select
        texts.doc_id,
        list_filter(
            list_transform(
                range(1, len(texts.words) + 1),
                lambda word_no: { 'mention': texts.words[word_no], 'word_no': word_no }
            ),
            lambda kept: struct_extract(kept, 'mention')[1] between '0' and '9'
            or list_contains(weekdays.words, struct_extract(kept, 'mention'))
        ) as found_tokens
    from other_language_words as texts
    cross join weekdays
),

other_language_matches as (
    -- Each kept token, a day-month one read into its day, month word and year.
    select
        doc_id,
        found.mention,
        found.word_no,
        regexp_extract(
            found.mention,
            '^(\d{1,2})[.º]?(?:er)?\s+(?:de\s+)?([\pL\pM]+?)(?:\.?,?\s+(?:de\s+)?((?:19|20)\d\d))?$',
            ['day', 'word', 'year']
        ) as parts
    from (select doc_id, unnest(found_tokens) as found from other_language_tokens) as tokens
),

other_language_mentions as (
    -- Words that are also English ("mar", "april") are left to the English patterns.
    select
        matches.doc_id,
        matches.mention,
        matches.word_no,
        case when words.kind = 'weekday' then words.number end as iso_weekday,
        case when words.kind = 'month' then words.number end as month_number,
        try_cast(nullif(matches.parts.day, '') as integer) as day_number,
        try_cast(nullif(matches.parts.year, '') as integer) as year_number
    from other_language_matches as matches
    join staging.stg_date_words as words
        on words.word = coalesce(nullif(matches.parts.word, ''), matches.mention)
        and words.language_code <> 'en'
        and (words.kind = 'weekday') = (matches.parts.word = '')
    where words.word not in (
        select english.word
        from staging.stg_date_words as english
        where english.language_code = 'en'
    )
    qualify row_number() over (partition by matches.doc_id, matches.word_no order by words.language_code) = 1
),

english_counts as (
    select
        doc_id,
        count(*) as mentions
    from matches
    group by doc_id
),

positioned as (
    select
        doc_id,
        mention_no,
        mention,
        mention_lower,
        case
            when weekday_name <> ''
                then list_position(
                    ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
                    weekday_name
                )
        end as iso_weekday,
        month_number,
        day_number,
        year_number
    from english_positioned
    union all
    -- After the English mentions of the same text, in their own order.
    select
        mentions.doc_id,
        coalesce(english.mentions, 0) + row_number() over (partition by mentions.doc_id order by mentions.word_no),
        mentions.mention,
        mentions.mention as mention_lower,
        mentions.iso_weekday,
        mentions.month_number,
        mentions.day_number,
        mentions.year_number
    from other_language_mentions as mentions
    left join english_counts as english
        using (doc_id)
)

select
    doc_id, -- the article
    mention_no, -- order of the mention in the text
    mention, -- the expression as written
    case
        when iso_weekday is not null then 'weekday'
        when month_number is not null and day_number is not null then 'month_day'
        when month_number is not null and year_number is not null then 'month_year'
        when month_number is not null then 'month'
        else 'relative'
    end as mention_kind, -- weekday, relative, month_day, month_year or month (a bare month name)
    iso_weekday, -- 1 = Monday ... 7 = Sunday, for weekday mentions
    case
        when mention_lower like 'next %' then 'future'
        when mention_lower like 'last %' and iso_weekday is not null then 'past'
        else 'near'
    end as direction, -- "next Monday" is ahead, "last Monday" behind, a bare weekday near either way
    case mention_lower
        when 'today' then 0
        when 'tonight' then 0
        when 'this morning' then 0
        when 'this afternoon' then 0
        when 'this evening' then 0
        when 'yesterday' then -1
        when 'last night' then -1
        when 'tomorrow' then 1
    end as relative_days, -- for relative mentions: days from the publication date
    month_number, -- for month_day, month_year and month mentions
    case when month_number is not null then day_number end as day_of_month, -- for month_day mentions
    year_number as year_written, -- the year when the mention states one
    mention_no = 1 as is_first_mention -- the first time expression, usually the lead's event
from positioned
