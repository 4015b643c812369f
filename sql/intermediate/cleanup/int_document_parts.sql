-- One row per document: its article body, its credit lines and how many teasers were split off.
-- Why: the articles mart publishes the cleaned body; credits and fragments stay traceable to it.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id
select
    doc_id, -- the document
    string_agg(paragraph_text, e'\n\n' order by paragraph_no)
        filter (where role in ('body', 'subhead')) as body, -- the article text, paragraphs separated by a blank line
    list(paragraph_text order by paragraph_no)
        filter (where role = 'credit') as credits, -- credit lines moved out of the body
    count(*) filter (where role = 'teaser') as teaser_count -- appended teasers split off as fragments
from intermediate.int_paragraph_roles
where doc_id in (select doc_id from intermediate.int_changed_documents)
group by doc_id
