-- Thresholds that more than one model decides by, each defined once so the models agree.
-- Why: int_changed_documents predicts which earlier documents int_teaser_matches will match anew,
-- so both must use the same limits; the copy models count boilerplate the same way.

-- A shingle in more than this many documents is boilerplate ("said in a statement on"), not one
-- story's words: teaser and copy matching leave it out.
create or replace temp macro boilerplate_documents() as 200;

-- A tail paragraph teases a document when at least this share of its shingles is in that
-- document's opening.
create or replace temp macro teaser_overlap() as 0.5;

-- Days a publication date may lie after the page was seen (its fetch, else its ingest): a day of
-- time zones. A later header is ruled out, a later dateline year or candidate dropped.
create or replace temp macro time_zone_days() as 1;

-- Characters of a text or a paragraph that the models running regular expressions, word splits
-- or shingles over it read (date mentions, names, credits, shingles, the early-year check): a news
-- article is a few thousand characters, and one 10 MB line read whole exhausted a night's memory.
-- The body itself is kept whole.
create or replace temp macro text_read_limit() as 65536;

-- The earliest publication date a header, url or metadata may give unless the article's text
-- states its year: earlier ones are mostly empty timestamps (1970-01-01) and archive stubs.
create or replace temp macro earliest_news_date() as date '1990-01-01';

-- Days a story link may reach from the story's centre: every dated article of a story joined by
-- story links lies within this many days of its centre's earliest date (int_stories), as two
-- story pairs' dates may lie apart (int_story_pairs). A story spans at most twice this.
create or replace temp macro story_days() as 3;

-- The share of the shorter text a copy pair shares (int_copy_pairs: its verification, the
-- excerpt rule below it and the bound on pairs worth stripping of furniture): separate articles
-- sharing a background paragraph reach 0.29.
create or replace temp macro copy_containment() as 0.35;

-- The share of a star's other members (its centre counts) that a member of a copy group or a story
-- must be linked to: a group or story linked to a centre by one pair only, while the centre's
-- other members link to each other, is a bridge to another group (int_copy_groups, int_stories).
create or replace temp macro star_share() as 1 / 3;

-- A pair whose shared shingles are placed in both texts (int_shared_runs): 40 shared, one long
-- run's worth, and a tenth of the shorter text. Two excerpts of one long text overlap by a seventh
-- of the shorter (int_copy_pairs); a page frame big enough to matter shares a tenth (int_page_frames).
create or replace temp macro is_placed_pair(shared_shingles, shorter_size) as
    shared_shingles >= 40 and shared_shingles / shorter_size >= 0.1;
