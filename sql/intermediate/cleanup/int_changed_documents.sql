-- One row per document whose own rows this build computes: every document in a full build; in an
-- update the new ones and earlier ones with a tail paragraph that teases a new one.
-- Why: an update must give the tables a full rebuild would. A document's rows depend on its text
-- and on the openings its tail paragraphs repeat (int_paragraph_roles), which a night can add; it
-- matches as int_teaser_matches does (boilerplate_documents(), teaser_overlap()).
-- @grain doc_id
with added as (
    select
        doc_id,
        doc_key
    from build.new_documents
),

added_openings as (
    select
        doc_key,
        shingle
    from intermediate.int_opening_shingles
    where doc_key in (select doc_key from added)
),

earlier_tails as materialized (
    -- Materialized, so it is filtered before the join below: in a full build it is empty, and
    -- the join must not run over every tail first (65 s on a synthetic 1M night).
    select
        doc_key,
        paragraph_no,
        shingle
    from intermediate.int_tail_shingles
    where doc_key not in (select doc_key from added)
),

shared_tails as (
    -- Those of them found in an added opening at all (none in a full build).
    select
        doc_key,
        paragraph_no,
        shingle
    from earlier_tails
    semi join added_openings
        on added_openings.shingle = earlier_tails.shingle
),

boilerplate as (
    select
        shingle
    from intermediate.int_opening_shingles
    where shingle in (select shingle from shared_tails)
    group by shingle
    having count(*) > boilerplate_documents()
),

distinctive_tails as materialized (
    -- Boilerplate left out before pairing tails with openings, and materialized so it stays
    -- before: as a `not in` filter the optimizer applied it after the join, which made 182M rows
    -- on a synthetic 1M night for 1.4M tail shingles found in an added opening.
    select
        doc_key,
        paragraph_no,
        shingle
    from shared_tails
    anti join boilerplate
        on boilerplate.shingle = shared_tails.shingle
),

matched as (
    select
        distinctive_tails.doc_key,
        distinctive_tails.paragraph_no,
        added_openings.doc_key as added_key,
        count(*) as shared_shingles
    from distinctive_tails
    join added_openings
        on added_openings.shingle = distinctive_tails.shingle
    group by all
),

tail_sizes as (
    select
        doc_key,
        paragraph_no,
        count(*) as shingle_count
    from intermediate.int_tail_shingles
    where doc_key in (select doc_key from matched)
    group by all
),

earlier_tails_teasing_added as (
    -- As int_teaser_matches decides: half the tail paragraph's shingles in one opening. Sharing
    -- any shingle at all marked 166k earlier documents for 98k new ones on a synthetic 1M night.
    select distinct
        matched.doc_key
    from matched
    join tail_sizes
        using (doc_key, paragraph_no)
    where matched.shared_shingles >= teaser_overlap() * tail_sizes.shingle_count
)

select
    doc_id, -- the document
    doc_key -- its join key
from added
union all
select
    documents.doc_id,
    documents.doc_key
from staging.stg_documents as documents
semi join earlier_tails_teasing_added as teasing
    on teasing.doc_key = documents.doc_key
