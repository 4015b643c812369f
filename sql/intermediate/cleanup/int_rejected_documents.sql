-- One row per ingested document that breaks a row-level rule, with the reason.
-- Why: such documents must not become articles, but they must not vanish either: they go to the
-- quarantine mart where someone can see and fix them.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id
select
    documents.doc_id, -- the document
    documents.source_id, -- where it came from
    documents.source_path, -- the raw file
    documents.run_id, -- the run that ingested it
    case
        when parts.body is null and documents.header_date_raw is not null
            then 'header with no article text'
        when parts.body is null then 'no article text'
        else 'article text shorter than 20 characters'
    end as reason, -- the rule it breaks
    left(documents.header_date_raw || ' ' || coalesce(documents.body_text, ''), 300) as raw_excerpt -- the start of the document
from staging.stg_documents as documents
left join intermediate.int_document_parts as parts
    using (doc_id)
where documents.doc_id in (select doc_id from intermediate.int_changed_documents)
    and (
        parts.body is null
        or length(trim(parts.body)) < 20
    )
