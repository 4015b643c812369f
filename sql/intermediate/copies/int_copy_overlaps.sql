-- One row per candidate copy pair, verified: the shingles the two share and each one's size,
-- boilerplate left out of all three, either domain's outlet template out of the shared count.
-- Why: containment on the full shingle sets decides a copy (int_copy_pairs); leaving boilerplate
-- out of the shared count and the sizes keeps padded short articles from looking like copies, and
-- a site's template (intermediate.int_outlet_template_shingles) two of its stories.
-- @incremental key_a, key_b = intermediate.int_changed_documents.doc_key
-- @grain key_a, key_b
-- @slices 8: joined in one statement, every candidate's shingles outgrow the memory limit
with candidates as (
    -- The pairs with a document this build computes: the others keep their rows. A full build
    -- takes them one slice of the first key at a time (in_build_slice, sql/macros/keys.sql).
    select
        key_a,
        key_b
    from intermediate.int_copy_candidates
    where (
        key_a in (select doc_key from intermediate.int_changed_documents)
        or key_b in (select doc_key from intermediate.int_changed_documents)
    )
        and in_build_slice(key_a)
),

pair_shingles as materialized (
    -- The shingles of the candidates' documents only: every join below reads these, so a night
    -- hashes its pairs' shingles, not the whole warehouse's.
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    where doc_key in (
        select key_a from candidates
        union
        select key_b from candidates
    )
),

candidate_shingles as (
    -- The first article's shingles, once for each candidate partner.
    select
        candidates.key_a,
        candidates.key_b,
        shingles.shingle
    from candidates
    join pair_shingles as shingles
        on shingles.doc_key = candidates.key_a
),

verified as (
    -- Exactly: how many of them the partner has too (a semi join, so no pair of shingle lists
    -- is ever multiplied out).
    select
        key_a,
        key_b,
        count(*) as shared_shingles
    from candidate_shingles
    semi join pair_shingles as partner
        on partner.doc_key = candidate_shingles.key_b
        and partner.shingle = candidate_shingles.shingle
    group by key_a, key_b
),

verified_documents as (
    -- The only documents whose sizes are needed (an update would otherwise count the shingles
    -- of the whole warehouse again).
    select
        key_a as doc_key
    from verified
    union
    select
        key_b
    from verified
),

sizes as (
    select
        doc_key,
        count(*) as shingle_count
    from pair_shingles
    where doc_key in (select doc_key from verified_documents)
    group by doc_key
),

common_occurrences as (
    select
        doc_key,
        shingle
    from pair_shingles
    semi join intermediate.int_boilerplate_shingles as common
        on common.shingle = pair_shingles.shingle
    where doc_key in (select doc_key from verified_documents)
),

common_sizes as (
    select
        doc_key,
        count(*) as common_count
    from common_occurrences
    group by doc_key
),

common_of_a as (
    select
        verified.key_a,
        verified.key_b,
        common_a.shingle
    from verified
    join common_occurrences as common_a
        on common_a.doc_key = verified.key_a
),

pair_domains as (
    -- The outlet domains of each verified pair's two documents, for their templates.
    select
        verified.key_a,
        verified.key_b,
        outlet_a.outlet_domain as domain_a,
        outlet_b.outlet_domain as domain_b,
        greatest(document_a.ingested_at, document_b.ingested_at) as ingested_at
    from verified
    join staging.stg_documents as document_a
        on document_a.doc_key = verified.key_a
    join staging.stg_documents as document_b
        on document_b.doc_key = verified.key_b
    join intermediate.int_article_outlets as outlet_a
        on outlet_a.doc_id = document_a.doc_id
    join intermediate.int_article_outlets as outlet_b
        on outlet_b.doc_id = document_b.doc_id
    where outlet_a.outlet_domain in (select outlet_domain from intermediate.int_outlet_template_shingles)
        or outlet_b.outlet_domain in (select outlet_domain from intermediate.int_outlet_template_shingles)
),

pair_domain as (
    -- Each of the two domains of a pair on a row of its own: joined by `in (domain_a, domain_b)`
    -- the templates were a nested loop over every pair and every template shingle.
    select
        key_a,
        key_b,
        unnest([domain_a, domain_b]) as outlet_domain,
        ingested_at
    from pair_domains
),

template_of_a as (
    -- The first document's shingles in either document's outlet template: a site's promo block
    -- shared by two of its pages, or by sister sites of one network, is no evidence either.
    select distinct
        pair_domain.key_a,
        pair_domain.key_b,
        templates.shingle
    from pair_domain
    join intermediate.int_outlet_template_shingles as templates
        on templates.outlet_domain = pair_domain.outlet_domain
        -- a template found after the pair was verified does not change it (see the template model)
        and templates.template_since <= pair_domain.ingested_at
    semi join pair_shingles as shingles
        on shingles.doc_key = pair_domain.key_a
        and shingles.shingle = templates.shingle
),

excluded_of_a as (
    select
        key_a,
        key_b,
        shingle
    from common_of_a
    union
    select
        key_a,
        key_b,
        shingle
    from template_of_a
),

shared_common as (
    -- Boilerplate and template shingles the two share: taken off the count (a few rows per pair,
    -- so cheaper here than filtering every shingle row above). A semi join, as in verified: joined
    -- on the shingle first, the two sides' boilerplate multiplied out (33M rows at 20k articles,
    -- 3 s).
    select
        key_a,
        key_b,
        count(*) as common_shingles
    from excluded_of_a
    semi join pair_shingles as shingles_b
        on shingles_b.doc_key = excluded_of_a.key_b
        and shingles_b.shingle = excluded_of_a.shingle
    group by key_a, key_b
)

select
    verified.key_a, -- one article (doc_key of staging.stg_documents, the smaller)
    verified.key_b, -- the other
    verified.shared_shingles - coalesce(shared_common.common_shingles, 0) as shared_shingles, -- shingles both have, boilerplate and outlet templates left out
    size_a.shingle_count - coalesce(common_a.common_count, 0) as size_a, -- the first one's shingles, boilerplate left out
    size_b.shingle_count - coalesce(common_b.common_count, 0) as size_b, -- the second one's
    size_a.shingle_count as shingles_a, -- the first one's shingles, boilerplate included
    size_b.shingle_count as shingles_b -- the second one's
from verified
left join shared_common
    on shared_common.key_a = verified.key_a
    and shared_common.key_b = verified.key_b
join sizes as size_a
    on size_a.doc_key = verified.key_a
join sizes as size_b
    on size_b.doc_key = verified.key_b
left join common_sizes as common_a
    on common_a.doc_key = verified.key_a
left join common_sizes as common_b
    on common_b.doc_key = verified.key_b
