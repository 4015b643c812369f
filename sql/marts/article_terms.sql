-- One row per search term of an article (a word of its title or text) and that article.
-- Why: looking a word up here answers in milliseconds, where matching it against every body reads
-- the whole text column; `copydesk search` and analysts' word searches read this table.
-- @grain term, article_key
-- @incremental article_key = intermediate.int_changed_documents.doc_key
with article_words as (
    -- The title's words, then the text's as int_document_words split them (its opening
    -- text_read_limit() characters): only the short title is split here.
    select
        doc_key(articles.doc_id) as article_key,
        list_concat(
            text_words(left(articles.title, text_read_limit())), word_list(body_words.word_text)
        ) as words
    from main.articles
    left join intermediate.int_document_words as body_words
        on body_words.doc_key = doc_key(articles.doc_id)
    where articles.doc_id in (select doc_id from intermediate.int_changed_documents)
),

occurrences as (
    select
        article_key,
        unnest(words) as term
    from article_words
)

select
    term, -- a lowercased word of the title or text: 2-40 letters and digits, no stopword
    article_key, -- the article: its article_id as an integer, ('0x' || article_id)::ubigint
    count(*) as occurrences -- how many times the title and the text read use the term
from occurrences
where is_search_term(term)
group by term, article_key
-- Sorted by the term's first 6 characters, so a lookup of a few terms reads only the row groups
-- whose range holds them: sorting by the whole term and the key compared every tie in full.
order by left(term, 6)
