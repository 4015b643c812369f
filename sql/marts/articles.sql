-- One row per article: exactly one per accepted document.
-- Why: this is the table users query: the cleaned body, the normalized date with its source and
-- confidence, the outlet, the wire agency and the copy group and story the article belongs to.
-- @incremental doc_id = intermediate.int_touched_documents.doc_id
-- @grain article_id
with articles as (
    select
        left(documents.doc_id, 16) as article_id,
        documents.doc_id,
        documents.source_id,
        documents.url,
        outlets.outlet,
        outlets.outlet_domain,
        outlets.outlet_kind,
        coalesce(
            documents.dateline_agency,
            credited.credited_agency
        ) as own_wire_agency,
        documents.title,
        documents.dateline,
        parts.body,
        parts.credits,
        dates.published_date,
        dates.date_source,
        dates.date_confidence,
        documents.header_date_raw,
        case when documents.header_precision = 'day' then documents.header_date end as header_date,
        case
            when documents.header_problem is not null then documents.header_problem
            when documents.header_date
                > try_cast(coalesce(documents.fetched_at, documents.ingested_at) as date)
                + time_zone_days()
                then 'after the page was fetched: not used'
            when documents.header_date < earliest_news_date()
                and coalesce(dates.published_date <> documents.header_date, true)
                then 'before 1990: not used'
        end as header_problem,
        left(groups.copy_group_doc_id, 16) as copy_group_id,
        groups.copy_group_size,
        left(stories.story_doc_id, 16) as story_id,
        stories.story_size,
        documents.run_id,
        documents.ingested_at
    from staging.stg_documents as documents
    join intermediate.int_document_parts as parts
        using (doc_id)
    join intermediate.int_article_dates as dates
        using (doc_id)
    join intermediate.int_copy_groups as groups
        using (doc_id)
    join intermediate.int_stories as stories
        using (doc_id)
    join intermediate.int_article_outlets as outlets
        using (doc_id)
    join intermediate.int_credited_agencies as credited
        using (doc_id)
    where documents.doc_id not in (select doc_id from intermediate.int_rejected_documents)
        -- whole copy groups, so the wire agency below sees every member's
        and documents.doc_id in (select doc_id from intermediate.int_touched_documents)
)

select
    article_id, -- stable id: the first 16 hex digits of doc_id
    doc_id, -- sha256 of the normalized document text it came from
    source_id, -- the record's id or the raw file path (with :LINE for JSONL)
    url, -- the article's url, when the record had one
    outlet, -- who published it: the reference name for its url or outlet text, else the registrable domain
    outlet_domain, -- the registrable domain of its url ("english.pravda.ru" -> "pravda.ru")
    outlet_kind, -- wire_agency, newspaper, broadcaster, magazine, online, aggregator or mirror
    coalesce(
        own_wire_agency,
        -- Copies that lost the credit (seeds 001, 003) keep the agency their copies name.
        mode(own_wire_agency) over (partition by copy_group_id)
    ) as wire_agency, -- the agency the text is credited to: dateline, credit line, "(AFP)", or its copies'
    title, -- the headline, when the record or the text has one
    dateline, -- the place in the dateline ("ISTANBUL")
    body, -- the article text without header, title, dateline, credits and appended teasers
    credits, -- credit lines moved out of the body ("Photo: Reuters / ...")
    published_date, -- the publication date after normalization
    date_source, -- which evidence decided published_date (see date_evidence)
    date_confidence, -- 0-1, how clearly that date beat the runner-up
    header_date_raw, -- the " date ..." header exactly as found
    header_problem, -- why the header was not taken as it is written (no such day, after the page was fetched, before 1990...), null when it was
    case
        when published_date is null then 'undated'
        when date_source = 'header_ambiguous' then 'ambiguous'
        when header_date is null and date_source = 'header' and header_date_raw <> '' then 'kept'
        when header_date is null then 'inferred'
        when published_date = header_date then 'kept'
        when month(published_date) = day(header_date)
            and day(published_date) = month(header_date) then 'repaired_inversion'
        when starts_with(coalesce(date_source, ''), 'header_') then 'repaired_inversion'
        when abs(date_diff('day', header_date, published_date)) = 1 then 'repaired_off_by_one'
        else 'repaired_other'
    end as date_outcome, -- kept, repaired_inversion, repaired_off_by_one, repaired_other, inferred, ambiguous or undated
    copy_group_id, -- articles that are copies of the same text share it
    copy_group_size, -- how many articles are in the copy group
    story_id, -- articles about the same event share it (copies always do)
    story_size, -- how many articles are in the story
    run_id, -- the run that ingested the document
    ingested_at -- when it was ingested
from articles
