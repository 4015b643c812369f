-- One row per date an article's verified copies or same-story articles lend it, as evidence.
-- Why: an article with no header at all is dated by its relatives' own dates (int_own_dates),
-- aligned through both leads' first time expression ("said Monday" against "yesterday said");
-- to an article with dates of its own, a relative may only choose between them.
-- @grain none: two lenders of the same source, date and confidence give two equal rows, and both count
with relatives as (
    -- The article's verified copies lend their dates; the articles it is paired with by story
    -- only lend theirs to an article with no date of its own (a story runs over days, so it must
    -- not overrule a header). Direct pairs only: a long chain of copies lends nothing extra.
    select
        doc_a as doc_id,
        doc_b as relative_doc_id,
        'copy_group' as relation
    from intermediate.int_copy_pairs
    union all
    select
        doc_b,
        doc_a,
        'copy_group'
    from intermediate.int_copy_pairs
    union all
    select
        pairs.doc_id,
        pairs.relative_doc_id,
        'story'
    from (
        select
            doc_a as doc_id,
            doc_b as relative_doc_id
        from intermediate.int_story_pairs
        union all
        select
            doc_b,
            doc_a
        from intermediate.int_story_pairs
    ) as pairs
    where pairs.doc_id not in (select doc_id from intermediate.int_own_dates)
),

lent_dates as (
    -- The relative's lead event date, moved back by this article's own first time expression:
    -- "yesterday said" is published the day after the event, "said Monday" on it.
    select
        relatives.doc_id,
        case
            when profiles.first_mention_kind = 'relative'
                then own.lead_event_date - try_cast(profiles.first_relative_days as integer)
            when profiles.first_mention_kind = 'weekday'
                and isodow(own.lead_event_date) = profiles.first_iso_weekday
                then own.lead_event_date
            else own.own_date
        end as candidate_date,
        relatives.relation as evidence_kind,
        round(priors.weight * own.own_confidence, 3) as weight,
        relatives.relation || ' ' || documents.source_id || ' dated ' || own.own_date as detail,
        own.own_confidence as lender_confidence
    from relatives
    join staging.stg_date_priors as priors
        on priors.kind = relatives.relation
    join intermediate.int_own_dates as own
        on own.doc_id = relatives.relative_doc_id
    join staging.stg_documents as documents
        on documents.doc_id = relatives.relative_doc_id
    join intermediate.int_date_profiles as profiles
        on profiles.doc_id = relatives.doc_id
    where own.own_confidence >= 0.6
),

anchored_dates as (
    -- The dates an article's own metadata proposes: its header (either reading), url, record
    -- date or dateline. An article with any of them is anchored.
    select distinct
        doc_id,
        candidate_date
    from intermediate.int_date_candidates
    where evidence_kind in ('header', 'header_swapped', 'url', 'metadata', 'dateline')
),

lenders as (
    select
        *,
        count(*) over (partition by doc_id, candidate_date) as lenders
    from lent_dates
)

-- A relative's date may choose between an anchored article's own dates (the two readings of an
-- ambiguous header), never bring a new one: copies run days apart, and a lead's "said Sunday" does
-- not say which day it was published (new dates overruled 10% of the true clean headers of a
-- synthetic 100k night). To an anchored article, a relative dated only by a bare ambiguous header
-- (confidence 0.68) lends only with a second relative agreeing: alone, two copies whose headers
-- differ in day/month order traded dates. Articles with no anchor take any date from 0.6 on.
select
    doc_id, -- the article
    candidate_date, -- the date a relative lends it
    evidence_kind, -- copy_group or story
    weight, -- the relation's prior weight (staging.stg_date_priors) times the lender's confidence
    detail -- which relative, and its own date
from lenders
where doc_id not in (select doc_id from anchored_dates)
    or (
        (lender_confidence >= 0.7 or lenders >= 2)
        and exists (
            select
                1
            from anchored_dates
            where anchored_dates.doc_id = lenders.doc_id
                and anchored_dates.candidate_date = lenders.candidate_date
        )
    )
