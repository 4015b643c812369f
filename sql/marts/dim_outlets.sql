-- One row per outlet that published at least one article, or that the reference table lists:
-- its kind, country, domains, whether the reference knows it, and how much it published.
-- Why: "outlets by volume" and "which domains should we add to the reference?" are daily
-- questions; unknown outlets keep their domain as the name and show in_reference = false.
-- @grain outlet
with published as (
    select
        outlet,
        any_value(outlet_kind) as outlet_kind,
        list(distinct outlet_domain) filter (where outlet_domain is not null) as domains,
        count(*) as articles,
        count(distinct story_id) as stories,
        min(published_date) as first_published_date,
        max(published_date) as last_published_date
    from main.articles
    where outlet is not null
    group by outlet
),

reference as (
    select
        outlet,
        any_value(outlet_kind) as outlet_kind,
        any_value(country) as country,
        list(domain order by domain) as domains
    from staging.stg_outlet_domains
    group by outlet
)

select
    coalesce(published.outlet, reference.outlet) as outlet, -- canonical name, or the domain of an unknown outlet
    coalesce(reference.outlet_kind, published.outlet_kind) as outlet_kind, -- wire_agency, newspaper, broadcaster, magazine, online, aggregator or mirror
    reference.country, -- ISO country code, from the reference
    coalesce(reference.domains, published.domains) as domains, -- its domains
    reference.outlet is not null as in_reference, -- false: add it to data/reference/outlets.csv
    coalesce(published.articles, 0) as articles, -- articles in the warehouse (fragments not counted)
    coalesce(published.stories, 0) as stories, -- distinct stories among them
    published.first_published_date, -- its earliest article
    published.last_published_date -- its latest article
from published
full outer join reference
    using (outlet)
