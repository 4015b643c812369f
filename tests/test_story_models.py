"""Stories: independent articles about one event grouped; copies never split across stories."""

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


def story_pairs_of(names_by_article: dict[str, dict[str, int]]) -> list[dict]:
    """int_story_pairs on its own, for articles given as {name: articles mentioning it}, every
    name weighing 1; each article is its own copy group and undated."""
    # Hex ids whose first 16 digits (the doc_key) fit a signed 64-bit integer.
    doc_ids = {article: "0" + article * 63 for article in names_by_article}
    return run_model(
        "intermediate.int_story_pairs",
        {
            "intermediate.int_story_terms": [
                {"doc_id": doc_ids[article], "term": name, "weight": 1.0, "documents_with_term": df}
                for article, names in names_by_article.items()
                for name, df in names.items()
            ],
            "staging.stg_documents": [
                {"doc_id": doc_id, "doc_key": int(doc_id[:16], 16)} for doc_id in doc_ids.values()
            ],
            # No article here is dated (the one row types the table).
            "intermediate.int_own_dates": [{"doc_id": "f" * 64, "own_date": date(2025, 6, 2)}],
            "intermediate.int_copy_groups": [
                {"doc_id": doc_id, "copy_group_doc_id": doc_id} for doc_id in doc_ids.values()
            ],
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
