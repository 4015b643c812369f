"""Staging and clean-up models: given documents in, parsed rows out (in-memory DuckDB, no mocks)."""

from datetime import date

import pytest

from tests.conftest import build_warehouse, document, query, run_model, seed_documents


def parse(text: str, **metadata) -> dict:
    rows = run_model("staging.stg_documents", {"raw.documents": [document(text, **metadata)]})
    assert len(rows) == 1
    return rows[0]


def test_seed_style_header_is_split_from_dateline_and_body():
    row = parse(
        " date 2025-06-02 ISTANBUL: Ukraine said Monday (Jun 2) it was ready.\n\nMore text."
    )
    assert row["header_date_raw"] == "2025-06-02"
    assert row["header_date"] == date(2025, 6, 2)
    assert row["dateline"] == "ISTANBUL"
    assert row["body_text"].startswith("Ukraine said Monday (Jun 2)")


def test_impossible_header_is_kept_raw_but_not_used_as_a_date():
    row = parse(" date 2025-13-45 PARIS: Something happened today in the capital.")
    assert row["header_date_raw"] == "2025-13-45"
    assert row["header_date"] is None


HEADER_SHAPES = [
    # the text's opening, then (header_date_raw, header_date, header_precision, header_problem)
    (" date 2025-06-02 PARIS:", ("2025-06-02", date(2025, 6, 2), "day", None)),
    (" date 2025-06 PARIS:", ("2025-06", date(2025, 6, 1), "month", None)),
    (" date 2025 PARIS:", ("2025", date(2025, 1, 1), "year", None)),
    (
        " date 06/02/2025 PARIS:",
        ("06/02/2025", None, "invalid", "not a date (expected YYYY-MM-DD)"),
    ),
    (" date yesterday PARIS:", ("yesterday", None, "invalid", "not a date (expected YYYY-MM-DD)")),
    (
        " date 2025-06-02T25:61:00+25:00 PARIS:",
        ("2025-06-02T25:61:00+25:00", date(2025, 6, 2), "day", "impossible time of day, ignored"),
    ),
    (
        " date 2025-06-02T08:30:00+02:00 PARIS:",
        ("2025-06-02T08:30:00+02:00", date(2025, 6, 2), "day", None),
    ),
    (" date 2025-13-45 PARIS:", ("2025-13-45", None, "invalid", "no such day")),
    (" date 0000-00-00 PARIS:", ("0000-00-00", None, "invalid", "no such day")),
    (
        " date 2025-06-02\n date 2025-06-03\nPARIS:",
        ("2025-06-02", None, "invalid", "two headers disagree: 2025-06-02 and 2025-06-03"),
    ),
    (
        " date 2025-06-02 date 2025-06-02 PARIS:",
        ("2025-06-02", date(2025, 6, 2), "day", "header repeated"),
    ),
    (" date \nPARIS:", ("", None, "invalid", "empty header")),
    (" date\nPARIS:", ("", None, "invalid", "empty header")),
    ("PARIS:", (None, None, None, None)),
    ("dates PARIS:", (None, None, None, None)),
]


@pytest.mark.parametrize(("opening", "typed"), HEADER_SHAPES)
def test_a_header_of_any_shape_is_parsed_once_into_typed_columns(opening, typed):
    row = parse(opening + " The minister said on Monday the plan would go ahead.")
    columns = ("header_date_raw", "header_date", "header_precision", "header_problem")
    assert tuple(row[c] for c in columns) == typed
    if typed[0] is not None:  # every header, even a broken one, leaves the text
        assert row["dateline"] == "PARIS"
        assert row["body_text"].startswith("The minister said")


def test_a_header_read_day_first_is_typed_when_it_is_another_date():
    assert parse(" date 2025-02-06 PARIS: Text.")["header_swapped_date"] == date(2025, 6, 2)
    assert parse(" date 2025-13-05 PARIS: Text.")["header_swapped_date"] == date(2025, 5, 13)
    assert parse(" date 2025-06-15 PARIS: Text.")["header_swapped_date"] is None
    assert parse(" date 2025-06-06 PARIS: Text.")["header_swapped_date"] is None
    assert parse(" date 2025-06 PARIS: Text.")["header_swapped_date"] is None


def test_title_and_standfirst_lines_before_a_blank_line():
    row = parse(
        "Russia, Ukraine hold peace talks in Turkiye\n"
        "Delegations meet in Istanbul after a string of weekend drone attacks\n\n\n"
        "ISTANBUL — Delegations from Russia and Ukraine met in Turkiye on Monday."
    )
    assert row["title"] == "Russia, Ukraine hold peace talks in Turkiye"
    assert row["standfirst"].startswith("Delegations meet in Istanbul")
    assert row["dateline"] == "ISTANBUL"
    assert row["body_text"].startswith("Delegations from Russia")


def test_a_first_paragraph_sentence_is_not_mistaken_for_a_title():
    row = parse("Turkish Foreign Minister Hakan Fidan will mediate the talks.\n\nSecond paragraph.")
    assert row["title"] is None
    assert row["body_text"].startswith("Turkish Foreign Minister")


def test_metadata_title_wins_over_parsed_title():
    row = parse("Short headline here\n\nBody of the story.", title_hint="The real title")
    assert row["title"] == "The real title"


def test_wire_datelines_with_date_and_agency():
    row = parse("KUALA LUMPUR, April 1 (AFP) - Malaysia said on Tuesday that it would act.")
    assert (row["dateline"], row["dateline_date_text"], row["dateline_agency"]) == (
        "KUALA LUMPUR",
        "April 1",
        "AFP",
    )
    assert row["body_text"].startswith("Malaysia said")
    tass = parse("ISTANBUL, June 2. /TASS/. The talks began today.")
    assert (tass["dateline"], tass["dateline_date_text"], tass["dateline_agency"]) == (
        "ISTANBUL",
        "June 2",
        "TASS",
    )
    assert tass["body_text"].startswith("The talks began")


