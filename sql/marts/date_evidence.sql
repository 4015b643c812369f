-- One row per piece of evidence for a candidate publication date of an article.
-- Why: users and the quality dashboard can see why a date was chosen (or repaired): every
-- candidate, the kind and weight of its evidence, its total score and which one won.
-- @grain none: as intermediate.int_date_evidence, two lenders may give equal rows
select
    left(evidence.doc_id, 16) as article_id, -- the article (articles.article_id)
    evidence.candidate_date, -- a candidate publication date
    evidence.evidence_kind, -- header, header_swapped, url, url_timestamp, page_date, page_recent, metadata, dateline, night, fetched_at, fetched_night, weekdays, copy_group or story
    evidence.weight, -- prior weight of this piece of evidence
    evidence.detail, -- the evidence as written
    evidence.date_score, -- the candidate date's total score
    evidence.date_rank, -- 1 for the chosen date
    evidence.is_chosen -- true on the rows of the chosen date
from intermediate.int_date_evidence as evidence
