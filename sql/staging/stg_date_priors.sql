-- One row per kind of date evidence with its prior weight (data/reference/date_priors.csv).
-- Why: the date models weigh each kind of evidence by these; kept in one reviewable table, each
-- with its reason, instead of as numbers scattered through the models.
-- @grain kind
select
    trim(kind) as kind, -- header_unambiguous, header_ambiguous, ..., copy_group or story
    try_cast(weight as double) as weight, -- the prior weight (for fetched_hour and fetched_log_odds_undated: a scale)
    why -- why this weight
from raw.date_priors
