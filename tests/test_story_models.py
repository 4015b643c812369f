"""Stories: independent articles about one event grouped; copies never split across stories."""

import math
from datetime import date

from tests.conftest import build_warehouse, document, query, run_model, seed_documents


def test_all_five_seeds_are_one_story_and_004_is_not_a_copy():
    conn = build_warehouse(seed_documents())
    rows = query(
        conn,
        "select left(source_id, 3) as s, story_id, copy_group_id, wire_agency from articles"
        " order by s",
    )
    assert len({r["story_id"] for r in rows}) == 1
    assert rows[4]["copy_group_id"] != rows[0]["copy_group_id"]


def test_copies_without_a_credit_take_their_groups_wire_agency():
    conn = build_warehouse(seed_documents())
    agencies = dict(conn.execute("select left(source_id, 3), wire_agency from articles").fetchall())
    # 000 says "the source told AFP"; 001 and 003 carry no credit but are its copies.
    assert agencies == {"000": "AFP", "001": "AFP", "002": "AFP", "003": "AFP", "004": "Xinhua"}


def test_different_events_sharing_a_famous_name_are_different_stories():
    one = document(
        " date 2025-06-02 WASHINGTON: President Donald Trump signed an order on Monday on tariffs"
        " for Canadian steel, said Commerce Secretary Howard Lutnick in the Oval Office."
    )
    two = document(
        " date 2025-06-02 MIAMI: Hurricane forecasters at the National Hurricane Center warned on"
        " Monday that Tropical Storm Andrea would reach Florida, while Donald Trump golfed."
    )
    conn = build_warehouse([one, two])
    assert query(conn, "select count(distinct story_id) as n from articles")[0]["n"] == 2


def articles_on_the_same_names(first_date: str, second_date: str):
    one = document(
        f" date {first_date} PARIS: Emmanuel Macron hosted Friedrich Merz and Donald Tusk at the"
        " Elysee Palace, where the leaders of France, Germany and Poland discussed Ukraine."
    )
    two = document(
        f" date {second_date} BERLIN: Talks between Friedrich Merz, Emmanuel Macron and Donald"
        " Tusk on support for Ukraine ended at the Elysee Palace, officials in Germany said."
    )
    return build_warehouse([one, two])


def test_articles_naming_the_same_people_and_place_on_one_day_are_one_story():
    conn = articles_on_the_same_names("2025-06-20", "2025-06-20")
    assert query(conn, "select count(distinct story_id) as n from articles")[0]["n"] == 1


def test_the_same_names_weeks_apart_are_different_stories():
    conn = articles_on_the_same_names("2025-06-02", "2025-06-20")
    assert query(conn, "select count(distinct story_id) as n from articles")[0]["n"] == 2


def story_pairs_of(
    names_by_article: dict[str, dict[str, int]],
    copies: tuple[tuple[str, str], ...] = (),
    in_scope: str | None = None,
    headlines: str = "",
) -> list[dict]:
    """int_story_pairs on its own, for undated articles given as {name: articles mentioning it},
    every name weighing 1, with the verified copy pairs `copies`; `in_scope` names the articles an
    update computes (all of them when None), `headlines` those that are headlines."""
    # Hex ids whose first 16 digits (the doc_key) fit a signed 64-bit integer.
    doc_ids = {article: "0" + article * 63 for article in names_by_article}
    scope = {}
    if in_scope is not None:
        scope["intermediate.int_changed_documents"] = [
            {"doc_id": doc_ids[article], "doc_key": int(doc_ids[article][:16], 16)}
            for article in in_scope
        ]
    return run_model(
        "intermediate.int_story_pairs",
        {
            **scope,
            "intermediate.int_story_terms": [
                {
                    "doc_id": doc_ids[article],
                    "term": name,
                    "weight": 1.0,
                    "documents_with_term": df,
                    "headline": article in headlines,
                }
                for article, names in names_by_article.items()
                for name, df in names.items()
            ],
            "staging.stg_documents": [
                {"doc_id": doc_id, "doc_key": int(doc_id[:16], 16)} for doc_id in doc_ids.values()
            ],
            # No article here is dated (the one row types the table).
            "intermediate.int_own_dates": [{"doc_id": "f" * 64, "own_date": date(2025, 6, 2)}],
            "intermediate.int_copy_pairs": [
                {"doc_a": doc_ids[a], "doc_b": doc_ids[b]} for a, b in copies
            ]
            or [{"doc_a": "x", "doc_b": "y"}],
        },
    )


