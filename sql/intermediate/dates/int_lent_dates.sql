-- One row per date an article's verified copies or same-story articles lend it, as evidence.
-- Why: an article with no header at all is dated by its relatives' own dates (int_own_dates),
-- aligned through both leads' first time expression ("said Monday" against "yesterday said");
-- to an article with dates of its own, a relative may only choose between them.
-- @grain none: two copies of the same source, date and confidence give two equal rows, and both count
-- @changes doc_id
with story_links as materialized (
    -- Story pairs both ways, of articles with no date of their own, with the article's copy group.
    -- Materialized before the relative's group is looked up: planned as one join, the two lookups
    -- became a cross product of every article with every other once story pairs were many.
    select
        pairs.doc_id,
        pairs.relative_doc_id,
        own_group.copy_group_doc_id
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
    join intermediate.int_copy_groups as own_group
        on own_group.doc_id = pairs.doc_id
    where pairs.doc_id not in (select doc_id from intermediate.int_own_dates)
),

relatives as (
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
        story_links.doc_id,
        story_links.relative_doc_id,
        'story'
    from story_links
    join intermediate.int_copy_groups as relative_group
        on relative_group.doc_id = story_links.relative_doc_id
    -- a story pair inside one copy group links copies, which lend as copies or not at all
    where story_links.copy_group_doc_id <> relative_group.copy_group_doc_id
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
        own.own_confidence as lender_confidence,
        relatives.relative_doc_id
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

own_candidates as (
    -- The dates the article's own evidence proposes; those of its header (either reading), url,
    -- record date or dateline anchor it.
    select
        doc_id,
        candidate_date,
        bool_or(evidence_kind in ('header', 'header_swapped', 'url', 'metadata', 'dateline')) as is_anchor
    from intermediate.int_date_candidates
    group by all
),

anchored_dates as (
    select
        doc_id,
        candidate_date
    from own_candidates
    where is_anchor
),

contradicted as (
    -- A date a story lends that the article's own words rule out: it names weekdays, and none
    -- falls on the date, the three days before or the day after ("on Monday" in a story lent a
    -- Friday); or it states month-days, and none lies within a month of the date ("May 16" in a
    -- story lent November). Such a date loses to the article's own dates (a story once lent a
    -- date years apart). A copy's date is not checked: its lender's own date already weighed the
    -- same words, and on a page dump the words include the furniture's dates (checking copies
    -- cost 4 of 72 undated reprints in bench/realpages.py's tuning night).
    select distinct
        lent_dates.doc_id,
        lent_dates.candidate_date
    from lent_dates
    join intermediate.int_date_profiles as profiles
        using (doc_id)
    where lent_dates.evidence_kind = 'story'
        and (
            (
                profiles.weekday_total > 0
                and weekday_support(profiles.weekday_counts, profiles.weekday_total, lent_dates.candidate_date) = 0
            )
            or (
                len(profiles.month_days) > 0
                and month_day_support(profiles.month_days, lent_dates.candidate_date) = 0
            )
        )
),

credible as (
    -- Lent dates the article's own words do not rule out; a ruled-out one only when the article
    -- has nothing else, neither a date of its own nor another lent date.
    select
        lent_dates.*
    from lent_dates
    where (lent_dates.doc_id, lent_dates.candidate_date) not in (select (doc_id, candidate_date) from contradicted)
        or (
            lent_dates.doc_id not in (select doc_id from own_candidates)
            and not exists (
                select
                    1
                from lent_dates as other_dates
                where other_dates.doc_id = lent_dates.doc_id
                    and (other_dates.doc_id, other_dates.candidate_date) not in (
                        select (doc_id, candidate_date) from contradicted
                    )
            )
        )
),

copies as (
    select
        *,
        count(*) over (partition by doc_id, candidate_date) as lenders
    from credible
    where evidence_kind = 'copy_group'
),

stories as (
    -- Story votes are not summed: eight loose neighbours of one event are not eight witnesses.
    -- The strongest lender of each date counts once (ties: the earliest source, so every run
    -- picks the same one), and only for an article no verified copy lends a date to: one copy
    -- of the same text outranks any number of story neighbours.
    select
        doc_id,
        candidate_date,
        evidence_kind,
        max(weight) as weight,
        first(detail order by weight desc, detail asc) as detail
    from credible
    where evidence_kind = 'story'
        and doc_id not in (select doc_id from copies)
    group by doc_id, candidate_date, evidence_kind
)

-- A relative's date may choose between an anchored article's own dates (the two readings of an
-- ambiguous header), never bring a new one: copies run days apart, and a lead's "said Sunday" does
-- not say which day it was published (new dates overruled 10% of the true clean headers of a
-- synthetic 100k night). To an anchored article, a copy dated only by a bare ambiguous header
-- (confidence 0.68) lends only with a second copy agreeing: alone, two copies whose headers
-- differ in day/month order traded dates. Articles with no anchor take any date from 0.6 on.
select
    doc_id, -- the article
    candidate_date, -- the date a relative lends it
    evidence_kind, -- copy_group or story
    weight, -- the relation's prior weight (staging.stg_date_priors) times the lender's confidence
    detail -- which relative, and its own date
from copies
where doc_id not in (select doc_id from anchored_dates)
    or (
        (lender_confidence >= 0.7 or lenders >= 2)
        and exists (
            select
                1
            from anchored_dates
            where anchored_dates.doc_id = copies.doc_id
                and anchored_dates.candidate_date = copies.candidate_date
        )
    )
union all
select
    doc_id,
    candidate_date,
    evidence_kind,
    weight,
    detail
from stories
