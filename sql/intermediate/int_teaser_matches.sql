-- One row per cut-off paragraph near the end of a document that repeats the opening of another
-- document: a teaser of that other story glued onto this page.
-- Why: a teaser is short and cut off like a truncated article paragraph, so its shape alone is
-- weak evidence; when the story it teases is in the warehouse too, its opening proves it. Left in
-- the body, a teaser would also make the two pages look like copies of each other.
with tails as (
    -- Cut-off paragraphs among the last six, never a document's first.
    select
        doc_key(doc_id) as doc_key,
        paragraph_no,
        text_words(paragraph_text) as word_list
    from staging.stg_paragraphs
    where is_unterminated
        and char_length >= 150
        and paragraph_no > 1
    qualify paragraph_no > max(paragraph_no) over (partition by doc_key) - 6
),

tail_shingles as (
    select
        doc_key,
        paragraph_no,
        unnest(shingle_hashes(word_list)) as shingle
    from tails
),

openings as (
    select
        doc_key,
        -- Words of the first 1,000 characters only: 80 words fit in them, and splitting whole
        -- bodies into words cost most of this model's time.
        text_words(left(body_text, 1000))[1:80] as word_list
    from staging.stg_documents
),

all_openings as (
    select
        doc_key,
        unnest(shingle_hashes(word_list)) as shingle
    from openings
),

opening_shingles as (
    -- The shingles of the first 80 words of each document's body, less those that open more than
    -- 200 documents: boilerplate ("said in a statement on"), not one story's opening. Their
    -- matches multiplied out (tail paragraphs x openings sharing them) made this model grow 47x
    -- for 10x the documents (445 s on a synthetic 1M night); a teased story still matches on its
    -- own words.
    select
        all_openings.doc_key,
        all_openings.shingle
    from all_openings
    semi join (
        select
            shingle
        from all_openings
        group by shingle
        having count(*) <= 200
    ) as story_shingles
        on story_shingles.shingle = all_openings.shingle
),

tail_sizes as (
    select
        doc_key,
        paragraph_no,
        count(*) as shingle_count
    from tail_shingles
    group by all
),

matches as (
    select
        tail_shingles.doc_key,
        tail_shingles.paragraph_no,
        opening_shingles.doc_key as teased_doc_key,
        round(count(*) / any_value(tail_sizes.shingle_count), 4) as overlap
    from tail_shingles
    join opening_shingles
        on opening_shingles.shingle = tail_shingles.shingle
        and opening_shingles.doc_key <> tail_shingles.doc_key
    join tail_sizes
        on tail_sizes.doc_key = tail_shingles.doc_key
        and tail_sizes.paragraph_no = tail_shingles.paragraph_no
    group by tail_shingles.doc_key, tail_shingles.paragraph_no, opening_shingles.doc_key
    having count(*) >= 0.5 * any_value(tail_sizes.shingle_count)
    qualify row_number() over (
        partition by tail_shingles.doc_key, tail_shingles.paragraph_no
        order by overlap desc, teased_doc_key
    ) = 1
)

select
    document.doc_id, -- the document the paragraph is in
    matches.paragraph_no, -- the paragraph
    teased.doc_id as teased_doc_id, -- the document whose opening it repeats
    matches.overlap -- share of the paragraph found in that opening
from matches
join staging.stg_documents as document
    on document.doc_key = matches.doc_key
join staging.stg_documents as teased
    on teased.doc_key = matches.teased_doc_key
