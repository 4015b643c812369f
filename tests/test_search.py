"""The search mart (article_terms) from given articles, and `copydesk search` on a warehouse."""

from tests.conftest import run_model

DOC_A = "a" * 64
DOC_B = "b" * 64


def article(doc_id: str, title: str | None, body: str | None) -> dict:
    return {"doc_id": doc_id, "article_id": doc_id[:16], "title": title, "body": body}


def terms_of(rows: list[dict]) -> dict[tuple[str, int], int]:
    return {(row["term"], row["article_key"]): row["occurrences"] for row in rows}


def test_title_and_text_become_lowercased_terms_counted_per_article():
    rows = run_model(
        "main.article_terms",
        {
            "main.articles": [
                article(
                    DOC_A, "Ministry of Trade", "The ministry's trade deal, said the ministry."
                ),
                article(DOC_B, None, "Trade talks in Genève: 2025 deal."),
            ]
        },
    )
    key_a, key_b = int(DOC_A[:16], 16), int(DOC_B[:16], 16)
    assert terms_of(rows) == {
        ("ministry", key_a): 3,
        ("trade", key_a): 2,
        ("deal", key_a): 1,
        ("trade", key_b): 1,
        ("talks", key_b): 1,
        ("genève", key_b): 1,
        ("2025", key_b): 1,
        ("deal", key_b): 1,
    }
    # Sorted by term, so a lookup reads only the row groups holding it.
    assert [row["term"] for row in rows] == sorted(row["term"] for row in rows)


def test_stopwords_one_letter_and_overlong_words_are_no_terms():
    rows = run_model(
        "main.article_terms",
        {"main.articles": [article(DOC_A, "It is a UN vote", "x " + "z" * 41 + " " + "y" * 40)]},
    )
    assert sorted(row["term"] for row in rows) == ["un", "vote", "y" * 40]


def test_only_the_first_text_read_limit_characters_are_read():
    body = "early " + "filler " * 10_000 + "late"
    rows = run_model("main.article_terms", {"main.articles": [article(DOC_A, None, body)]})
    terms = {row["term"] for row in rows}
    assert {"early", "filler"} <= terms and "late" not in terms
