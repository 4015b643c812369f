-- One row per pair of articles, not verified copies of each other, that report the same event:
-- with the cosine similarity of their distinctive words.
-- Why: "which outlets covered this story" needs independent articles grouped, not only copies.
-- Pairs share 4 names, cosine >= 0.3 (two headlines: 3 words, a quarter of each one's), dated at
-- most 3 days apart. A pair depends on its two articles alone: an update pairs its own with all.
-- @incremental doc_a, doc_b = intermediate.int_changed_documents.doc_id
-- @grain doc_a, doc_b
with norms as (
    select
        doc_id,
        sqrt(sum(weight * weight)) as norm
    from intermediate.int_story_terms
    group by doc_id
),

candidate_terms as materialized (
    -- A name in hundreds of articles ("Trump") finds no story, only a quadratic join (a cap of
    -- 2,000 let a synthetic night of 100k articles run the join past 20 GB); an article with
    -- fewer than 4 other names (a headline: 3 words) pairs with nothing. Names in one article at
    -- the last full build stay: new since, they may pair a night's articles. Each name is ranked
    -- within its article from the most widespread down (ties by name), for the prefix filter
    -- below; `terms` counts the article's names kept here.
    select
        doc_key(doc_id) as doc_key,
        term,
        weight,
        headline,
        count(*) over (partition by doc_id) as terms,
        doc_id in (select doc_id from intermediate.int_changed_documents) as in_scope,
        row_number() over (
            partition by doc_id
            order by documents_with_term desc, term desc
        ) as widespread_rank
    from intermediate.int_story_terms
    where documents_with_term <= 500
    qualify count(*) over (partition by doc_id) >= if(headline, 3, 4)
),

rare_terms as (
    -- Each article's names but its two most widespread. Two articles sharing 4 names share at
    -- least 2 of these (a prefix filter: of the shared names in rare-first order, the second has
    -- two more shared names after it in either article, so it is not among either's last two).
    -- A headline keeps all but its most widespread word: two sharing 3 still share 2 of these.
    -- Joining these instead of every name: at 1M articles 79M joined rows instead of 306M, and
    -- 0.5M pairs left to verify instead of a quarter of a billion to count (40 s -> 13 s).
    select
        doc_key,
        term,
        in_scope
    from candidate_terms
    where widespread_rank > if(headline, 1, 2)
),

candidates as (
    -- Pairs with an article this build computes (every article in a full build), each once.
    select
        least(own.doc_key, other.doc_key) as key_a,
        greatest(own.doc_key, other.doc_key) as key_b
    from rare_terms as own
    join rare_terms as other
        on other.term = own.term
        and other.doc_key <> own.doc_key
        and (not other.in_scope or other.doc_key > own.doc_key)
    where own.in_scope
    group by all
    having count(*) >= 2
),

shared as (
    -- The candidates verified on all their names: at least 4 shared.
    select
        candidates.key_a,
        candidates.key_b,
        count(*) as shared_terms,
        sum(left_side.weight * right_side.weight) as dot_product,
        bool_and(left_side.headline and right_side.headline) as headlines
    from candidates
    join candidate_terms as left_side
        on left_side.doc_key = candidates.key_a
    join candidate_terms as right_side
        on right_side.doc_key = candidates.key_b
        and right_side.term = left_side.term
    group by all
    -- Two headlines: 3 shared words, a quarter of each one's (a 39-word body sharing 3 common
    -- words is no match); no cosine bar, which on UCI's tuning half only lost recall. Else 4 names.
    having if(
        bool_and(left_side.headline and right_side.headline),
        count(*) >= 3
        and 4 * count(*) >= greatest(any_value(left_side.terms), any_value(right_side.terms)),
        count(*) >= 4
    )
),

shared_documents as (
    select
        document_a.doc_id as doc_a,
        document_b.doc_id as doc_b,
        shared.shared_terms,
        shared.dot_product,
        shared.headlines
    from shared
    join staging.stg_documents as document_a
        on document_a.doc_key = shared.key_a
    join staging.stg_documents as document_b
        on document_b.doc_key = shared.key_b
)

select
    shared_documents.doc_a, -- one article (the smaller doc_id)
    shared_documents.doc_b, -- the other
    shared_documents.shared_terms, -- names (headlines: words) both mention
    round(shared_documents.dot_product / (norm_a.norm * norm_b.norm), 4) as similarity -- cosine of their name weights
from shared_documents
join norms as norm_a
    on norm_a.doc_id = shared_documents.doc_a
join norms as norm_b
    on norm_b.doc_id = shared_documents.doc_b
left join intermediate.int_own_dates as date_a
    on date_a.doc_id = shared_documents.doc_a
left join intermediate.int_own_dates as date_b
    on date_b.doc_id = shared_documents.doc_b
-- Verified copies are copies, not story pairs. Copies of one group that are not a verified pair
-- stay: groups change as copies arrive, pairs must not (int_stories and int_lent_dates skip them).
anti join intermediate.int_copy_pairs as copies
    on copies.doc_a = shared_documents.doc_a
    and copies.doc_b = shared_documents.doc_b
where (
    shared_documents.headlines
    or shared_documents.dot_product / (norm_a.norm * norm_b.norm) >= 0.3
)
    and coalesce(abs(date_diff('day', date_a.own_date, date_b.own_date)) <= story_days(), true)
