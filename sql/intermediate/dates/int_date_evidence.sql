-- One row per (article, candidate publication date, piece of evidence), with the date's total
-- score and whether it was chosen.
-- Why: the date is the column users filter on first, so each choice must be explainable: a date's
-- score adds the prior weights of its own and its relatives' evidence (int_lent_dates) to how well
-- the article's own time expressions support it.
-- @incremental doc_id = intermediate.int_redated_documents.doc_id
-- @grain none: two lenders of the same source, date and confidence give two equal rows, and both count
with documents as (
    select
        doc_id,
        try_cast(coalesce(fetched_at, ingested_at) as date) as seen_date
    from staging.stg_documents
    where doc_id in (select doc_id from intermediate.int_redated_documents)
),

evidence as (
    -- An article's evidence, all of it scored and ranked together: only whole articles are in scope.
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_date_candidates
    where doc_id in (select doc_id from intermediate.int_redated_documents)
    union all
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_lent_dates
    where doc_id in (select doc_id from intermediate.int_redated_documents)
    union all
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_fetch_night_dates
    where doc_id in (select doc_id from intermediate.int_redated_documents)
),

early_dates_stated as (
    -- A date before 1990 from the header, url or metadata whose year the article's text states
    -- ("... in 1987"); a bare 1970-01-01 is an empty timestamp, not a date. The opening
    -- text_read_limit() characters are enough for a year and bound the work on a huge text.
    select distinct
        evidence.doc_id,
        evidence.candidate_date
    from evidence
    join staging.stg_documents as stated
        using (doc_id)
    where evidence.candidate_date < earliest_news_date()
        and evidence.evidence_kind in ('header', 'url', 'metadata')
        and regexp_matches(
            left(stated.body_text, text_read_limit()), '\b' || year(evidence.candidate_date)::varchar || '\b'
        )
),

plausible as (
    -- Not after the page was seen (plus a day of time zones); not before 1990 unless stated.
    select
        evidence.*
    from evidence
    join documents
        using (doc_id)
    where evidence.candidate_date <= documents.seen_date + time_zone_days()
        and (
            evidence.candidate_date >= earliest_news_date()
            or (evidence.doc_id, evidence.candidate_date) in (
                select (doc_id, candidate_date) from early_dates_stated
            )
        )
),

scored as (
    select
        plausible.*,
        -- Summed as decimals: every weight has three decimals, and a float sum's last bits hang
        -- on the order rows are added in, which parallel execution varies (23 of 220k scores
        -- differed in the 4th decimal between two runs over the same rows of a 100k night), and
        -- break ties (0.1 + 0.7 < 0.8 as floats).
        try_cast(
            sum(try_cast(plausible.weight as decimal(18, 6)))
                over (partition by plausible.doc_id, plausible.candidate_date)
            as double
        )
            + text_support(
                profiles.weekday_counts,
                profiles.weekday_total,
                profiles.month_days,
                profiles.months,
                plausible.candidate_date
            ) as date_score
    from plausible
    join intermediate.int_date_profiles as profiles
        using (doc_id)
),

ranked as (
    select
        *,
        dense_rank() over (partition by doc_id order by date_score desc, candidate_date asc) as date_rank
    from scored
)

select
    doc_id, -- the article
    candidate_date, -- a candidate publication date
    evidence_kind, -- header, header_swapped, url, url_timestamp, page_date, page_recent, metadata, dateline, night, fetched_at, fetched_night, weekdays, copy_group or story
    weight, -- prior weight of this piece of evidence
    detail, -- the evidence as written (the raw header, the url, the copy it came from...)
    round(date_score, 4) as date_score, -- total for the candidate date: all its evidence plus the text's support
    date_rank, -- 1 for the best-scoring date of the article
    date_rank = 1 as is_chosen -- true on the rows of the chosen date
from ranked
