-- One row per non-empty paragraph of a document's body, in order.
-- Why: credits, subheads and glued-on teasers are whole paragraphs; classifying them needs the
-- body split first. Texts with blank lines between paragraphs are split there (inner line breaks
-- are wrapping); texts without any blank line have one paragraph per line.
-- @incremental doc_id = build.new_documents.doc_id
with splits as (
    select
        doc_id,
        case
            when contains(body_text, e'\n\n')
                then regexp_split_to_array(body_text, '\n[ \t]*\n')
            else string_split(body_text, e'\n')
        end as pieces
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

paragraphs as (
    select
        splits.doc_id,
        piece.paragraph_text,
        piece.position
    from splits,
        unnest(splits.pieces) with ordinality as piece(paragraph_text, position)
)

select
    doc_id, -- the document the paragraph belongs to
    row_number() over (partition by doc_id order by position) as paragraph_no, -- 1-based, in reading order
    trim(regexp_replace(paragraph_text, '\s*\n\s*', ' ', 'g')) as paragraph_text, -- the paragraph, wrapping undone
    length(trim(paragraph_text)) as char_length, -- its length in characters
    not regexp_matches(
        trim(paragraph_text),
        '[.!?:;…"”’''»)\]]$'
    ) as is_unterminated -- true when it stops without closing punctuation (cut off)
from paragraphs
where trim(paragraph_text) <> ''
