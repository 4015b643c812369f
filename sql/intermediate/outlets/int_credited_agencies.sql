-- One row per document: the wire agency its credit lines or its body credit the text to.
-- Why: the articles mart names each article's agency (its dateline's first, then this, then its
-- copies'). Kept per document, so a nightly update reads only its own documents' bodies.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id
select
    doc_id, -- the document
    coalesce(
        -- "Agencies - Xinhua" credits the text; "Photo: Reuters" or "AP Photo" only a picture.
        nullif(
            regexp_extract(
                array_to_string(
                    list_filter(
                        credits,
                        lambda credit: not regexp_matches(credit, '(?i)photo|picture|image|video|graphic')
                    ),
                    ' '
                ),
                '\b(' || text_agencies() || ')\b',
                1
            ),
            ''
        ),
        nullif(
            regexp_extract(
                left(body, text_read_limit()),
                '(?:\(|told |/)(' || text_agencies() || ')\b',
                1
            ),
            ''
        )
    ) as credited_agency -- from a credit line that is not a picture's, else "(AFP)", "told AFP" or "/AFP" in the body
from intermediate.int_document_parts
where doc_id in (select doc_id from intermediate.int_changed_documents)
