"""Outlets: from the url's registrable domain, news-please's source_domain or a free-text name."""

import pytest

from tests.conftest import build_warehouse, document, query


def outlet_of(**metadata) -> dict:
    conn = build_warehouse([document("A short story long enough to publish.", **metadata)])
    return query(conn, "select outlet, outlet_domain, outlet_kind from articles")[0]


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        (
            {"url": "https://english.pravda.ru/news/world/2025/06/02/1.html"},
            ("Pravda.ru", "pravda.ru", "online"),
        ),
        (
            {"url": "https://www.japantimes.co.jp/news/2025/06/02/asia-pacific/x/"},
            ("The Japan Times", "japantimes.co.jp", "newspaper"),
        ),
        ({"url": "https://news.yahoo.com/some-story"}, ("Yahoo News", "yahoo.com", "aggregator")),
        (
            {"url": "https://web.archive.org/web/2025/https://x.com/"},
            ("Internet Archive", "archive.org", "mirror"),
        ),
        ({"outlet_hint": "Agence France-Presse"}, ("AFP", None, "wire_agency")),
        ({"outlet_hint": "Channel NewsAsia"}, ("CNA", None, "broadcaster")),
        ({"outlet_hint": "www.channelnewsasia.com"}, ("CNA", "channelnewsasia.com", "broadcaster")),
        (
            {"url": "https://blog.unknown-outlet.co.uk/p/1", "outlet_hint": "AFP"},
            ("unknown-outlet.co.uk", "unknown-outlet.co.uk", None),
        ),
    ],
)
def test_outlet_from_the_best_evidence(metadata, expected):
    row = outlet_of(**metadata)
    assert (row["outlet"], row["outlet_domain"], row["outlet_kind"]) == expected


def test_unknown_domains_are_listed_for_the_reference():
    conn = build_warehouse(
        [
            document(
                "A story from a site nobody listed yet.", url="https://news.example-daily.com.au/a"
            )
        ]
    )
    unknown = query(
        conn, "select outlet, domains, articles from dim_outlets where not in_reference"
    )
    assert unknown == [
        {"outlet": "example-daily.com.au", "domains": ["example-daily.com.au"], "articles": 1}
    ]


def test_story_mart_answers_who_ran_it_first():
    first = document(
        " date 2025-06-02 ISTANBUL: Delegations from Russia and Ukraine met at the Ciragan Palace in"
        " Istanbul, where Hakan Fidan opened talks with Rustem Umerov and Vladimir Medinsky.",
        url="https://www.aa.com.tr/en/world/talks/1",
    )
    copy = document(
        " date 2025-06-03 ISTANBUL: Delegations from Russia and Ukraine met at the Ciragan Palace in"
        " Istanbul, where Hakan Fidan opened talks with Rustem Umerov and Vladimir Medinsky. More.",
        url="https://www.dailysabah.com/politics/talks",
    )
    conn = build_warehouse([first, copy])
    story = query(conn, "select * from fct_stories")[0]
    assert story["first_outlet"] == "Anadolu"
    assert str(story["first_published_date"]) == "2025-06-02"
    assert story["outlets"] == ["Anadolu", "Daily Sabah"]
    assert (story["articles"], story["distinct_texts"], story["copies"]) == (2, 1, 1)


@pytest.mark.parametrize(
    "ending",
    [" in a statement:", " (in Paris)", ': "We will act."', ", “We will act.”"],
)
def test_a_first_line_opening_with_a_dateline_and_a_credit_is_no_title(ending):
    # A one-line first paragraph "CITY (AFP) - ..." ending in ":", ")" or a quote looks like a
    # title line; taken as one, it took the agency with it.
    text = (
        f" date 2025-06-02 PARIS (AFP) - The French president told reporters on Monday{ending}\n\n"
        "The ministers of the region met later in the afternoon to discuss the new measures.\n\n"
        "Officials said the talks would continue on Tuesday morning."
    )
    conn = build_warehouse([document(text)])
    row = query(conn, "select title, dateline, wire_agency from articles")[0]
    assert (row["title"], row["dateline"], row["wire_agency"]) == (None, "PARIS", "AFP")


def test_a_credit_in_the_title_names_the_wire_agency():
    text = (
        " date 2025-06-02 Ministers meet in Paris over new farm rules (AFP)\n\n"
        "The ministers of the region met in the afternoon to discuss the new measures.\n\n"
        "Officials said the talks would continue on Tuesday morning."
    )
    conn = build_warehouse([document(text)])
    row = query(conn, "select title, wire_agency from articles")[0]
    assert row["title"] == "Ministers meet in Paris over new farm rules (AFP)"
    assert row["wire_agency"] == "AFP"
