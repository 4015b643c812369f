-- One row per non-empty paragraph of a document's body, in order.
-- Why: credits, subheads and glued-on teasers are whole paragraphs; classifying them needs the
-- body split first. Texts with blank lines between paragraphs are split there (inner line breaks
-- are wrapping); texts without any blank line have one paragraph per line.
-- @incremental doc_id = build.new_documents.doc_id
-- @grain doc_id, paragraph_no
with splits as (
    -- Empty pieces are dropped from the list before it is unnested, so its ordinality is already
    -- the paragraph number (numbering the rows left after a filter took a window sort: 25.6 s ->
    -- 21.3 s for the 6.7M paragraphs of a synthetic 1M night).
    select
        doc_id,
        list_filter(
            case
                when contains(body_text, e'\n\n')
                    then regexp_split_to_array(body_text, '\n[ \t]*\n')
                else string_split(body_text, e'\n')
            end,
            lambda piece: trim(piece) <> ''
        ) as pieces
    from staging.stg_documents
    where doc_id in (select doc_id from build.new_documents)
),

paragraphs as (
    select
        splits.doc_id,
        piece.paragraph_text,
        piece.paragraph_no
    from splits,
        unnest(splits.pieces) with ordinality as piece (paragraph_text, paragraph_no)
)

select
    doc_id, -- the document the paragraph belongs to
    paragraph_no, -- 1-based, in reading order
    case
        when contains(paragraph_text, e'\n')
            then trim(regexp_replace(paragraph_text, '\s*\n\s*', ' ', 'g'))
        else trim(paragraph_text)
    end as paragraph_text, -- the paragraph, wrapping undone
    length(trim(paragraph_text)) as char_length, -- its length in characters
    not regexp_matches(
        right(trim(paragraph_text), 1), -- its last character: no regexp over a huge paragraph
        '[.!?:;…"”’''»)\]]$'
    ) as is_unterminated -- true when it stops without closing punctuation (cut off)
from paragraphs
