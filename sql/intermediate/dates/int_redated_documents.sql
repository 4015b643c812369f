-- One row per document whose date evidence this build computes: every document in a full build;
-- in an update those it computes and those whose lent or night-calibrated dates changed.
-- Why: an article's evidence comes from its own rows and from its relatives' dates, which a night
-- can change for an earlier article (a new copy lends it a date, a story loses it); every other
-- article's evidence stays as it was, so its evidence and date are rewritten for these only.
-- @grain doc_id
select doc_id -- the document
from intermediate.int_changed_documents
union
select doc_id from build.changed_int_lent_dates
union
select doc_id from build.changed_int_fetch_night_dates
