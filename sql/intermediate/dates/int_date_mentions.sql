-- One row per time expression in an article's title and body: a weekday, a relative day, a month
-- and day ("Jun 2"), a month and year ("February 2022") or a bare month ("in March").
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

positioned as (
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
)

select
    doc_id, -- the article
    mention_no, -- order of the mention in the text
    mention, -- the expression as written
    case
        when weekday_name <> '' then 'weekday'
        when month_number is not null and day_number is not null then 'month_day'
        when month_number is not null and year_number is not null then 'month_year'
        when month_number is not null then 'month'
        else 'relative'
    end as mention_kind, -- weekday, relative, month_day, month_year or month (a bare month name)
    case
        when weekday_name <> ''
            then list_position(
                ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
                weekday_name
            )
    end as iso_weekday, -- 1 = Monday ... 7 = Sunday, for weekday mentions
    case
        when mention_lower like 'next %' then 'future'
        when mention_lower like 'last %' and weekday_name <> '' then 'past'
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
