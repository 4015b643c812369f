-- One row per fetch day of an article dated only by its fetch time and per piece of evidence the
-- night's dated articles calibrate: its weekday mentions, and how soon the night fetches news.
-- Why: news names its own weekday more often than the day before's (3:1 in wires, 1:1 in
-- Wikinews) and most crawlers fetch news the day it appears; the night's own articles with a
-- one-way header (day above 12) tell by how much, where the text's support and the hour assume 1:1.
-- @grain doc_id, candidate_date, evidence_kind
-- @changes doc_id
with trusted as (
    -- Articles of the night whose header cannot be inverted, and the date it says. Their odds are
    -- pulled towards 2:1 (weekdays) and 1:1 (fetch day) when the night has few of them.
    select
        headers.doc_id,
        documents.run_id,
        headers.candidate_date as header_date,
        try_cast(documents.fetched_at at time zone 'UTC' as date) as fetched_day
    from intermediate.int_header_dates as headers
    join staging.stg_documents as documents
        using (doc_id)
    where headers.evidence_kind = 'header'
        and (day(headers.candidate_date) > 12 or day(headers.candidate_date) = month(headers.candidate_date))
),

night_odds as (
    -- Of the trusted articles' weekday mentions, those naming the header's own weekday and those
    -- naming the day before's, plus the prior's 8 and 4.
    select
        trusted.run_id,
        sum(profiles.weekday_counts[isodow(trusted.header_date)]) + 8 as own_day,
        sum(profiles.weekday_counts[isodow(trusted.header_date - 1)]) + 4 as day_before
    from trusted
    join intermediate.int_date_profiles as profiles
        using (doc_id)
    group by trusted.run_id
),

night_delays as (
    -- Of the trusted articles fetched that day or the next, those fetched the same UTC day, plus
    -- the prior's 5 and 5.
    select
        run_id,
        count(*) filter (where fetched_day = header_date) + 5 as same_day,
        count(*) filter (where fetched_day = header_date + 1) + 5 as next_day
    from trusted
    where fetched_day is not null
    group by run_id
),

fetch_only as (
    -- Articles whose only candidates come from the fetch (a month header may confirm them).
    select
        doc_id,
        list(distinct candidate_date) as candidate_dates
    from intermediate.int_date_candidates
    group by doc_id
    having bool_and(evidence_kind in ('fetched_at', 'header_month'))
)

select
    fetch_only.doc_id, -- the article
    candidates.candidate_date, -- one of its fetch days
    'weekdays' as evidence_kind, -- weekdays (its weekday mentions, weighed by the night's odds) or fetched_night
    -- At odds below 1:1 (a night naming the day before more, implausible) the weekdays say
    -- nothing; above e^2 (7.4:1) no more than at it, so a weight stays within the hour's ± 1.
    round(
        priors.weight
        * least(greatest(ln(coalesce(night_odds.own_day / night_odds.day_before, 2.0)), 0), 2)
        * profiles.weekday_counts[isodow(candidates.candidate_date)]
        / profiles.weekday_total,
        3
    ) as weight, -- the scale (staging.stg_date_priors) times the log odds times the share of mentions naming its weekday
    'own weekday to the day before '
    || coalesce(night_odds.own_day || ':' || night_odds.day_before, '2:1 (no night)') as detail -- the night's odds
from fetch_only
cross join unnest(fetch_only.candidate_dates) as candidates (candidate_date)
join staging.stg_documents as documents
    on documents.doc_id = fetch_only.doc_id
join intermediate.int_date_profiles as profiles
    on profiles.doc_id = fetch_only.doc_id
join staging.stg_date_priors as priors
    on priors.kind = 'weekdays'
left join night_odds
    on night_odds.run_id = documents.run_id
where profiles.weekday_total > 0

union all

-- The night's odds of a page fetched the day it was published, as a weight (never negative) on
-- the fetch day (the later candidate) when above 1:1, else on the day before.
select
    fetch_only.doc_id,
    case
        when night_delays.same_day >= night_delays.next_day then list_max(fetch_only.candidate_dates)
        else list_min(fetch_only.candidate_dates)
    end,
    'fetched_night',
    round(priors.weight * least(abs(ln(night_delays.same_day / night_delays.next_day)), 2), 3),
    'fetched the day of publication to the day after ' || night_delays.same_day || ':' || night_delays.next_day
from fetch_only
join staging.stg_documents as documents
    on documents.doc_id = fetch_only.doc_id
join staging.stg_date_priors as priors
    on priors.kind = 'fetched_night'
join night_delays
    on night_delays.run_id = documents.run_id
