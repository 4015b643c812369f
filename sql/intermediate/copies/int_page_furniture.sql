-- One row per (document, shingle) that the document shares with another page of its frame.
-- Why: a site's menus are no evidence for any pair with that page: a reprint under its header and
-- the page it borrowed it from shared only that (int_page_frames found the frame elsewhere).
-- Rebuilt whole; a pair uses a shingle only if it was furniture when the pair arrived.
-- @grain doc_key, shingle
with frame_sides as (
    select
        key_a as doc_key,
        key_b as partner_key,
        frame_since
    from intermediate.int_page_frames
    union all
    select
        key_b,
        key_a,
        frame_since
    from intermediate.int_page_frames
)

select
    frame_sides.doc_key, -- the page (doc_key of staging.stg_documents)
    shingles.shingle, -- a shingle it shares with another page of its frame
    min(frame_sides.frame_since) as furniture_since -- when the first frame showing it arrived: pairs verified before keep their verdict, as an update would have given it
from frame_sides
join intermediate.int_shingles as shingles
    on shingles.doc_key = frame_sides.doc_key
semi join intermediate.int_shingles as partner
    on partner.doc_key = frame_sides.partner_key
    and partner.shingle = shingles.shingle
group by frame_sides.doc_key, shingles.shingle
