"""Full-text search: the articles holding every word of a query, by the article_terms mart."""

from __future__ import annotations

import duckdb

# Every query word's rows of the mart (a range of its sorted terms each), how rare each is, then
# the articles holding all of them. The placeholders' count comes from the number of words, never
# their text. Rank: the sum over the words of log(1 + uses in the article) times log(1 +
# articles / articles using the word), so rare words used often count most; then newest first.
SEARCH_SQL = """
with postings as (
    select
        term,
        article_key,
        occurrences,
        count(*) over (partition by term) as articles_with_term
    from main.article_terms
    where term in ({placeholders})
),

matched as (
    select
        article_key,
        sum(
            ln(1 + occurrences)
            * ln(1 + (select count(*) from main.articles) / articles_with_term)
        ) as score
    from postings
    group by article_key
    having count(*) = ?
)

select
    articles.article_id,
    articles.published_date,
    articles.outlet,
    articles.title,
    round(matched.score, 3) as score
from matched
join main.articles as articles
    on articles.article_id = printf('%016x', matched.article_key)
order by matched.score desc, articles.published_date desc nulls last, articles.article_id
limit ?
"""


class NoSearchTerms(ValueError):
    """The query holds no word the mart keeps (empty, punctuation, stopwords, single letters)."""


def query_terms(conn: duckdb.DuckDBPyConnection, text: str) -> list[str]:
    """The query's terms, cut by the mart's own macro (search_terms), sorted."""
    terms = conn.execute("select list_sort(search_terms(?))", [text]).fetchall()[0][0]
    return list(terms or [])


def search(conn: duckdb.DuckDBPyConnection, text: str, limit: int) -> duckdb.DuckDBPyConnection:
    """Run the search on a connection holding the macros (read_only_connection(macros=True));
    returns the cursor of its result: article_id, published_date, outlet, title, score."""
    terms = query_terms(conn, text)
    if not terms:
        raise NoSearchTerms(
            "no word to search for: words of 2 to 40 letters or digits that are not stopwords"
        )
    sql = SEARCH_SQL.format(placeholders=", ".join("?" * len(terms)))
    return conn.execute(sql, [*terms, len(terms), max(limit, 0)])
