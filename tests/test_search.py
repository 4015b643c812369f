"""The search mart (article_terms) from given articles, and `copydesk search` on a warehouse."""

from tests.conftest import run_model

DOC_A = "2a" * 32  # below 2**63 as a key: pyarrow reads given keys as int64
DOC_B = "3b" * 32


def article(doc_id: str, title: str | None, body: str | None) -> dict:
    return {"doc_id": doc_id, "article_id": doc_id[:16], "title": title, "body": body}


def terms_model(articles: list[dict]) -> list[dict]:
    """The article_terms mart over the given articles, their body words split by their model."""
    parts = [{"doc_id": row["doc_id"], "body": row["body"]} for row in articles]
    words = run_model("intermediate.int_document_words", {"intermediate.int_document_parts": parts})
    return run_model(
        "main.article_terms",
        {"main.articles": articles, "intermediate.int_document_words": words},
    )


def terms_of(rows: list[dict]) -> dict[tuple[str, int], int]:
    return {(row["term"], row["article_key"]): row["occurrences"] for row in rows}


def test_title_and_text_become_lowercased_terms_counted_per_article():
    rows = terms_model(
        [
            article(DOC_A, "Ministry of Trade", "The ministry's trade deal, said the ministry."),
            article(DOC_B, None, "Trade talks in Genève: 2025 deal."),
        ]
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
    rows = terms_model([article(DOC_A, "It is a UN vote", "x " + "z" * 41 + " " + "y" * 40)])
    assert sorted(row["term"] for row in rows) == ["un", "vote", "y" * 40]


def test_only_the_first_text_read_limit_characters_are_read():
    body = "early " + "filler " * 10_000 + "late"
    rows = terms_model([article(DOC_A, None, body)])
    terms = {row["term"] for row in rows}
    assert {"early", "filler"} <= terms and "late" not in terms


def test_an_article_without_a_body_is_found_by_its_title():
    rows = terms_model([article(DOC_A, "Harbour strike", None), article(DOC_B, None, "Fog.")])
    key_a = int(DOC_A[:16], 16)
    assert sorted(row["term"] for row in rows if row["article_key"] == key_a) == [
        "harbour",
        "strike",
    ]