def test_paragraphs_split_on_blank_lines_and_undo_wrapping():
    doc = document("First paragraph that is\nwrapped over lines.\n\nSecond one.")
    stg = run_model("staging.stg_documents", {"raw.documents": [doc]})
    rows = run_model("staging.stg_paragraphs", {"staging.stg_documents": stg})
    assert [r["paragraph_text"] for r in sorted(rows, key=lambda r: r["paragraph_no"])] == [
        "First paragraph that is wrapped over lines.",
        "Second one.",
    ]


def test_paragraphs_are_lines_when_the_text_has_no_blank_lines():
    doc = document("Line one is a paragraph.\nLine two is another.\nLine three.")
    stg = run_model("staging.stg_documents", {"raw.documents": [doc]})
    rows = run_model("staging.stg_paragraphs", {"staging.stg_documents": stg})
    assert len(rows) == 3


def roles_of(conn, source_id):
    return query(
        conn,
        "select role, paragraph_text from intermediate.int_paragraph_roles"
        " join staging.stg_documents using (doc_id) where source_id = ? order by paragraph_no",
        [source_id],
    )


def test_seed_002_teasers_and_photo_credit_leave_the_body():
    conn = build_warehouse(seed_documents())
    roles = roles_of(conn, "002_0a0d1ceab96d88ad.txt")
    teasers = [r["paragraph_text"][:20] for r in roles if r["role"] == "teaser"]
    assert teasers == [
        "Four people jailed i",
        "The collapse of the ",
        "Poland is set to hol",
        "DENIAL: Musk said th",
    ]
    credits = [r["paragraph_text"] for r in roles if r["role"] == "credit"]
    assert credits == ["Photo: Reuters / Ukrainian Presidential Press Service"]
    article = query(
        conn,
        "select body, credits from articles where source_id = '002_0a0d1ceab96d88ad.txt'",
    )[0]
    assert "Birch glacier" not in article["body"] and "Photo: Reuters" not in article["body"]
    assert article["body"].endswith("along the border.")
    fragments = query(conn, "select fragment_kind, article_id from article_fragments")
    assert len(fragments) == 4 and {f["fragment_kind"] for f in fragments} == {"appended_teaser"}
    seed_002 = "select article_id from articles where source_id = '002_0a0d1ceab96d88ad.txt'"
    assert {f["article_id"] for f in fragments} == {query(conn, seed_002)[0]["article_id"]}


def test_agency_credit_line_is_moved_out_and_names_the_wire():
    conn = build_warehouse(seed_documents())
    row = query(
        conn, "select body, credits, wire_agency from articles where source_id like '004%'"
    )[0]
    assert row["credits"] == ["Agencies - Xinhua"]
    assert "Agencies - Xinhua" not in row["body"]
    assert row["wire_agency"] == "Xinhua"


def test_a_photo_credit_does_not_make_the_text_the_agencys():
    text = (
        " date 2025-06-03 LONDON: The prime minister spoke on Tuesday about the budget plans.\n\n"
        "AP Photo/Kirsty Wigglesworth\n\nShe said the plan would be published next month."
    )
    conn = build_warehouse([document(text)])
    row = query(conn, "select credits, wire_agency from articles")[0]
    assert row["credits"] == ["AP Photo/Kirsty Wigglesworth"]
    assert row["wire_agency"] is None


def test_an_article_whose_last_paragraph_is_cut_short_keeps_it():
    paragraphs = [f"Paragraph {i} of a normal story that ends properly." for i in range(6)]
    text = "\n\n".join(paragraphs + ["The final paragraph was cut off by the crawler in the mid"])
    conn = build_warehouse([document(text)])
    assert query(conn, "select count(*) as n from article_fragments")[0]["n"] == 0
    assert query(conn, "select body from articles")[0]["body"].endswith("in the mid")


def test_header_with_no_body_is_quarantined_not_published():
    conn = build_warehouse(
        [document(" date 2025-06-02 "), document("A real article body, long enough.")]
    )
    assert query(conn, "select count(*) as n from articles")[0]["n"] == 1
    rejected = query(conn, "select reason, stage from quarantine")
    assert rejected == [{"reason": "header with no article text", "stage": "transform"}]


def test_page_junk_and_photo_captions_become_fragments_with_their_kind():
    text = "\n\n".join(
        [
            " date 2025-06-03 KYIV: Officials said on Tuesday that the talks would resume.",
            "Home | World | Europe",
            "Ukrainian President Volodymyr Zelensky speaks in Kyiv on June 1, 2025."
            " REUTERS/Gleb Garanich",
            "The delegations are expected to meet again next week in Istanbul.",
            "Related Articles",
            "Share this article",
            "Comments on the proposal were due by Friday, the ministry said.",
            "Sign up for our newsletter",
        ]
    )
    conn = build_warehouse([document(text)])
    article = query(conn, "select body from articles")[0]["body"]
    assert article.split("\n\n") == [
        "Officials said on Tuesday that the talks would resume.",
        "The delegations are expected to meet again next week in Istanbul.",
        "Comments on the proposal were due by Friday, the ministry said.",
    ]
    kinds = query(
        conn, "select fragment_kind, fragment_text from article_fragments order by fragment_id"
    )
    assert sorted(k["fragment_kind"] for k in kinds) == [
        "page_junk",
        "page_junk",
        "page_junk",
        "page_junk",
        "photo_caption",
    ]
