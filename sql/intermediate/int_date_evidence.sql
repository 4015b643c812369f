-- One row per (article, candidate publication date, piece of evidence), with the date's total score
-- and whether it was chosen.
-- Why: the date is the column users filter on first, so each choice must be explainable. Scores add
-- the prior weights of every piece of evidence for a date to how well the article's own time
-- expressions support it; a copy's date, aligned through both leads' first time expression ("said
-- Monday" against "yesterday said"), is evidence too, which dates articles that have no header.
with documents as (
    select
        doc_id,
        source_id,
        header_date,
        coalesce(fetched_at, ingested_at)::date as seen_date
    from staging.stg_documents
),

own_scores as (
    select
        candidates.doc_id,
        candidates.candidate_date,
        sum(candidates.weight) as prior_weight,
        weekday_support(profiles.weekday_counts, profiles.weekday_total, candidates.candidate_date)
        + month_day_support(profiles.month_days, candidates.candidate_date) as text_support
    from intermediate.int_date_candidates as candidates
    join intermediate.int_date_profiles as profiles
        using (doc_id)
    group by all
),

own_choice as (
    -- Each article's best date from its own evidence alone, and how clearly it won.
    select
        doc_id,
        arg_max(candidate_date, prior_weight + text_support) as own_date,
        max(prior_weight + text_support) as best_score,
        coalesce(
            list_sort(list(prior_weight + text_support), 'desc')[2],
            0
        ) as runner_up_score
    from own_scores
    group by doc_id
),

copy_candidates as (
    -- The copy's lead event date (its publication date moved by its first time expression),
    -- then moved back by this article's first time expression.
    select
        groups.doc_id,
        case
            when profiles.first_mention_kind = 'relative'
                then lead_events.event_date - profiles.first_relative_days::integer
            when profiles.first_mention_kind = 'weekday'
                and isodow(lead_events.event_date) = profiles.first_iso_weekday
                then lead_events.event_date
            else lead_events.own_date
        end as candidate_date,
        'copy_group' as evidence_kind,
        round(0.8 * lead_events.own_confidence, 3) as weight,
        'copy ' || lead_events.source_id || ' dated ' || lead_events.own_date as detail
    from intermediate.int_copy_groups as groups
    join intermediate.int_copy_groups as copies
        on copies.copy_group_doc_id = groups.copy_group_doc_id
        and copies.doc_id <> groups.doc_id
    join (
        select
            own_choice.doc_id,
            documents.source_id,
            own_choice.own_date,
            own_choice.best_score / (own_choice.best_score + own_choice.runner_up_score + 0.1)
                as own_confidence,
            case
                when profiles.first_mention_kind = 'relative'
                    then own_choice.own_date + profiles.first_relative_days::integer
                when profiles.first_mention_kind = 'weekday'
                    then own_choice.own_date
                        - ((isodow(own_choice.own_date) - profiles.first_iso_weekday + 7) % 7)::integer
                else own_choice.own_date
            end as event_date
        from own_choice
        join intermediate.int_date_profiles as profiles
            using (doc_id)
        join documents
            using (doc_id)
    ) as lead_events
        on lead_events.doc_id = copies.doc_id
    join intermediate.int_date_profiles as profiles
        on profiles.doc_id = groups.doc_id
    where lead_events.own_confidence >= 0.6
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
    from copy_candidates
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
        sum(plausible.weight) over (partition by plausible.doc_id, plausible.candidate_date)
            + weekday_support(profiles.weekday_counts, profiles.weekday_total, plausible.candidate_date)
            + month_day_support(profiles.month_days, plausible.candidate_date) as date_score
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
    evidence_kind, -- header, header_swapped, url, metadata, dateline, fetched_at or copy_group
    weight, -- prior weight of this piece of evidence
    detail, -- the evidence as written (the raw header, the url, the copy it came from...)
    round(date_score, 4) as date_score, -- total for the candidate date: all its evidence plus the text's support
    date_rank, -- 1 for the best-scoring date of the article
    date_rank = 1 as is_chosen -- true on the rows of the chosen date
from ranked
