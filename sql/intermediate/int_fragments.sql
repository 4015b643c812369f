-- One row per piece of a document that is not its article: an appended teaser of another story.
-- Why: dumps glue truncated teasers onto the end of a page (seed 002 ends with four). They leave
-- the article body but are kept, so nothing in the input is silently lost.
select
    doc_id, -- the document the fragment was split off
    row_number() over (partition by doc_id order by paragraph_no) as fragment_no, -- 1-based, in reading order
    'appended_teaser' as fragment_kind, -- what the fragment is
    paragraph_text as fragment_text -- the fragment as found
from intermediate.int_paragraph_roles
where role = 'teaser'
