-- The search terms of a text: its words (text_words), without stopwords and very short or long ones.
-- Why: the article_terms mart and `copydesk search` must cut texts and queries the same way, or a
-- query word would miss the row its article has. A stopword is in most articles and selects none.
create or replace temp macro search_stopwords() as [
    'a', 'about', 'after', 'all', 'also', 'an', 'and', 'any', 'are', 'as', 'at', 'be', 'been',
    'before', 'being', 'between', 'but', 'by', 'can', 'could', 'did', 'do', 'does', 'for', 'from',
    'had', 'has', 'have', 'he', 'her', 'hers', 'him', 'his', 'how', 'i', 'if', 'in', 'into', 'is',
    'it', 'its', 'may', 'me', 'more', 'most', 'my', 'no', 'not', 'of', 'on', 'one', 'or', 'other',
    'our', 'out', 'over', 'said', 'says', 'she', 'should', 'so', 'some', 'than', 'that', 'the',
    'their', 'them', 'then', 'there', 'these', 'they', 'this', 'those', 'to', 'up', 'us', 'was',
    'we', 'were', 'what', 'when', 'where', 'which', 'while', 'who', 'will', 'with', 'would', 'you',
    'your'
];

-- A word is a term when it has 2 to 40 characters and is no stopword: one letter or digit selects
-- half the corpus, and a longer run is a url, a hash or glued text, never a query.
create or replace temp macro is_search_term(word) as
    length(word) between 2 and 40 and not list_contains(search_stopwords(), word);

-- The distinct terms of a text, lowercased, in no particular order.
create or replace temp macro search_terms(text) as
    list_distinct(list_filter(text_words(text), lambda word: is_search_term(word)));
