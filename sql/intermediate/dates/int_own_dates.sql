-- One row per article that has dates of its own: the best of them from its own evidence alone, how
-- clearly it won, and the date of the event its lead reports.
-- Why: relatives lend this own date, never one they borrowed, so borrowing stays one step deep and
-- cannot loop; the lead's event date ("said Monday" in a story of Tuesday 3 June is 2 June) is
-- what the borrower's own lead is aligned to (int_lent_dates).
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id
with scores as (
    -- Weights summed as decimals, as in int_date_evidence: a float sum's last bits hang on the
    -- order parallel execution adds rows in, and so would a tie's winner.
    select
        candidates.doc_id,
        candidates.candidate_date,
        try_cast(sum(try_cast(candidates.weight as decimal(18, 6))) as double)
        + any_value(
            text_support(
                profiles.weekday_counts,
                profiles.weekday_total,
                profiles.month_days,
                profiles.months,
                candidates.candidate_date
            )
        ) as score
    from (
        select
            doc_id,
            candidate_date,
            weight
        from intermediate.int_date_candidates
        union all
        -- An article dated by its fetch alone: its weekdays weighed by the night's odds.
        select
            doc_id,
            candidate_date,
            weight
        from intermediate.int_fetch_night_dates
    ) as candidates
    join intermediate.int_date_profiles as profiles
        using (doc_id)
    where candidates.doc_id in (select doc_id from intermediate.int_changed_documents)
    group by all
),

best as (
    -- Equal scores: the earlier date wins, as in int_date_evidence (arg_max picked either).
    select
        doc_id,
        first(candidate_date order by score desc, candidate_date asc) as own_date,
        max(score) as best_score,
        coalesce(list_sort(list(score), 'desc')[2], 0) as runner_up_score
    from scores
    group by doc_id
)

select
    best.doc_id, -- the article
    best.own_date, -- its best date from its own evidence
    date_confidence(best.best_score, best.runner_up_score) as own_confidence, -- 0-1, against its runner-up
    case
        when profiles.first_mention_kind = 'relative'
            then best.own_date + try_cast(profiles.first_relative_days as integer)
        when profiles.first_mention_kind = 'weekday'
            then best.own_date - try_cast((isodow(best.own_date) - profiles.first_iso_weekday + 7) % 7 as integer)
        else best.own_date
    end as lead_event_date -- the day of the event the lead reports, from its first time expression
from best
join intermediate.int_date_profiles as profiles
    using (doc_id)
