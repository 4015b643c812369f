"""Stories: independent articles about one event grouped; copies never split across stories."""

from tests.conftest import build_warehouse, document, query, seed_documents


def test_all_five_seeds_are_one_story_and_004_is_not_a_copy():
    conn = build_warehouse(seed_documents())
    rows = query(
        conn,
        "select left(source_id, 3) as s, story_id, copy_group_id, wire_agency from articles"
        " where not is_fragment order by s",
    )
    assert len({r["story_id"] for r in rows}) == 1
    assert rows[4]["copy_group_id"] != rows[0]["copy_group_id"]


def test_copies_without_a_credit_take_their_groups_wire_agency():
    conn = build_warehouse(seed_documents())
    agencies = dict(
        conn.execute(
            "select left(source_id, 3), wire_agency from articles where not is_fragment"
        ).fetchall()
    )
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
