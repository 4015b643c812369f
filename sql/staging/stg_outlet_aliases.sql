-- One row per name an outlet goes by in free text ("Agence France-Presse", "Channel NewsAsia"),
-- reduced to lowercase letters and digits, with the outlet it names.
-- Why: records often carry an outlet as free text rather than a url; the key makes "Agence
-- France-Presse" and "AGENCE FRANCE PRESSE" the same name.
-- @grain alias_key
with names as (
    select
        trim(outlets.outlet) as outlet,
        trim(alias.name) as name
    from raw.outlets as outlets,
        unnest(string_split(coalesce(outlets.aliases, ''), '|')) as alias (name)
    union all
    select
        trim(outlet),
        trim(outlet)
    from raw.outlets
)

select
    regexp_replace(lower(name), '[^\p{L}\p{N}]+', '', 'g') as alias_key, -- the name, lowercase letters and digits only
    min(outlet) as outlet -- the outlet it names (the first by name where two share an alias)
from names
where name <> ''
group by all