def test_four_shared_names_pair_articles_even_when_two_are_their_most_widespread():
    # The model joins each article's names but its two most widespread, and keeps pairs sharing
    # two of those (the prefix filter): here "ankara" and "fidan" are the two most widespread in
    # both articles, so only "umerov" and "medinsky" remain shared there, exactly two.
    shared = {"ankara": 300, "fidan": 200, "umerov": 3, "medinsky": 2}
    pairs = story_pairs_of(
        {
            "a": {**shared, "ciragan": 2, "hakan": 2},
            "b": {**shared, "bosphorus": 2},
            # Three of the four: too few names in common to be a story pair.
            "c": {"ankara": 300, "fidan": 200, "umerov": 3, "zelensky": 2},
        }
    )
    assert [(p["doc_a"][1], p["doc_b"][1], p["shared_terms"]) for p in pairs] == [("a", "b", 4)]
    assert pairs[0]["similarity"] == round(4 / (6**0.5 * 5**0.5), 4)


def stories_of(dates: dict[str, str | None], links: list[tuple[str, str]]) -> dict[str, set]:
    """int_stories on its own: one-letter articles (each its own copy group) with their own dates
    (None: undated) and story pairs; returns each story as the set of its articles."""
    doc_ids = {article: article * 64 for article in dates}
    rows = run_model(
        "intermediate.int_stories",
        {
            "intermediate.int_copy_groups": [
                {"doc_id": doc_id, "copy_group_doc_id": doc_id} for doc_id in doc_ids.values()
            ],
            "intermediate.int_own_dates": [
                {"doc_id": doc_ids[a], "own_date": date.fromisoformat(day)}
                for a, day in dates.items()
                if day
            ]
            or [{"doc_id": "f" * 64, "own_date": date(2025, 6, 2)}],
            "intermediate.int_story_pairs": [
                {
                    "doc_a": min(doc_ids[a], doc_ids[b]),
                    "doc_b": max(doc_ids[a], doc_ids[b]),
                    "shared_terms": 4,
                    "similarity": 0.5,
                }
                for a, b in links
            ],
        },
    )
    stories: dict[str, set] = {}
    for row in rows:
        stories.setdefault(row["story_doc_id"], set()).add(row["doc_id"][0])
    return {min(members): members for members in stories.values()}


def test_a_chain_of_story_pairs_across_three_years_splits():
    # Undated articles link dated ones years apart (story pairs check dates only when both sides
    # have one): as connected components this was one story over three years.
    dates = {"a": "2022-03-01", "u": None, "b": "2023-03-01", "v": None, "c": "2024-03-01"}
    stories = stories_of(dates, [("a", "u"), ("u", "b"), ("b", "v"), ("v", "c")])
    for members in stories.values():
        dated = [date.fromisoformat(dates[m]) for m in members if dates[m]]
        assert not dated or (max(dated) - min(dated)).days <= 6
    assert len(stories) >= 3


def test_two_stories_bridged_by_one_pair_stay_two():
    # Two events, each four articles all linked to each other, and one loose pair between them.
    one, two = "abcd", "efgh"
    links = [(x, y) for group in (one, two) for x in group for y in group if x < y] + [("d", "e")]
    stories = stories_of(dict.fromkeys(one + two, "2025-06-02"), links)
    assert sorted(stories.values(), key=min) == [set(one), set(two)]


def test_a_story_linked_around_one_centre_is_one_story_within_three_days():
    dates = {"a": "2025-06-02", "b": "2025-06-01", "c": "2025-06-04", "d": None, "e": "2025-06-09"}
    stories = stories_of(dates, [("a", "b"), ("a", "c"), ("a", "d"), ("a", "e")])
    # e lies 7 days after the centre a: it stands alone.
    assert sorted(stories.values(), key=min) == [{"a", "b", "c", "d"}, {"e"}]


SAME_EVENT = {"umerov": 3, "medinsky": 2, "ciragan": 2, "hakan": 2}


def test_verified_copies_are_no_story_pair():
    pairs = story_pairs_of({"a": SAME_EVENT, "b": SAME_EVENT}, copies=(("a", "b"),))
    assert pairs == []
    assert len(story_pairs_of({"a": SAME_EVENT, "b": SAME_EVENT})) == 1


def test_an_update_pairs_the_articles_it_computes_against_every_article():
    articles = {"a": SAME_EVENT, "b": SAME_EVENT, "c": SAME_EVENT}
    pairs = story_pairs_of(articles, in_scope="c")
    assert sorted((p["doc_a"][1], p["doc_b"][1]) for p in pairs) == [("a", "c"), ("b", "c")]
    # Both in scope: each pair once.
    assert len(story_pairs_of(articles, in_scope="bc")) == 3


def test_names_new_since_the_snapshot_pair_a_nights_articles():
    # Two new articles on an event whose names the last full build never saw (df 1 each).
    fresh = {"zorvath": 1, "kelmira": 1, "ostrava": 1, "pellin": 1}
    assert len(story_pairs_of({"a": fresh, "b": fresh}, in_scope="ab")) == 1


