-- One row per document: the wire agency its credit lines or its body credit the text to.
-- Why: the articles mart names each article's agency (its dateline's first, then this, then its
-- copies'). Credits are looked for in the title too. Kept per document, so a nightly update reads
-- only its own documents' bodies.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id
select
    parts.doc_id, -- the document
    coalesce(
        -- "Agencies - Xinhua" credits the text; "Photo: Reuters" or "AP Photo" only a picture.
        nullif(
            regexp_extract(
                array_to_string(
                    list_filter(
                        parts.credits,
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
                left(parts.body, text_read_limit()),
                '(?:\(|told |/)(' || text_agencies() || ')\b',
                1
            ),
            ''
        ),
        -- A title may carry the credit ("Ministers meet in Paris (AFP)", or a first paragraph
        -- "PARIS (AFP) - ..." a record's metadata gave as its title).
        nullif(
            regexp_extract(
                left(documents.title, 400),
                '(?:\(|told |/)(' || text_agencies() || ')\b',
                1
            ),
            ''
        )
    ) as credited_agency -- from a credit line that is not a picture's, else "(AFP)", "told AFP" or "/AFP" in the body, else in the title
from intermediate.int_document_parts as parts
join staging.stg_documents as documents
    using (doc_id)
where parts.doc_id in (select doc_id from intermediate.int_changed_documents)
