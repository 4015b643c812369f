-- One row per document: the outlet that published it, from the best evidence, and whether the
-- outlet reference table knows it.
-- Why: users ask which outlets ran a story. Best is the url's host on its longest known suffix
-- (news.yahoo.com is Yahoo News), then news-please's source_domain, then a free-text outlet;
-- unknown hosts keep their registrable domain, to be added to the reference.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id
with documents as (
    select
        doc_id,
        outlet_hint,
        nullif(
            regexp_replace(
                lower(regexp_extract(url, '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^/:?#]+)', 1)),
                '^www[0-9]*\.',
                ''
            ),
            ''
        ) as url_host,
        -- news-please's source_domain is a host name; a free-text hint ("AFP") is not
        case
            when regexp_matches(lower(trim(outlet_hint)), '^[a-z0-9-]+(\.[a-z0-9-]+)+$')
                then regexp_replace(lower(trim(outlet_hint)), '^www[0-9]*\.', '')
        end as hint_host
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

hosts as (
    select distinct
        coalesce(url_host, hint_host) as host
    from documents
    where coalesce(url_host, hint_host) is not null
),

host_suffixes as (
    -- Each host with every suffix of it at a dot (news.yahoo.com, yahoo.com, com): a reference
    -- domain matches the host or a parent of it on equality, never a join on `like`.
    select
        host,
        unnest(
            list_transform(
                range(1, len(string_split(host, '.')) + 1),
                lambda first_label: array_to_string(string_split(host, '.')[first_label:], '.')
            )
        ) as host_suffix
    from hosts
),

host_outlets as (
    -- Each distinct host once: its registrable domain and its longest matching reference domain.
    select
        host_suffixes.host,
        registrable_domain(host_suffixes.host) as registrable,
        arg_max(reference.outlet, length(reference.domain)) as outlet,
        arg_max(reference.outlet_kind, length(reference.domain)) as outlet_kind,
        arg_max(reference.country, length(reference.domain)) as country
    from host_suffixes
    left join staging.stg_outlet_domains as reference
        on reference.domain = host_suffixes.host_suffix
    group by all
),

outlet_facts as (
    select
        outlet,
        any_value(outlet_kind) as outlet_kind,
        any_value(country) as country
    from staging.stg_outlet_domains
    group by outlet
)

select
    documents.doc_id, -- the document
    coalesce(
        host_outlets.outlet,
        aliases.outlet,
        host_outlets.registrable,
        nullif(trim(documents.outlet_hint), '')
    ) as outlet, -- canonical outlet name, else the registrable domain, else the record's outlet text
    coalesce(host_outlets.registrable, host_outlets.host) as outlet_domain, -- registrable domain of the url (or source_domain)
    coalesce(host_outlets.outlet_kind, facts.outlet_kind) as outlet_kind, -- wire_agency, newspaper, broadcaster, ..., aggregator or mirror
    coalesce(host_outlets.country, facts.country) as outlet_country, -- the outlet's country
    case
        when documents.url_host is not null then 'url'
        when documents.hint_host is not null then 'source_domain'
        when aliases.outlet is not null then 'outlet_name'
        when documents.outlet_hint is not null then 'outlet_text'
        else 'none'
    end as outlet_evidence, -- what named the outlet
    coalesce(host_outlets.outlet, aliases.outlet) is not null as outlet_in_reference -- false: a domain to add to data/reference/outlets.csv
from documents
left join host_outlets
    on host_outlets.host = coalesce(documents.url_host, documents.hint_host)
left join staging.stg_outlet_aliases as aliases
    on documents.url_host is null
    and documents.hint_host is null
    and aliases.alias_key = regexp_replace(lower(documents.outlet_hint), '[^\p{L}\p{N}]+', '', 'g')
left join outlet_facts as facts
    on facts.outlet = aliases.outlet
