-- One row per article: its publication date, which evidence decided it and how sure that is.
-- Why: articles carries one date per article; this turns the ranked evidence into that date and a
-- date_source a user can filter on (e.g. every repaired inversion).
-- @incremental doc_id = intermediate.int_redated_documents.doc_id
-- @grain doc_id
-- @changes doc_id
with chosen as (
    select
        doc_id,
        any_value(candidate_date) as published_date,
        max(date_score) as best_score,
        -- The night's calibrations of a fetch-only article's evidence name no source of their own.
        list(evidence_kind order by weight desc, evidence_kind asc)
            filter (where evidence_kind not in ('weekdays', 'fetched_night')) as kinds
    from intermediate.int_date_evidence
    where is_chosen
        and doc_id in (select doc_id from intermediate.int_redated_documents)
    group by doc_id
),

runner_up as (
    select
        doc_id,
        max(date_score) as runner_up_score
    from intermediate.int_date_evidence
    where date_rank = 2
        and doc_id in (select doc_id from intermediate.int_redated_documents)
    group by doc_id
)

select
    documents.doc_id, -- the article
    chosen.published_date, -- the publication date, null when nothing dates the article
    case
        when chosen.published_date is null then 'none'
        when list_contains(chosen.kinds, 'header')
            and documents.header_precision = 'day'
            and day(documents.header_date) <= 12
            and day(documents.header_date) <> month(documents.header_date)
            -- the header's 0.5 prior lead over its swapped reading, and hardly any evidence beyond it
            and chosen.best_score - coalesce(runner_up.runner_up_score, 0) < 0.55
            then 'header_ambiguous'
        when list_contains(chosen.kinds, 'header') then 'header'
        when list_contains(chosen.kinds, 'header_swapped') and documents.header_precision = 'day'
            then 'header_inverted'
        when list_contains(chosen.kinds, 'header_swapped') then 'header_impossible_swapped'
        else chosen.kinds[1]
    end as date_source, -- header, header_ambiguous, header_inverted, url, url_timestamp, page_date, page_recent, metadata, dateline, header_month, copy_group, story, fetched_at or none
    case
        when chosen.published_date is null then 0.0
        else date_confidence(chosen.best_score, coalesce(runner_up.runner_up_score, 0))
    end as date_confidence -- 0-1: the chosen date's score against the runner-up's
from staging.stg_documents as documents
left join chosen
    using (doc_id)
left join runner_up
    using (doc_id)
where documents.doc_id in (select doc_id from intermediate.int_redated_documents)
