-- One row per (outlet domain, shingle) that two different pages of that domain share: its template.
-- Why: a site prints the same promo block and menus on every page, so two of its stories shared
-- most shingles (naeb: 35 of 41 false copy pairs), and the global boilerplate rule needs 200
-- documents. A pair uses a shingle only if it was template when the pair arrived.
-- @grain outlet_domain, shingle
-- @merge: a night's pages reach the templates of every domain, but only through their shingles
with candidate_documents as (
    -- Pages are different when their urls and their titles differ (the same article at two urls
    -- keeps its title). Only documents in candidate pairs are read: a template big enough to matter
    -- makes its pages candidates. template_since keeps an update equal to a full build: a pair
    -- verified on an earlier night is not changed by a template found later.
    select
        key_a as doc_key
    from intermediate.int_copy_candidates
    union
    select
        key_b
    from intermediate.int_copy_candidates
),

pages as (
    -- A page is its title when it has one, else its url: two urls of one title are one article.
    -- Hashed: a group by on 8 bytes, not on the title.
    select
        documents.doc_key,
        documents.ingested_at,
        outlets.outlet_domain,
        hash(coalesce(lower(trim(documents.title)), documents.url)) as page
    from staging.stg_documents as documents
    join intermediate.int_article_outlets as outlets
        using (doc_id)
    where documents.doc_key in (select doc_key from candidate_documents)
        and outlets.outlet_domain is not null
        and documents.url is not null
),

earlier_pairs as (
    -- Candidate pairs of two documents the night did not compute: they stand as they were.
    select
        key_a,
        key_b
    from intermediate.int_copy_candidates
    where key_a not in (select doc_key from intermediate.int_changed_documents)
        and key_b not in (select doc_key from intermediate.int_changed_documents)
),

update_documents as (
    -- The documents whose shingles an update counts: the night's, and earlier pages that became
    -- candidates with them (no pair of two earlier documents names them).
    select
        doc_key
    from intermediate.int_changed_documents
    union
    select
        doc_key
    from candidate_documents
    where doc_key not in (select key_a from earlier_pairs)
        and doc_key not in (select key_b from earlier_pairs)
),

update_shingles as (
    -- Only the templates of these shingles can change: an update recomputes them, on every page.
    select distinct
        shingle
    from intermediate.int_shingles
    where doc_key in (select doc_key from update_documents)
        and doc_key in (select doc_key from pages)
),

read_shingles as (
    -- A full build reads every shingle; an update (is_update(), a constant) the ones it may change.
    select
        doc_key,
        shingle
    from intermediate.int_shingles
    where not is_update()
    union all
    select
        shingles.doc_key,
        shingles.shingle
    from intermediate.int_shingles as shingles
    semi join update_shingles
        on update_shingles.shingle = shingles.shingle
    where is_update()
),

shared_domains as (
    -- Only domains with two different pages among the candidates can have a template.
    select
        outlet_domain
    from pages
    group by outlet_domain
    having count(distinct page) >= 2
),

page_shingles as (
    -- Each page's shingles, with when the page was first ingested.
    select
        pages.outlet_domain,
        pages.page,
        shingles.shingle,
        min(pages.ingested_at) as ingested_at
    from pages
    join read_shingles as shingles
        on shingles.doc_key = pages.doc_key
    where pages.outlet_domain in (select outlet_domain from shared_domains)
    group by all
)

select
    outlet_domain, -- the url's registrable domain (intermediate.int_article_outlets)
    shingle, -- a shingle two of its different pages share
    min(ingested_at, 2)[2] as template_since -- when the second page carrying it was ingested: pairs verified before keep their verdict, as an update would have given it
from page_shingles
group by outlet_domain, shingle
having count(*) >= 2