def test_headlines_pair_on_three_shared_words_that_are_a_quarter_of_each():
    # Headlines: every word is a term. Three shared words pair two headlines; a long article
    # still needs four shared names, and three shared words among 13 are too small a share.
    words = {"yellen": 5, "rates": 40, "considerable": 9}
    pairs = story_pairs_of(
        {
            "a": {**words, "stay": 30, "low": 50},
            "b": {**words, "keep": 30, "interest": 20, "time": 60},
            "c": {**words, "fed": 80, "bank": 50},
            "d": {**words, **{f"other{n}": 2 for n in range(10)}},
        },
        headlines="abd",
    )
    assert [(p["doc_a"][1], p["doc_b"][1], p["shared_terms"]) for p in pairs] == [("a", "b", 3)]


def test_a_headline_gets_all_its_words_as_terms_and_an_article_only_its_names():
    headline = document(
        "Fed's Yellen Says Rates To Stay Low For Considerable Time",
        format="jsonl",
        title_hint="Fed's Yellen Says Rates To Stay Low For Considerable Time",
    )
    article = document(
        " date 2025-06-02 WASHINGTON: Federal Reserve chair Janet Yellen said on Monday that"
        " interest rates would stay low for a considerable time, as hiring slowed across the"
        " country and prices rose more slowly than the central bank had expected this spring,"
        " leaving policymakers in no hurry to act before the summer."
    )
    conn = build_warehouse([headline, article])
    terms = query(
        conn,
        "select source_id, list_sort(list(term)) as terms, bool_and(headline) as headline"
        " from intermediate.int_story_names join staging.stg_documents using (doc_id)"
        " group by all order by headline",
    )
    names, words = terms
    # The article's terms are names only; the headline's every word of 3+ letters but stopwords.
    assert not names["headline"] and "janet" in names["terms"] and "rates" not in names["terms"]
    assert words["headline"]
    assert words["terms"] == ["considerable", "fed", "low", "rates", "stay", "time", "yellen"]


def test_headlines_on_one_event_pair_and_one_sharing_a_topic_word_does_not():
    headlines = {
        "one": "Fed's Yellen Says Rates To Stay Low For Considerable Time",
        "two": "Yellen: Fed will keep interest rates low for a considerable time",
        # Another Fed story: the topic word alone is no story.
        "other": "Fed's Plosser Says Weak Data Caused By Weather, Taper Should Go On",
    }
    conn = build_warehouse(
        [
            document(text, source_id=name, format="jsonl", title_hint=text)
            for name, text in headlines.items()
        ]
    )
    pairs = query(
        conn,
        "select a.source_id as a, b.source_id as b from intermediate.int_story_pairs"
        " join staging.stg_documents as a on a.doc_id = doc_a"
        " join staging.stg_documents as b on b.doc_id = doc_b",
    )
    assert [sorted((p["a"], p["b"])) for p in pairs] == [["one", "two"]]
    stories = dict(conn.execute("select source_id, story_id from articles").fetchall())
    assert stories["one"] == stories["two"] != stories["other"]


def story_terms_of(names: dict[str, dict[str, int]], idf: dict[str, int], documents: int):
    """int_story_terms for articles given as {name: mentions}, under a snapshot of `documents`
    articles where `idf` maps a name to the articles mentioning it."""
    return {
        (row["doc_id"], row["term"]): (row["weight"], row["documents_with_term"])
        for row in run_model(
            "intermediate.int_story_terms",
            {
                "intermediate.int_story_names": [
                    {"doc_id": doc, "term": term, "term_frequency": tf, "headline": False}
                    for doc, terms in names.items()
                    for term, tf in terms.items()
                ],
                "intermediate.int_story_idf": [
                    {"term": term, "documents_with_term": df, "documents": documents}
                    for term, df in idf.items()
                ],
            },
        )
    }


def test_story_terms_weigh_names_by_the_snapshot_and_new_names_as_the_rarest():
    terms = story_terms_of({"a": {"tusk": 2, "zorvath": 1}}, {"tusk": 9}, documents=5000)
    assert terms == {
        ("a", "tusk"): (round(2 * math.log(1 + 5000 / 9), 4), 9),
        ("a", "zorvath"): (round(math.log(1 + 5000 / 1), 4), 1),
    }


def test_the_idf_snapshot_counts_articles_naming_anything_at_least_1000():
    rows = run_model(
        "intermediate.int_story_idf",
        {
            "intermediate.int_story_names": [
                {"doc_id": doc, "term": term, "term_frequency": 1}
                for doc, terms in {"a": ["tusk", "merz"], "b": ["tusk"]}.items()
                for term in terms
            ]
        },
    )
    assert sorted((r["term"], r["documents_with_term"], r["documents"]) for r in rows) == [
        ("merz", 1, 1000),
        ("tusk", 2, 1000),
    ]
