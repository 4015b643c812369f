-- One row per domain of the outlet reference table (data/reference/outlets.csv): the outlet it
-- belongs to, its country and its kind.
-- Why: the reference is a reviewable CSV; this model types and normalizes it once for the others.
-- @grain domain
select distinct
    lower(trim(domain)) as domain, -- a registrable domain or a host ("news.yahoo.com")
    trim(outlet) as outlet, -- the outlet's canonical name
    nullif(trim(country), '') as country, -- ISO country code of the outlet
    trim(kind) as outlet_kind -- wire_agency, newspaper, broadcaster, magazine, online, aggregator or mirror
from raw.outlets
where coalesce(trim(domain), '') <> ''
