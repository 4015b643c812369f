-- One row per (article, candidate publication date, piece of evidence), with the date's total score
-- and whether it was chosen.
-- Why: the date is the column users filter on first, so each choice must be explainable. Scores add
-- the prior weights of every piece of evidence for a date to how well the article's own time
-- expressions support it. A copy's or a same-story article's own date, aligned through both leads'
-- first time expression ("said Monday" against "yesterday said"), is evidence too: that is what
-- dates articles that have no header at all.
-- @grain none: two lenders of the same source, date and confidence give two equal rows, and both count
with documents as (
    select
        doc_id,
        source_id,
        header_date,
        coalesce(fetched_at, ingested_at)::date as seen_date
    from staging.stg_documents
),

relatives as (
    -- The article's verified copies lend their dates; the articles it is paired with by story
    -- only lend theirs to an article with no date of its own (a story runs over days, so it must
    -- not overrule a header). Direct pairs only: a long chain of copies lends nothing extra.
    select
        doc_a as doc_id,
        doc_b as relative_doc_id,
        'copy_group' as relation,
        0.8 as relation_weight
    from intermediate.int_copy_pairs
    union all
    select
        doc_b,
        doc_a,
        'copy_group',
        0.8
    from intermediate.int_copy_pairs
    union all
    select
        pairs.doc_id,
        pairs.relative_doc_id,
        'story',
        0.5
    from (
        select
            doc_a as doc_id,
            doc_b as relative_doc_id
        from intermediate.int_story_pairs
        union all
        select
            doc_b,
            doc_a
        from intermediate.int_story_pairs
    ) as pairs
    where pairs.doc_id not in (select doc_id from intermediate.int_own_dates)
),

lent_dates as (
    -- The relative's lead event date, moved back by this article's own first time expression:
    -- "yesterday said" is published the day after the event, "said Monday" on it.
    select
        relatives.doc_id,
        case
            when profiles.first_mention_kind = 'relative'
                then own.lead_event_date - profiles.first_relative_days::integer
            when profiles.first_mention_kind = 'weekday'
                and isodow(own.lead_event_date) = profiles.first_iso_weekday
                then own.lead_event_date
            else own.own_date
        end as candidate_date,
        relatives.relation as evidence_kind,
        round(relatives.relation_weight * own.own_confidence, 3) as weight,
        relatives.relation || ' ' || documents.source_id || ' dated ' || own.own_date as detail,
        own.own_confidence as lender_confidence
    from relatives
    join intermediate.int_own_dates as own
        on own.doc_id = relatives.relative_doc_id
    join documents
        on documents.doc_id = relatives.relative_doc_id
    join intermediate.int_date_profiles as profiles
        on profiles.doc_id = relatives.doc_id
    where own.own_confidence >= 0.6
),

anchored_dates as (
    -- The dates an article's own metadata proposes: its header (either reading), url, record
    -- date or dateline. An article with any of them is anchored.
    select distinct
        doc_id,
        candidate_date
    from intermediate.int_date_candidates
    where evidence_kind in ('header', 'header_swapped', 'url', 'metadata', 'dateline')
),

borrowed_candidates as (
    -- A relative's date may choose between an anchored article's own dates (the two readings of
    -- an ambiguous header), never bring a new one: copies run days apart, and a lead's "said
    -- Sunday" does not say which day it was published. Lending new dates to anchored articles
    -- overruled 10% of the true clean headers of a synthetic 100k night (bench/sidebyside.py).
    -- And to an anchored article a relative dated only by a bare ambiguous header (0.75 against
    -- its other reading's 0.25: confidence 0.68) lends only with a second relative agreeing: alone,
    -- two copies whose headers differ in day/month order traded dates (98 of the 284 wrong clean
    -- ambiguous headers of a synthetic 100k night, bench/sidebyside.py). It trades true repairs
    -- for false ones: on a 20k night, clean ambiguous headers kept 0.985 -> 0.988 and inverted
    -- ones repaired 0.825 -> 0.743 (dropping such lenders outright: 0.987 and 0.726). Articles
    -- with no anchor (no header, only a fetch time) take any relative's date from 0.6 on.
    select
        lent_dates.doc_id,
        lent_dates.candidate_date,
        lent_dates.evidence_kind,
        lent_dates.weight,
        lent_dates.detail
    from (
        select
            *,
            count(*) over (partition by doc_id, candidate_date) as lenders
        from lent_dates
    ) as lent_dates
    where lent_dates.doc_id not in (select doc_id from anchored_dates)
        or (
            (lent_dates.lender_confidence >= 0.7 or lent_dates.lenders >= 2)
            and exists (
                select
                    1
                from anchored_dates
                where anchored_dates.doc_id = lent_dates.doc_id
                    and anchored_dates.candidate_date = lent_dates.candidate_date
            )
        )
),

evidence as (
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from intermediate.int_date_candidates
    union all
    select
        doc_id,
        candidate_date,
        evidence_kind,
        weight,
        detail
    from borrowed_candidates
),

plausible as (
    -- Not after the page was seen (plus a day of time zones); not before 1990 unless stated.
    select
        evidence.*
    from evidence
    join documents
        using (doc_id)
    where evidence.candidate_date <= documents.seen_date + 1
        and (
            evidence.candidate_date >= date '1990-01-01'
            or evidence.evidence_kind in ('header', 'url', 'metadata')
        )
),

scored as (
    select
        plausible.*,
        -- Summed as decimals: every weight has three decimals, and a float sum's last bits hang
        -- on the order rows are added in, which parallel execution varies (23 of 220k scores
        -- differed in the 4th decimal between two runs over the same rows of a 100k night), and
        -- break ties (0.1 + 0.7 < 0.8 as floats).
        sum(plausible.weight::decimal(18, 6))
            over (partition by plausible.doc_id, plausible.candidate_date)::double
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
        dense_rank() over (partition by doc_id order by date_score desc, candidate_date) as date_rank
    from scored
)

select
    doc_id, -- the article
    candidate_date, -- a candidate publication date
    evidence_kind, -- header, header_swapped, url, metadata, dateline, night, fetched_at, copy_group or story
    weight, -- prior weight of this piece of evidence
    detail, -- the evidence as written (the raw header, the url, the copy it came from...)
    round(date_score, 4) as date_score, -- total for the candidate date: all its evidence plus the text's support
    date_rank, -- 1 for the best-scoring date of the article
    date_rank = 1 as is_chosen -- true on the rows of the chosen date
from ranked
