-- One row per cut-off paragraph near the end of a document that repeats the opening of another
-- document: a teaser of that other story glued onto this page.
-- Why: a teaser is short and cut off like a truncated article paragraph, so its shape alone is
-- weak evidence; when the story it teases is in the warehouse too, its opening proves it. Left in
-- the body, a teaser would also make the two pages look like copies of each other.
with tails as (
    -- Cut-off paragraphs among the last six, never a document's first.
    select
        doc_id,
        paragraph_no,
        text_words(paragraph_text) as word_list
    from staging.stg_paragraphs
    where is_unterminated
        and char_length >= 150
        and paragraph_no > 1
    qualify paragraph_no > max(paragraph_no) over (partition by doc_id) - 6
),

tail_shingles as (
    select
        doc_id,
        paragraph_no,
        unnest(shingle_hashes(word_list)) as shingle
    from tails
),

openings as (
    select
        doc_id,
        text_words(body_text)[1:80] as word_list
    from staging.stg_documents
),

opening_shingles as (
    -- The shingles of the first 80 words of each document's body.
    select
        doc_id,
        unnest(shingle_hashes(word_list)) as shingle
    from openings
),

tail_sizes as (
    select
        doc_id,
        paragraph_no,
        count(*) as shingle_count
    from tail_shingles
    group by all
)

select
    tail_shingles.doc_id, -- the document the paragraph is in
    tail_shingles.paragraph_no, -- the paragraph
    opening_shingles.doc_id as teased_doc_id, -- the document whose opening it repeats
    round(count(*) / any_value(tail_sizes.shingle_count), 4) as overlap -- share of the paragraph found in that opening
from tail_shingles
join opening_shingles
    on opening_shingles.shingle = tail_shingles.shingle
    and opening_shingles.doc_id <> tail_shingles.doc_id
join tail_sizes
    on tail_sizes.doc_id = tail_shingles.doc_id
    and tail_sizes.paragraph_no = tail_shingles.paragraph_no
group by tail_shingles.doc_id, tail_shingles.paragraph_no, opening_shingles.doc_id
having count(*) >= 0.5 * any_value(tail_sizes.shingle_count)
qualify row_number() over (
    partition by tail_shingles.doc_id, tail_shingles.paragraph_no order by overlap desc, teased_doc_id
) = 1
