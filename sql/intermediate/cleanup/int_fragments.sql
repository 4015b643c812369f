-- One row per piece of a document that is not its article: an appended teaser of another story, a
-- photo caption, or page junk (navigation, share and comment prompts, ad slots).
-- Why: dumps carry whole pages (seed 002 ends with four teasers). These pieces leave the article
-- body but are kept, with their kind, so nothing in the input is silently lost.
-- @incremental doc_id = intermediate.int_changed_documents.doc_id
-- @grain doc_id, fragment_no
select
    doc_id, -- the document the fragment was split off
    row_number() over (partition by doc_id order by paragraph_no) as fragment_no, -- 1-based, in reading order
    case role
        when 'teaser' then 'appended_teaser'
        when 'caption' then 'photo_caption'
        else 'page_junk'
    end as fragment_kind, -- appended_teaser, photo_caption or page_junk
    paragraph_text as fragment_text -- the fragment as found
from intermediate.int_paragraph_roles
where role in ('teaser', 'caption', 'page_junk')
    and doc_id in (select doc_id from intermediate.int_changed_documents)
