-- One row per article: a summary of its time expressions that candidate dates are scored against.
-- Why: scoring needs the weekday counts, the stated month-days and the lead's first expression
-- per article, not one row per mention.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id
select
    documents.doc_id, -- the article
    [
        count(*) filter (where mentions.iso_weekday = 1 and mentions.direction <> 'future'),
        count(*) filter (where mentions.iso_weekday = 2 and mentions.direction <> 'future'),
        count(*) filter (where mentions.iso_weekday = 3 and mentions.direction <> 'future'),
        count(*) filter (where mentions.iso_weekday = 4 and mentions.direction <> 'future'),
        count(*) filter (where mentions.iso_weekday = 5 and mentions.direction <> 'future'),
        count(*) filter (where mentions.iso_weekday = 6 and mentions.direction <> 'future'),
        count(*) filter (where mentions.iso_weekday = 7 and mentions.direction <> 'future')
    ] as weekday_counts, -- mentions of Monday..Sunday that are not "next ..."
    count(*) filter (
        where mentions.iso_weekday is not null and mentions.direction <> 'future'
    ) as weekday_total, -- all such weekday mentions
    coalesce(
        list(
            { 'month': mentions.month_number, 'day': mentions.day_of_month, 'year': mentions.year_written }
            order by mentions.mention_no
        ) filter (where mentions.mention_kind = 'month_day'),
        []
    ) as month_days, -- stated month-days in the text's order, with the year when written
    coalesce(
        list({ 'month': mentions.month_number, 'year': mentions.year_written } order by mentions.mention_no)
            filter (where mentions.mention_kind in ('month', 'month_year')),
        []
    ) as months, -- months named without a day in the text's order, with the year when written
    arg_min(mentions.mention_kind, mentions.mention_no) as first_mention_kind, -- the lead's first time expression: its kind
    arg_min(mentions.relative_days, mentions.mention_no) as first_relative_days, -- ... days from publication, for "yesterday"/"today"
    arg_min(mentions.iso_weekday, mentions.mention_no) as first_iso_weekday -- ... its weekday, for "Monday"
from staging.stg_documents as documents
left join intermediate.int_date_mentions as mentions
    using (doc_id)
where documents.doc_id in (select doc_id from intermediate.int_changed_documents)
group by documents.doc_id
