-- One row per fragment split off an article's document: a teaser of another story glued to the
-- page, a photo caption or page junk, with the article it came from.
-- Why: these pieces leave the article body but are kept, so nothing in the input is silently lost;
-- a table of their own keeps articles one row per article.
-- @grain fragment_id
select
    left(doc_id, 16) || '-f' || fragments.fragment_no as fragment_id, -- stable id: the article's id suffixed -fN
    articles.article_id, -- the article it was split off
    doc_id, -- sha256 of the document both came from
    fragments.fragment_no, -- 1-based, in reading order
    fragments.fragment_kind, -- appended_teaser, photo_caption or page_junk
    fragments.fragment_text, -- the fragment as found
    articles.source_id, -- the record's id or the raw file path (with :LINE for JSONL)
    articles.url, -- the page's url, when the record had one
    articles.outlet, -- who published the page
    articles.outlet_domain, -- the registrable domain of its url
    articles.run_id, -- the run that ingested the document
    articles.ingested_at -- when it was ingested
from intermediate.int_fragments as fragments
join main.articles as articles
    using (doc_id)
