"""Date normalization: evidence in, one published_date with its source and confidence out."""

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from copydesk.ingest.decode import doc_id_of
from copydesk.warehouse.models import load_models
from tests.conftest import build_warehouse, document, query, run_model, seed_documents


def dates_by_source(conn) -> dict[str, tuple]:
    rows = query(
        conn,
        "select source_id, published_date, date_source, date_confidence from articles",
    )
    return {
        r["source_id"]: (r["published_date"], r["date_source"], r["date_confidence"]) for r in rows
    }


def date_of(text: str, **metadata) -> tuple:
    conn = build_warehouse([document(text, source_id="only", **metadata)])
    return dates_by_source(conn)["only"][:2]


def test_seeds_are_dated_as_their_stories_say():
    dates = dates_by_source(build_warehouse(seed_documents()))
    assert dates["000_26e8e96977f2cfc8.txt"][:2] == (date(2025, 6, 2), "header")
    assert dates["001_e310add10be32e4f.txt"][:2] == (date(2025, 6, 2), "header")
    # " date 2025-02-06" on a story of Monday 2 June: its "Monday" is a Thursday in February.
    assert dates["003_53b6467d699949e3.txt"][:2] == (date(2025, 6, 2), "header_inverted")
    # No header: its copies say Monday 2 June, and it says "yesterday" where they say "Monday".
    assert dates["002_0a0d1ceab96d88ad.txt"][:2] == (date(2025, 6, 3), "copy_group")
    # No header and no copy: the other articles of its story date "met ... on Monday" to 2 June.
    assert dates["004_0c9012ae0086f524.txt"][:2] == (date(2025, 6, 2), "story")


def test_repair_of_seed_003_shows_its_evidence():
    conn = build_warehouse(seed_documents())
    evidence = query(
        conn,
        "select candidate_date, evidence_kind, is_chosen from date_evidence"
        " join articles using (article_id) where source_id like '003%' order by all",
    )
    chosen = {(e["candidate_date"], e["evidence_kind"]) for e in evidence if e["is_chosen"]}
    assert (date(2025, 6, 2), "header_swapped") in chosen
    assert (date(2025, 6, 2), "copy_group") in chosen
    assert {e["evidence_kind"] for e in evidence if not e["is_chosen"]} == {"header"}
    assert query(conn, "select header_date_raw from articles where source_id like '003%'")[0] == {
        "header_date_raw": "2025-02-06"
    }


def test_unambiguous_header_is_kept():
    assert date_of(" date 2025-06-15 PARIS: The minister said on Sunday it would go ahead.") == (
        date(2025, 6, 15),
        "header",
    )


def test_inverted_header_is_repaired_from_weekdays_alone():
    text = (
        " date 2025-02-06 ISTANBUL: Officials met on Monday for talks."
        "\n\nThey arrived on Sunday evening.\n\nMonday's meeting lasted an hour."
    )
    assert date_of(text) == (date(2025, 6, 2), "header_inverted")


def test_inverted_header_is_repaired_from_a_stated_month_day():
    text = " date 2025-02-06 ISTANBUL: Ukraine said (Jun 2) it was ready to take steps for peace."
    assert date_of(text) == (date(2025, 6, 2), "header_inverted")


def test_ambiguous_header_without_evidence_is_kept_and_marked():
    text = " date 2025-03-04 BERLIN: The committee published its annual report on the economy."
    assert date_of(text) == (date(2025, 3, 4), "header_ambiguous")


def test_correct_ambiguous_header_with_matching_weekday_is_not_swapped():
    # 2025-03-04 is a Tuesday; the swapped 2025-04-03 is a Thursday.
    text = " date 2025-03-04 BERLIN: The committee said on Tuesday that growth would slow."
    assert date_of(text)[0] == date(2025, 3, 4)


def test_impossible_header_is_read_day_first_when_that_is_a_date():
    assert date_of(" date 2025-13-05 ROME: A report was published on the budget today.") == (
        date(2025, 5, 13),
        "header_impossible_swapped",
    )


def test_header_after_the_fetch_is_not_plausible():
    fetched = datetime(2025, 6, 4, 8, tzinfo=UTC)
    published, source = date_of(
        " date 2025-12-30 OSLO: The talks ended on Tuesday without a deal.", fetched_at=fetched
    )
    assert published is None or published <= date(2025, 6, 5)
    assert source != "header"


def test_url_dates_an_article_without_header():
    assert date_of(
        "The council voted on the proposal after a long debate.",
        url="https://www.example.com/news/2025/06/04/council-votes/",
    ) == (date(2025, 6, 4), "url")


def test_dateline_month_day_takes_its_year_from_the_fetch():
    fetched = datetime(2025, 4, 2, 6, tzinfo=UTC)
    assert date_of(
        "KUALA LUMPUR, April 1 (AFP) - Malaysia said it would raise the minimum wage.",
        fetched_at=fetched,
    ) == (date(2025, 4, 1), "dateline")


def test_confidence_is_a_share_and_none_means_zero():
    dates = dates_by_source(build_warehouse(seed_documents()))
    for _published, source, confidence in dates.values():
        assert 0 <= confidence <= 1
        assert (confidence == 0) == (source == "none")


def test_undated_article_takes_the_fetch_day_its_weekdays_point_to():
    # Fetched Tuesday 3 June 02:00: published Tuesday or Monday; the text's "Monday" settles it.
    fetched = datetime(2025, 6, 3, 2, tzinfo=UTC)
    text = "Ministers met on Monday to agree the budget. On Monday evening they signed it."
    assert date_of(text, fetched_at=fetched) == (date(2025, 6, 2), "fetched_at")


def test_late_fetch_without_other_evidence_means_the_same_day():
    fetched = datetime(2025, 6, 3, 22, tzinfo=UTC)
    assert date_of("The council approved the plan.", fetched_at=fetched) == (
        date(2025, 6, 3),
        "fetched_at",
    )


def test_inverted_header_is_repaired_when_the_fetch_rules_the_header_out():
    # " date 2025-03-06" fetched on 6 March... no: fetched 3 June; 6 March is three months old.
    fetched = datetime(2025, 6, 3, 9, tzinfo=UTC)
    text = " date 2025-03-06 GENEVA: The agency published its report on the economy."
    assert date_of(text, fetched_at=fetched) == (date(2025, 6, 3), "header_inverted")


def test_header_after_the_fetch_leaves_its_swapped_reading_to_date_the_article():
    # " date 2025-11-06" fetched 11 June 00:30 UTC: 6 November has not happened yet, so the
    # crawler wrote 11 June day-first. The fetch hour (the day before is likelier) and a
    # "Tuesday" (10 June) do not outvote that.
    fetched = datetime(2025, 6, 11, 0, 30, tzinfo=UTC)
    text = " date 2025-11-06 LIMA: The minister resigned on Tuesday after the vote."
    assert date_of(text, fetched_at=fetched) == (date(2025, 6, 11), "header_inverted")


def test_undated_article_fetched_late_in_the_day_is_from_that_day_whatever_weekday_it_names():
    # Fetched Wednesday 4 June 20:00 UTC: published that day with probability 20/24. "Tuesday"
    # is as often the day before publication as the day itself, so it must not outvote the hour.
    fetched = datetime(2025, 6, 4, 20, tzinfo=UTC)
    text = "The committee met on Tuesday and approved the new budget rules."
    assert date_of(text, fetched_at=fetched) == (date(2025, 6, 4), "fetched_at")


def test_a_weekday_on_the_day_before_the_fetch_outweighs_an_hour_near_the_middle_of_the_day():
    # Fetched Wednesday 4 June 12:30 UTC, just past the day's middle. News names its own weekday
    # more often than the day before's (2:1 with no dated articles in the night to calibrate on),
    # so "Tuesday" speaks for Tuesday; the hour hardly leans either way.
    fetched = datetime(2025, 6, 4, 12, 30, tzinfo=UTC)
    text = "The committee met on Tuesday and approved the new budget rules."
    assert date_of(text, fetched_at=fetched) == (date(2025, 6, 3), "fetched_at")


def test_undated_article_whose_weekday_rules_out_the_fetch_day_takes_the_day_before():
    # Fetched Wednesday 4 June 14:00 UTC, a slight lean to Wednesday; but "Monday" would be two
    # days before a Wednesday article and only one before a Tuesday one.
    fetched = datetime(2025, 6, 4, 14, tzinfo=UTC)
    text = "The talks opened on Monday. On Monday night the delegations dined together."
    assert date_of(text, fetched_at=fetched) == (date(2025, 6, 3), "fetched_at")


def test_off_by_one_header_yields_to_the_outlets_dateline():
    text = " date 2025-06-01 ISTANBUL, June 2. /TASS/. The delegations meet in Istanbul today."
    assert date_of(text) == (date(2025, 6, 2), "dateline")


def test_a_quoted_past_date_in_the_body_does_not_move_a_correct_header():
    text = (
        " date 2025-06-04 PARIS: The museum reopened on Wednesday."
        "\n\nIt had closed on March 3, 2019 after a fire."
    )
    assert date_of(text) == (date(2025, 6, 4), "header")


def test_an_inverted_header_is_repaired_by_the_other_headers_of_its_night():
    night = [
        document(
            f" date 2025-06-{day:02d} CITY: Story number {i} of the night about local affairs.",
            run_id="night-1",
        )
        for i, day in enumerate([1, 1, 2, 2, 2, 3, 3, 1, 2, 3])
    ]
    inverted = document(
        " date 2025-02-06 GENEVA: The agency published its annual report on the economy.",
        source_id="inverted",
        run_id="night-1",
    )
    conn = build_warehouse([*night, inverted])
    assert dates_by_source(conn)["inverted"][:2] == (date(2025, 6, 2), "header_inverted")
    evidence = query(
        conn,
        "select evidence_kind from date_evidence join articles using (article_id)"
        " where source_id = 'inverted' and is_chosen",
    )
    assert {e["evidence_kind"] for e in evidence} == {"night", "header_swapped"}


def test_a_bare_name_of_the_headers_own_month_does_not_keep_an_inversion():
    # " date 2025-07-06" in a night of early-June news, the story looking ahead to "July": news
    # names the month it appears in by its day ("on June 7"), hardly ever bare (1 of 69 bare
    # month names in bench/quality.py's Wikinews articles), so "July" does not vouch for 6 July.
    night = [
        document(
            f" date 2025-06-{day:02d} CITY: Story number {i} of the night about local affairs.",
            run_id="night-2",
        )
        for i, day in enumerate([6, 6, 7, 7, 7, 8, 8, 6, 7, 8])
    ]
    inverted = document(
        " date 2025-07-06 GENEVA: The agency said its annual report will be published in July.",
        source_id="inverted",
        run_id="night-2",
    )
    dates = dates_by_source(build_warehouse([*night, inverted]))
    assert dates["inverted"][:2] == (date(2025, 6, 7), "header_inverted")


def test_a_night_of_a_few_headers_says_nothing():
    night = [
        document(f" date 2025-06-02 CITY: Story {i} of a small night.", run_id="n")
        for i in range(5)
    ]
    inverted = document(
        " date 2025-02-06 GENEVA: The agency published its annual report on the economy.",
        source_id="inverted",
        run_id="n",
    )
    assert dates_by_source(build_warehouse([*night, inverted]))["inverted"][:2] == (
        date(2025, 2, 6),
        "header_ambiguous",
    )


def test_a_copy_published_days_later_keeps_its_own_header():
    # One wire text run on Monday 14 April and again on Tuesday 15 April; its lead reports
    # Sunday's vote. The copies' dates may choose between the two readings of an ambiguous
    # header, but must not replace a header with a date it never proposed.
    body = (
        "ZAGREB: Voters in the northern county of Varazdin rejected the new water tariff on Sunday"
        " after a campaign that split the ruling coalition and drew the largest turnout the county"
        " has seen since the referendum on the bypass road. The tariff would have raised household"
        " bills by a fifth to pay for pipes laid in the nineteen sixties, the utility said. Its"
        " director told reporters that repairs would now wait until the national budget is agreed"
        " in the autumn, and that the leaks would go on costing the county a third of its water."
    )
    monday = document(f" date 2025-04-14 {body}", source_id="monday")
    tuesday = document(
        f" date 2025-04-15 {body}\n\nThe county council meets again in May.", source_id="tuesday"
    )
    dates = dates_by_source(build_warehouse([monday, tuesday]))
    assert dates["monday"][:2] == (date(2025, 4, 14), "header")
    assert dates["tuesday"][:2] == (date(2025, 4, 15), "header")


def test_copies_with_bare_ambiguous_headers_do_not_trade_dates():
    # Two copies dated 2025-04-06 and 2025-06-04 and nothing else: neither header is evidence
    # enough to overrule the other's, so each keeps its own (marked ambiguous), where lending
    # used to swap them.
    body = (
        "LONDON: The harbour board approved the new ferry timetable after a long meeting with the"
        " operators and the unions, who had asked for later sailings in the summer months and an"
        " extra crossing for freight. The board said the changes would cost little, and the"
        " operators agreed to publish the times on their websites before the end of the season."
    )
    first = document(f" date 2025-04-06 {body}", source_id="first")
    second = document(
        f" date 2025-06-04 {body}\n\nAdditional reporting by Ann Lee.", source_id="second"
    )
    conn = build_warehouse([first, second])
    assert query(conn, "select count(*) as pairs from intermediate.int_copy_pairs") == [
        {"pairs": 1}
    ]
    dates = dates_by_source(conn)
    assert dates["first"][:2] == (date(2025, 4, 6), "header_ambiguous")
    assert dates["second"][:2] == (date(2025, 6, 4), "header_ambiguous")


def test_two_copies_agreeing_outvote_a_third_whose_header_is_inverted():
    # With nothing in the text, each header is a bare ambiguous one; one such copy alone lends
    # nothing to another (test above), but two that agree repair the third.
    body = (
        "LONDON: The harbour board approved the new ferry timetable after a long meeting with the"
        " operators and the unions, who had asked for later sailings in the summer months and an"
        " extra crossing for freight. The board said the changes would cost little, and the"
        " operators agreed to publish the times on their websites before the end of the season."
    )
    copies = [
        document(f" date 2025-04-06 {body}", source_id="first"),
        document(
            f" date 2025-04-06 {body}\n\nAdditional reporting by Ann Lee.", source_id="second"
        ),
        document(f" date 2025-06-04 {body}\n\nWith agencies in Dover.", source_id="inverted"),
    ]
    dates = dates_by_source(build_warehouse(copies))
    assert dates["inverted"][:2] == (date(2025, 4, 6), "header_inverted")
    assert dates["first"][0] == dates["second"][0] == date(2025, 4, 6)


def test_dates_whose_evidence_adds_up_the_same_tie_exactly_and_the_earlier_wins():
    # A score is a sum of weights with three decimals. Summed as floats, 0.1 + 0.7 comes to
    # 0.7999999999999999 and loses to a single 0.8 by rounding noise; with three or more weights
    # the noise (and so a tie's winner, or a score's 4th decimal) hangs on the order parallel
    # execution adds rows in. Summed exactly, the two dates tie and the earlier one wins.
    conn = build_warehouse([document("Officials met to talk about the harbour.", source_id="only")])
    doc_id = conn.execute("select doc_id from staging.stg_documents").fetchall()[0][0]
    conn.execute("delete from intermediate.int_date_candidates")
    conn.execute(
        "insert into intermediate.int_date_candidates by name"
        " select ? as doc_id, candidate_date::date as candidate_date, 'body' as evidence_kind,"
        " weight, 'test' as detail"
        " from (values ('2025-06-02', 0.1), ('2025-06-02', 0.7), ('2025-06-03', 0.8))"
        " as evidence(candidate_date, weight)",
        [doc_id],
    )
    model = next(m for m in load_models() if m.table == "intermediate.int_date_evidence")
    chosen = conn.execute(
        f"select distinct candidate_date, date_score from ({model.sql}) where is_chosen"  # noqa: S608
    ).fetchall()
    assert chosen == [(date(2025, 6, 2), 0.8)]


def test_date_outcome_names_what_happened_to_each_header():
    outcomes = {
        r["source_id"][:3]: r["date_outcome"]
        for r in query(
            build_warehouse(seed_documents()),
            "select source_id, date_outcome from articles",
        )
    }
    # 000 and 001 keep their headers, 003's day and month are swapped back, 002 and 004 have none.
    assert outcomes == {
        "000": "kept",
        "001": "kept",
        "002": "inferred",
        "003": "repaired_inversion",
        "004": "inferred",
    }
    ambiguous = " date 2025-03-04 BERLIN: The committee published its annual report on the economy."
    off_by_one = (
        " date 2025-06-01 ISTANBUL, June 2. /TASS/. The delegations meet in Istanbul today."
    )
    conn = build_warehouse(
        [document(ambiguous, source_id="ambiguous"), document(off_by_one, source_id="off")]
    )
    rows = query(conn, "select source_id, date_outcome from articles")
    assert {r["source_id"]: r["date_outcome"] for r in rows} == {
        "ambiguous": "ambiguous",
        "off": "repaired_off_by_one",
    }


def test_a_header_before_1990_counts_only_when_the_text_states_its_year():
    empty_timestamp = " date 1970-01-01 PARIS: The minister said the plan would go ahead."
    assert date_of(empty_timestamp)[0] != date(1970, 1, 1)
    archive = " date 1987-10-19 NEW YORK: Stocks fell on Monday, the worst day since 1929 and 1987."
    assert date_of(archive) == (date(1987, 10, 19), "header")


def test_a_month_header_chooses_among_the_candidates_in_its_month():
    # Fetched 1 July 12:30 UTC, nothing else: 1 July narrowly beats 30 June by the hour; a header
    # " date 2025-06" says the article is of June, so 30 June.
    fetched = datetime(2025, 7, 1, 12, 30, tzinfo=UTC)
    text = "The council approved the plan after a long debate."
    assert date_of(text, fetched_at=fetched)[0] == date(2025, 7, 1)
    assert date_of(f" date 2025-06 {text}", fetched_at=fetched)[0] == date(2025, 6, 30)
    conn = build_warehouse([document(f" date 2025-06 {text}", fetched_at=fetched)])
    assert query(conn, "select date_outcome from articles") == [{"date_outcome": "inferred"}]
    kinds = query(conn, "select evidence_kind from date_evidence where is_chosen order by all")
    assert [k["evidence_kind"] for k in kinds] == ["fetched_at", "header_month"]


def test_only_a_header_precise_to_the_day_proposes_dates():
    text = "PARIS: The minister said the plan would go ahead."
    for header in [" date 2025", " date 2025-06-02\n date 2025-06-05\n", " date 2025-06"]:
        assert date_of(f"{header} {text}") == (None, "none"), header
    assert date_of(f" date 2025-06-14T25:61:00+25:00 {text}") == (date(2025, 6, 14), "header")


def test_a_night_of_headers_of_every_shape_builds():
    shapes = [
        " date 2025-06",
        " date 06/02/2025",
        " date yesterday",
        " date 2025-06-02T25:61:00+25:00",
        " date 2025-13-45",
        " date 0000-00-00",
        " date 2025-02-06",
    ]
    documents = seed_documents() + [
        document(f"{header} PARIS: Story {i} says the minister spoke on Monday.", source_id=f"h{i}")
        for i, header in enumerate(shapes * 3)
    ]
    rows = query(build_warehouse(documents), "select source_id, published_date from articles")
    assert len(rows) == len(documents)
    assert all(r["published_date"] is None or r["published_date"].year >= 1990 for r in rows)


def test_date_mentions_are_read_from_the_opening_of_a_huge_text_only():
    # A 10 MB line read whole made this model exhaust the night's memory: it reads the opening
    # text_read_limit() (65,536) characters.
    body = "They met on Monday. " + "word " * 20_000 + "They left on Tuesday."
    rows = run_model(
        "intermediate.int_date_mentions",
        {
            "staging.stg_documents": [{"doc_id": "d", "title": "Talks", "standfirst": None}],
            "intermediate.int_document_parts": [{"doc_id": "d", "body": body}],
            "staging.stg_date_words": staged_words(),
        },
    )
    assert [r["mention"] for r in rows] == ["on Monday"]


def test_an_implausible_or_broken_header_is_flagged_in_the_article_not_published():
    fetched = datetime(2025, 6, 2, 9, 0, tzinfo=UTC)
    texts = {
        "epoch": " date 1970-01-01 PARIS: The minister said the plan would go ahead.",
        "future": " date 2099-12-31 PARIS: The minister said the plan would go ahead today.",
        "impossible": " date 2025-13-45 PARIS: The minister said the plan would go ahead soon.",
        "fine": " date 2025-06-01 PARIS: The minister said on Sunday the plan would go ahead.",
    }
    conn = build_warehouse(
        [document(text, source_id=name, fetched_at=fetched) for name, text in texts.items()]
    )
    rows = query(conn, "select source_id, published_date, header_problem from articles")
    articles = {r["source_id"]: r for r in rows}
    assert "before 1990" in articles["epoch"]["header_problem"]
    assert "after the page was fetched" in articles["future"]["header_problem"]
    assert articles["impossible"]["header_problem"] == "no such day"
    assert articles["fine"]["header_problem"] is None
    assert articles["fine"]["published_date"] == date(2025, 6, 1)
    for name in ("epoch", "future", "impossible"):
        assert articles[name]["published_date"] not in (date(1970, 1, 1), date(2099, 12, 31))


def test_a_records_own_date_is_read_as_written_in_iso_and_rfc_822():
    hints = {
        "iso-day": "2025-06-10",
        "iso-offset": "2025-06-10T23:30:00-05:00",  # June 11 in UTC: the outlet's day is the 10th
        "iso-compact-offset": "2025-06-10T08:00:00+0200",
        "news-please": "2025-06-10 10:00:00",
        "rfc-822": "Tue, 10 Jun 2025 08:00:00 GMT",
        "rfc-822-offset": "Tue, 10 Jun 2025 23:30:00 -0500",
        "rfc-822-no-weekday": "10 Jun 2025 08:00 +0000",
        "rfc-822-one-digit-day": "Tue, 1 Jul 2025 08:00:00 GMT",
        "impossible": "Tue, 31 Jun 2025 08:00:00 GMT",
        "iso-impossible": "2025-13-45T08:00:00Z",
        "words": "yesterday",
        "empty": "",
    }
    documents = [
        {
            "doc_id": doc_id_of(name),
            "header_precision": None,
            "header_date": None,
            "url": None,
            "date_hint": hint,
            "dateline_date_text": None,
            "fetched_at": datetime(2025, 7, 2, tzinfo=UTC),
            "ingested_at": datetime(2025, 7, 2, tzinfo=UTC),
            "header_swapped_date": None,
            "standfirst": None,
            "body_text": "",
        }
        for name, hint in hints.items()
    ]
    rows = run_model(
        "intermediate.int_stated_dates",
        {
            "staging.stg_documents": documents,
            "staging.stg_date_priors": [{"kind": "metadata", "weight": 1.2}],
            "staging.stg_date_words": staged_words(),
        },
    )
    name_of = {doc_id_of(name): name for name in hints}
    dated = {name_of[r["doc_id"]]: r["candidate_date"] for r in rows}
    june_10 = date(2025, 6, 10)
    assert dated == {
        "iso-day": june_10,
        "iso-offset": june_10,
        "iso-compact-offset": june_10,
        "news-please": june_10,
        "rfc-822": june_10,
        "rfc-822-offset": june_10,
        "rfc-822-no-weekday": june_10,
        "rfc-822-one-digit-day": date(2025, 7, 1),
    }
    assert [r["detail"] for r in rows if name_of[r["doc_id"]] == "rfc-822"] == [hints["rfc-822"]]


PRIORS = [
    {"kind": "copy_group", "weight": 0.8},
    {"kind": "story", "weight": 0.5},
]


def profile(doc_id: str, weekdays: dict[int, int] | None = None, month_days=None) -> dict:
    """An int_date_profiles row: weekday mentions by ISO weekday, stated month-days, no lead."""
    counts = [(weekdays or {}).get(day, 0) for day in range(1, 8)]
    return {
        "doc_id": doc_id,
        "weekday_counts": counts,
        "weekday_total": sum(counts),
        "month_days": month_days or [{"month": 1, "day": 1, "year": 1990}][:0],
        "months": [],
        "first_mention_kind": None,
        "first_relative_days": None,
        "first_iso_weekday": None,
    }


def lent(
    relatives: dict[str, tuple], borrower=None, own_candidates=(), copy_group=()
) -> list[tuple]:
    """int_lent_dates for one borrower "b": relatives maps a doc_id to (relation, own date,
    confidence), and those in `copy_group` are in b's copy group; returns (date, kind, weight)
    rows."""
    own = [
        {"doc_id": doc, "own_date": day, "own_confidence": conf, "lead_event_date": day}
        for doc, (_, day, conf) in relatives.items()
    ]
    rows = run_model(
        "intermediate.int_lent_dates",
        {
            "intermediate.int_copy_pairs": [
                {"doc_a": "b", "doc_b": doc}
                for doc, (rel, _, _) in relatives.items()
                if rel == "copy"
            ]
            or [{"doc_a": "x", "doc_b": "y"}],
            "intermediate.int_story_pairs": [
                {"doc_a": "b", "doc_b": doc}
                for doc, (rel, _, _) in relatives.items()
                if rel == "story"
            ]
            or [{"doc_a": "x", "doc_b": "y"}],
            "intermediate.int_own_dates": own
            + [
                {"doc_id": "b", "own_date": day, "own_confidence": 0.5, "lead_event_date": day}
                for day in own_candidates[:1]
            ],
            "staging.stg_documents": [
                {"doc_id": doc, "source_id": f"src-{doc}"} for doc in ["b", *relatives]
            ],
            "intermediate.int_date_profiles": [borrower or profile("b")],
            "intermediate.int_date_candidates": [
                {"doc_id": "b", "candidate_date": day, "evidence_kind": "fetched_at"}
                for day in own_candidates
            ]
            or [{"doc_id": "x", "candidate_date": date(2025, 1, 1), "evidence_kind": "url"}],
            "staging.stg_date_priors": PRIORS,
            "intermediate.int_copy_groups": [
                {"doc_id": doc, "copy_group_doc_id": "b" if doc in copy_group else doc}
                for doc in ["b", *relatives]
            ],
        },
    )
    return sorted((r["candidate_date"], r["evidence_kind"], r["weight"]) for r in rows)


def test_one_verified_copy_outranks_eight_story_neighbours():
    x, y = date(2023, 5, 2), date(2025, 6, 2)
    relatives = {f"s{i}": ("story", x, 0.9) for i in range(8)}
    relatives["c"] = ("copy", y, 0.7)
    assert lent(relatives) == [(y, "copy_group", 0.56)]


def test_a_story_pair_inside_the_copy_group_lends_nothing():
    # Story pairs may link two copies of one group that are no verified pair (groups change as
    # copies arrive, story pairs do not); such a copy lends as a copy or not at all.
    day = date(2025, 6, 2)
    assert lent({"s": ("story", day, 0.9)}) == [(day, "story", 0.45)]
    assert lent({"s": ("story", day, 0.9)}, copy_group={"s"}) == []


def test_story_votes_are_not_summed_the_strongest_neighbour_counts():
    x, z = date(2025, 6, 1), date(2025, 6, 2)
    relatives = {f"s{i}": ("story", x, 0.7) for i in range(3)}
    relatives["t"] = ("story", z, 0.9)
    assert lent(relatives) == [(x, "story", 0.35), (z, "story", 0.45)]


def test_a_story_date_against_the_borrowers_weekdays_loses_to_another_relative():
    # The borrower says "on Monday": a strong story neighbour's Friday 30 May names no day its
    # text points to, so a weaker one's Monday 2 June is lent alone. A verified copy's date is
    # not checked (its lender weighed the same words; a page's furniture has other weekdays).
    friday, monday = date(2025, 5, 30), date(2025, 6, 2)
    says_monday = profile("b", weekdays={1: 2})
    relatives = {"strong": ("story", friday, 0.95), "weak": ("story", monday, 0.65)}
    assert lent(relatives, says_monday) == [(monday, "story", 0.325)]
    assert lent({"c": ("copy", friday, 0.9)}, says_monday) == [(friday, "copy_group", 0.72)]


def test_a_lent_date_against_the_borrowers_month_days_loses_to_another_relative():
    # "held on May 16": a story neighbour of another event, in November, gives way to a weaker
    # one of May 17.
    says_may_16 = profile("b", month_days=[{"month": 5, "day": 16, "year": None}])
    relatives = {
        "far": ("story", date(2022, 11, 20), 0.95),
        "near": ("story", date(2025, 5, 17), 0.65),
    }
    assert lent(relatives, says_may_16) == [(date(2025, 5, 17), "story", 0.325)]
    # With nothing else to go by, even a ruled-out date stands.
    assert lent({"far": relatives["far"]}, says_may_16) == [(date(2022, 11, 20), "story", 0.475)]


def test_an_own_date_tie_goes_to_the_earlier_date_on_every_run():
    # 0.1 + 0.7 and 0.8 tie exactly when summed as decimals (as floats 0.1 + 0.7 < 0.8); arg_max
    # then chose either date from run to run.
    candidates = [
        {"doc_id": "d", "candidate_date": date(2025, 6, day), "evidence_kind": kind, "weight": w}
        for day, kind, w in [(3, "a", 0.8), (2, "b", 0.1), (2, "c", 0.7)]
    ]
    for order in (candidates, candidates[::-1]):
        rows = run_model(
            "intermediate.int_own_dates",
            {
                "intermediate.int_date_candidates": order,
                "intermediate.int_date_profiles": [profile("d")],
                # nothing calibrated by the night: a weightless row
                "intermediate.int_fetch_night_dates": [
                    {"doc_id": "d", "candidate_date": date(2025, 6, 1), "weight": 0.0}
                ],
            },
        )
        assert [r["own_date"] for r in rows] == [date(2025, 6, 2)]


def test_an_older_page_among_many_headers_near_its_swapped_reading_keeps_its_header():
    # The false-repair guarantee: " date 2023-11-12" is a correct older page in a dump of pages
    # from several years, 11 of them within two days of its day-first reading (11 December). The
    # crowd around a reading cannot tell such a page from an inversion, so it decides nothing.
    near = [
        document(f" date 2023-12-{day:02d} CITY: Story number {i} of the dump.", run_id="dump")
        for i, day in enumerate([9, 10, 10, 11, 11, 11, 12, 12, 13, 13, 11])
    ]
    older = [
        document(
            f" date {2015 + i % 8}-{1 + i:02d}-20 TOWN: Page {i} of an old archive.", run_id="dump"
        )
        for i in range(12)
    ]
    page = document(
        " date 2023-11-12 GENEVA: The agency published its annual report on the economy.",
        source_id="older",
        run_id="dump",
    )
    dates = dates_by_source(build_warehouse([*near, *older, page]))
    assert dates["older"][:2] == (date(2023, 11, 12), "header_ambiguous")


def test_the_night_decides_between_readings_that_fall_on_the_same_weekday():
    # 7 November and 11 July 2025 are both Fridays: "on Friday" cannot tell them apart, the
    # night's headers around 11 July can.
    night = [
        document(
            f" date 2025-07-{day:02d} CITY: Story number {i} of the night about local affairs.",
            run_id="night-3",
        )
        for i, day in enumerate([10, 10, 11, 11, 11, 12, 12, 10, 11, 12])
    ]
    inverted = document(
        " date 2025-11-07 GENEVA: The agency published its annual report on Friday.",
        source_id="inverted",
        run_id="night-3",
    )
    assert dates_by_source(build_warehouse([*night, inverted]))["inverted"][:2] == (
        date(2025, 7, 11),
        "header_inverted",
    )


def test_a_stated_month_day_decides_between_readings_that_fall_on_the_same_weekday():
    text = (
        " date 2025-11-07 GENEVA: The talks, which opened on July 9, ended on Friday"
        " without an agreement on the budget."
    )
    assert date_of(text) == (date(2025, 7, 11), "header_inverted")


def fetch_night(weekdays_named: dict[int, int], night: list[tuple[date, dict, datetime]]) -> dict:
    """int_fetch_night_dates for an article "u" fetched Wednesday 4 June 10:00 UTC and naming
    weekdays_named, in a night of dated articles (header, weekday mentions, fetch time)."""
    fetched = datetime(2025, 6, 4, 10, tzinfo=UTC)
    documents = [{"doc_id": "u", "run_id": "n", "fetched_at": fetched}]
    headers, profiles = [], [profile("u", weekdays=weekdays_named)]
    for i, (day, named, seen) in enumerate(night):
        documents.append({"doc_id": f"d{i}", "run_id": "n", "fetched_at": seen})
        headers.append({"doc_id": f"d{i}", "candidate_date": day, "evidence_kind": "header"})
        profiles.append(profile(f"d{i}", weekdays=named))
    rows = run_model(
        "intermediate.int_fetch_night_dates",
        {
            "staging.stg_documents": documents,
            "intermediate.int_header_dates": headers
            or [{"doc_id": "gone", "candidate_date": date(2025, 1, 20), "evidence_kind": "header"}],
            "intermediate.int_date_profiles": profiles,
            "intermediate.int_date_candidates": [
                {"doc_id": "u", "candidate_date": date(2025, 6, d), "evidence_kind": "fetched_at"}
                for d in (3, 4)
            ],
            "staging.stg_date_priors": [
                {"kind": "weekdays", "weight": 0.5},
                {"kind": "fetched_night", "weight": 0.5},
            ],
        },
    )
    return {(r["candidate_date"].day, r["evidence_kind"]): r["weight"] for r in rows}


def test_a_night_whose_news_names_its_own_weekday_weighs_a_weekday_for_that_day():
    # The night's dated articles (15-20 June) name their own weekday 12 times, the day before's
    # 0 times: with the prior's 8:4, odds 20:4. "Tuesday" then speaks for Tuesday 3 June.
    night = [
        (date(2025, 6, 15 + i), {isodow: 2}, None) for i, isodow in enumerate([7, 1, 2, 3, 4, 5])
    ]
    weights = fetch_night({2: 1}, night)
    assert weights == {(3, "weekdays"): 0.805, (4, "weekdays"): 0.0}
    # A night with no dated articles: the prior's 2:1.
    assert fetch_night({2: 1}, [])[(3, "weekdays")] == 0.347


def test_a_night_that_fetches_its_news_the_same_day_weighs_for_the_fetch_day():
    # Of the night's 10 dated articles, 8 were fetched the day of their header, 2 the day after:
    # with the prior's 5:5, odds 13:7 for the fetch day (4 June) of the undated article.
    night = [
        (date(2025, 6, 15), {}, datetime(2025, 6, 15 + (i >= 8), 20, tzinfo=UTC)) for i in range(10)
    ]
    assert fetch_night({}, night) == {(4, "fetched_night"): 0.31}


def test_a_night_that_fetches_its_news_the_day_after_weighs_for_the_day_before():
    # 2 of 10 fetched the day of their header, 8 the day after: odds 7:13, a weight never negative,
    # on the day before the undated article's fetch (3 June).
    night = [
        (date(2025, 6, 15), {}, datetime(2025, 6, 15 + (i >= 2), 20, tzinfo=UTC)) for i in range(10)
    ]
    assert fetch_night({}, night) == {(3, "fetched_night"): 0.31}


# --- Dates the page and its url state (int_stated_dates) ---------------------------------------

REFERENCE = Path(__file__).resolve().parent.parent / "data" / "reference"
FETCHED = datetime(2025, 5, 8, 18, 0, tzinfo=UTC)


def reference_rows(name: str) -> list[dict]:
    with (REFERENCE / f"{name}.csv").open(encoding="utf-8", newline="") as rows:
        return list(csv.DictReader(rows))


def staged_priors() -> list[dict]:
    return [
        {"kind": r["kind"], "weight": float(r["weight"]), "why": r["why"]}
        for r in reference_rows("date_priors")
    ]


def staged_words() -> list[dict]:
    return [
        {
            "language_code": r["language"],
            "kind": r["kind"],
            "number": int(r["number"]),
            "word": r["word"],
        }
        for r in reference_rows("date_words")
    ]


def stated_dates(**fields) -> dict[str, tuple]:
    """int_stated_dates over one staged document: evidence kind -> (date, detail)."""
    row = {
        "doc_id": "d",
        "header_precision": None,
        "header_date": None,
        "header_swapped_date": None,
        "url": None,
        "date_hint": None,
        "dateline_date_text": None,
        "fetched_at": FETCHED,
        "ingested_at": datetime(2026, 1, 15, tzinfo=UTC),
        "standfirst": None,
        "body_text": "The council met to vote.",
    }
    row.update(fields)
    rows = run_model(
        "intermediate.int_stated_dates",
        {
            "staging.stg_documents": [row],
            "staging.stg_date_priors": staged_priors(),
            "staging.stg_date_words": staged_words(),
        },
    )
    return {r["evidence_kind"]: (r["candidate_date"], r["detail"]) for r in rows}


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://example.com/news/2025/05/08/council-votes/", "url"),
        ("https://example.com/world/2025/may/08/council-votes", "url"),
        ("https://example.com/news/202505/08/council-votes.html", "url"),
        ("https://example.com/news/20250508/council-votes", "url"),
        ("https://example.com/news/ct-council-votes-20250508-kr4ikvar7ncnb-story.html", "url"),
        ("https://example.com/news/2025-05-08-council-votes", "url"),
        ("https://example.com/news/1746699960/council-votes", "url_timestamp"),
        ("https://example.com/news/council-votes?ts=1746699960000", "url_timestamp"),
        ("https://example.com/news/681c86b8a1e1593ea5367a70", "url_timestamp"),
        # a day of time zones after the fetch is still plausible
        ("https://example.com/news/2025/05/09/council-votes/", "url"),
    ],
)
def test_a_url_form_states_the_date(url, kind):
    stated = stated_dates(url=url)
    assert stated[kind][0] in (date(2025, 5, 8), date(2025, 5, 9))
    assert set(stated) == {kind}


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/books/9781234567890",  # 13 digits, an ISBN: the year 2279
        "https://example.com/games/council-votes-1851118462",  # an article id: 2028, after the fetch
        "https://example.com/nfl/news/b9565ae08a1e1593ea5367a7",  # 24 hex, not a time: 2068
        "https://example.com/news/0ac37b0b1ab398ea91df35b88b87d623",  # 32 hex (md5), not an ObjectId
        "https://example.com/news/2025/02/31/council-votes/",  # 31 February
        "https://example.com/news/20250231/council-votes",
        "https://example.com/news/1970/01/01/council-votes/",  # before 1990
        "https://example.com/news/2025/06/08/council-votes/",  # a month after the fetch
        "https://example.com/news/story?id=105726154",  # 9 digits: no timestamp
    ],
)
def test_a_url_number_that_is_not_a_plausible_date_states_nothing(url):
    assert stated_dates(url=url) == {}


def test_the_first_url_form_that_is_a_date_wins_over_an_impossible_one():
    stated = stated_dates(url="https://example.com/2025/02/31/votes-20250507-story.html")
    assert stated["url"][0] == date(2025, 5, 7)


@pytest.mark.parametrize(
    "line",
    [
        "Published 8 May 2025",
        "May 8, 2025 10:42 AM",
        "By Jane Doe | May 8th 2025 at 10:42AM",
        "Thursday 8 May 2025 17:23, UK",
        "08.05.2025, 10:42",
        "2025-05-08T10:42:00Z",
        "Reuters2025-05-08T10:42",
        "8 maja 2025",
        "8 мая 2025 г., 10:42",
        "8 de mayo de 2025",
        "8. Mai 2025",
        "8 mai 2025 à 10h42",
        "8 maggio 2025",
        "8 mei 2025",
        "8 Mayıs 2025 Perşembe",
        "8 मई 2025",
        "٨ مايو ٢٠٢٥",
        "2025年5月8日 10:42",
        "05/08/2025",
    ],
)
def test_a_byline_states_the_pages_date(line):
    body = (
        f"Home\nNews\nCouncil votes on the budget\n{line}\nThe council met to vote on the budget."
    )
    assert stated_dates(body_text=body)["page_date"][0] == date(2025, 5, 8)


def test_the_latest_listed_date_not_after_the_fetch_wins():
    body = "Related\nMarch 3, 2025\nMay 8, 2025\nMay 9, 2025\nJune 1, 2025\nThe council met."
    # May 9 is a day after the fetch day: a later story in the listing, not this page's date.
    assert stated_dates(body_text=body)["page_date"] == (date(2025, 5, 8), "May 8, 2025")


def test_published_wins_over_a_later_updated():
    body = "Updated May 8, 2025 6:00 a.m.\nPublished May 6, 2025 3:12 p.m.\nThe council met."
    assert stated_dates(body_text=body)["page_date"][0] == date(2025, 5, 6)


def test_a_slashed_date_reads_month_first_unless_its_first_number_is_above_12():
    fetched = datetime(2025, 12, 20, 9, tzinfo=UTC)
    assert stated_dates(body_text="12/11/2025\nThe council met.", fetched_at=fetched)["page_date"][
        0
    ] == date(2025, 12, 11)
    assert stated_dates(body_text="13/11/2025\nThe council met.", fetched_at=fetched)["page_date"][
        0
    ] == date(2025, 11, 13)


@pytest.mark.parametrize(
    "body",
    [
        "A file photo taken on May 3, 2019 shows the building in the town centre.",
        "© 2025 Reuters. All rights reserved.\nCopyright 2024",
        "February 31, 2025\n31.02.2025\n2025-02-31T10:00:00Z",
        "May 8, 1970",
    ],
)
def test_a_body_sentence_an_impossible_or_implausible_date_is_no_page_date(body):
    assert "page_date" not in stated_dates(body_text=body)


def test_a_datelines_month_day_takes_the_year_of_the_url_not_of_the_build():
    # No fetch time: the build (ingest) day is 2026-01-15, yet the url says December 2024.
    stated = stated_dates(
        url="https://example.com/2024/12/03/story",
        dateline_date_text="Dec. 3",
        fetched_at=None,
    )
    assert stated["dateline"][0] == date(2024, 12, 3)


def test_a_datelines_month_day_takes_the_year_of_the_pages_byline():
    stated = stated_dates(
        body_text="December 2, 2024 at 7:35 PM\nThe council met.",
        dateline_date_text="Dec. 3",
        fetched_at=None,
    )
    assert stated["dateline"][0] == date(2024, 12, 3)


def test_an_undated_page_is_dated_by_its_byline_not_the_fetch_hour():
    page = (
        "Council votes on the budget - Example News\nHome\nWorld\nCouncil votes on the budget\n"
        "By Jane Doe\nPublished May 7, 2025 10:42 PM\n"
        "The council voted on Wednesday to approve the budget after a long debate.\n"
        "Related\nApril 2, 2025\nMarch 30, 2025\n"
    )
    fetched = datetime(2025, 5, 8, 20, tzinfo=UTC)
    assert date_of(page, fetched_at=fetched) == (date(2025, 5, 7), "page_date")


def recent_page_dates(**fields) -> dict[str, tuple]:
    """int_recent_page_dates over one staged document: evidence kind -> (date, detail)."""
    row = {"doc_id": "d", "fetched_at": FETCHED, "standfirst": None, **fields}
    rows = run_model(
        "intermediate.int_recent_page_dates",
        {
            "staging.stg_documents": [row],
            "staging.stg_date_priors": staged_priors(),
            "staging.stg_date_words": staged_words(),
        },
    )
    return {r["evidence_kind"]: (r["candidate_date"], r["detail"]) for r in rows}


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # FETCHED is Thursday 8 May 2025, 18:00 UTC.
        ("Thursday 1:30PM", date(2025, 5, 8)),
        ("Wednesday 11:15AM", date(2025, 5, 7)),
        ("Friday 9:05 a.m.", date(2025, 5, 2)),
        ("May 7, 10:42 PM", date(2025, 5, 7)),
        ("Updated May 6 at 11:59 PM EST", date(2025, 5, 6)),
        ("Published 7 May, 22:42", date(2025, 5, 7)),
        ("mercredi à 10h42", date(2025, 5, 7)),
        ("7 mai, 10h42", date(2025, 5, 7)),
    ],
)
def test_a_byline_without_its_year_is_the_latest_such_day_in_the_week_before_the_fetch(
    line, expected
):
    body = (
        f"Home\nNews\nCouncil votes on the budget\n{line}\nThe council met to vote on the budget."
    )
    assert recent_page_dates(body_text=body) == {"page_recent": (expected, line)}


@pytest.mark.parametrize(
    ("body", "fetched_at"),
    [
        ("Thursday 1:30PM\nThe council met.", None),  # no fetch time: no week to place it in
        ("April 20, 10:42 AM\nThe council met.", FETCHED),  # over a week before the fetch
        # after the fetch: a year back, and a byline a year old writes its year
        ("May 10, 10:42 AM\nThe council met.", FETCHED),
        ("May 7, 2025 10:42 PM\nThe council met.", FETCHED),  # a full date: int_stated_dates
        ("The council will meet again on Friday at 10:30 to vote on the new budget.", FETCHED),
        ("Kickoff: Sunday 1:00 PM, channel 4, on the stadium screens and radio", FETCHED),
    ],
)
def test_a_sentence_a_full_date_or_a_day_out_of_the_week_is_no_recent_byline(body, fetched_at):
    assert recent_page_dates(body_text=body, fetched_at=fetched_at) == {}


def test_an_undated_page_is_dated_by_its_weekday_byline_not_the_fetch_hour():
    page = (
        "Council votes on the budget - Example News\nHome\nWorld\nCouncil votes on the budget\n"
        "Wednesday 9:40PM\n"
        "The council approved the budget after a long debate in the town hall.\n"
        "Related\nThursday 10:55AM\nThursday 10:52AM\n"
    )
    fetched = datetime(2025, 5, 8, 20, tzinfo=UTC)
    assert date_of(page, fetched_at=fetched) == (date(2025, 5, 7), "page_recent")


# --- Weekdays and month-days in other languages (int_date_mentions) ----------------------------


def mentions_of(body: str) -> list[tuple]:
    rows = run_model(
        "intermediate.int_date_mentions",
        {
            "staging.stg_documents": [{"doc_id": "d", "title": "Sommet", "standfirst": None}],
            "intermediate.int_document_parts": [{"doc_id": "d", "body": body}],
            "staging.stg_date_words": staged_words(),
        },
    )
    return [
        (r["mention"], r["mention_kind"], r["iso_weekday"], r["month_number"], r["day_of_month"])
        for r in sorted(rows, key=lambda r: r["mention_no"])
    ]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "Le ministre a déclaré lundi que le sommet du 8 mai aura lieu.",
            [("lundi", "weekday", 1, None, None), ("8 mai", "month_day", None, 5, 8)],
        ),
        (
            "Minister powiedział w poniedziałek, że szczyt 8 maja się odbędzie.",
            [("poniedziałek", "weekday", 1, None, None), ("8 maja", "month_day", None, 5, 8)],
        ),
        (
            "Министр заявил в понедельник, что саммит 8 мая состоится.",
            [("понедельник", "weekday", 1, None, None), ("8 мая", "month_day", None, 5, 8)],
        ),
        (
            "Der Minister sagte am Montag, der Gipfel am 8. Mai 2025 finde statt.",
            [("montag", "weekday", 1, None, None), ("8. mai 2025", "month_day", None, 5, 8)],
        ),
        (
            "El ministro dijo el lunes que la cumbre del 8 de mayo se celebrará.",
            [("lunes", "weekday", 1, None, None), ("8 de mayo", "month_day", None, 5, 8)],
        ),
        (
            "मंत्री ने सोमवार को कहा कि 8 मई को शिखर सम्मेलन होगा।",
            [("सोमवार", "weekday", 1, None, None), ("8 मई", "month_day", None, 5, 8)],
        ),
        (
            "قال الوزير يوم الاثنين إن القمة ستعقد في 8 مايو.",
            [("الاثنين", "weekday", 1, None, None), ("8 مايو", "month_day", None, 5, 8)],
        ),
        # A number before any other word is no date, and a month alone is no weekday.
        ("Bakan, 15 kişinin öldüğünü söyledi; zirve mayıs ayında.", []),
    ],
)
def test_weekdays_and_month_days_in_other_languages_are_mentions(body, expected):
    assert mentions_of(body) == expected


def test_an_english_text_is_read_by_the_english_patterns_alone():
    # "mardi" in an English text is a name, not Tuesday: English texts skip the word table.
    body = "The team met on Monday at the Mardi Gras parade, and the mayor said the 8 mai stand..."
    assert mentions_of(body) == [("on Monday", "weekday", 1, None, None)]


def test_a_french_page_without_header_is_dated_by_its_byline_and_weekday():
    page = (
        "Accueil\nPolitique\nLe sommet aura lieu\nPublié le jeudi 8 mai 2025 à 10h42\n"
        "Le ministre a déclaré jeudi que le sommet aurait lieu en juin.\n"
    )
    fetched = datetime(2025, 5, 9, 3, tzinfo=UTC)
    assert date_of(page, fetched_at=fetched) == (date(2025, 5, 8), "page_date")


def test_a_datelines_month_day_is_never_given_the_build_year_against_the_url():
    # Built on 2026-01-15 with no fetch time; the url and the dateline both say 3 December 2024.
    text = (
        "WASHINGTON, Dec. 3 (Reuters) - The Senate passed the bill on Tuesday after a long debate."
    )
    # The url and the dateline weigh the same (1.5); ties name the kinds in alphabetical order.
    assert date_of(text, url="https://example.com/politics/2024/12/03/senate-bill/") == (
        date(2024, 12, 3),
        "dateline",
    )
    rows = query(
        build_warehouse([document(text, url="https://example.com/2024/12/03/senate-bill")]),
        "select candidate_date from date_evidence where evidence_kind = 'dateline'",
    )
    assert [r["candidate_date"] for r in rows] == [date(2024, 12, 3)]


def test_with_a_header_a_page_date_only_chooses_between_its_readings():
    listing = "Related\nDecember 20, 2023\nDecember 5, 2023\nThe council met."
    clean = {"header_precision": "day", "header_date": date(2023, 12, 22), "fetched_at": None}
    # a clean header is never opposed by another story's date in the listing
    assert "page_date" not in stated_dates(body_text=listing, **clean)
    assert stated_dates(body_text="Dec. 22, 2023\n" + listing, **clean)["page_date"][0] == date(
        2023, 12, 22
    )
    # an inverted header (2023-05-12 for 5 December) meets its other reading on the page
    inverted = {
        "header_precision": "day",
        "header_date": date(2023, 5, 12),
        "header_swapped_date": date(2023, 12, 5),
        "fetched_at": None,
    }
    assert stated_dates(body_text=listing, **inverted)["page_date"][0] == date(2023, 12, 5)
    # 12/11/23 is read month first: it repairs " date 2023-11-12" to 11 December
    slashed = {
        "header_precision": "day",
        "header_date": date(2023, 11, 12),
        "header_swapped_date": date(2023, 12, 11),
        "fetched_at": None,
    }
    body = "12/11/23 4:23pm\nThe council met."
    assert stated_dates(body_text=body, **slashed)["page_date"][0] == date(2023, 12, 11)


def test_a_byline_of_another_year_tells_the_order_of_an_ambiguous_headers_day_and_month():
    inverted = {
        "header_precision": "day",
        "header_date": date(2023, 7, 3),
        "header_swapped_date": date(2023, 3, 7),
        "fetched_at": None,
    }
    # "March 07, 2022" says March 7, not 3 July: the header's year stays, its order is repaired
    body = "By Heather Eastman\nMarch 07, 2022\nThe council met."
    assert stated_dates(body_text=body, **inverted)["page_date"] == (
        date(2023, 3, 7),
        "March 07, 2022",
    )
    assert stated_dates(
        body_text="January 8, 2024 at 8:03 PM\nThe council met.",
        **{**inverted, "header_date": date(2023, 8, 1), "header_swapped_date": date(2023, 1, 8)},
    )["page_date"][0] == date(2023, 1, 8)
    # the header's own month-day in another year comes first, as its exact date does
    both = "July 3, 2024\nRelated\nMarch 7, 2023\nThe council met."
    assert stated_dates(body_text=both, **inverted)["page_date"][0] == date(2023, 7, 3)
    # two years away, or another month-day, is another story's date: no page date
    for listing in ("March 7, 2021\nThe council met.", "March 8, 2023\nThe council met."):
        assert "page_date" not in stated_dates(body_text=listing, **inverted)


def test_a_byline_stating_an_inverted_headers_other_reading_outweighs_a_weekday():
    # Tuesday 8 September 2015 on the byline; "Saturday night" (the fight ahead) falls the day
    # before the header's Sunday 9 August: the byline, one of the header's own readings, wins.
    text = (
        " date 2015-08-09 Merchant: I'm not watching the fight\nEXCLUSIVE\n9/8/2015 12:15 PM PT\n"
        "Wanna know what the commentator won't be doing on Saturday night? Watching the fight."
    )
    assert date_of(text) == (date(2015, 9, 8), "header_inverted")
    # the same page under its clean header keeps it
    assert date_of(text.replace("2015-08-09", "2015-09-08"))[0] == date(2015, 9, 8)


def test_without_header_or_fetch_the_first_page_date_or_the_one_nearest_the_url_wins():
    page = "Home\nDecember 20, 2023\nThe council met.\nRelated\nDecember 28, 2023\nMarch 3, 2023"
    # seen only when ingested (2026): a page lists later stories too, so the first date
    assert stated_dates(body_text=page, fetched_at=None)["page_date"][0] == date(2023, 12, 20)
    near_url = stated_dates(
        body_text=page, fetched_at=None, url="https://example.com/2023/12/27/council"
    )
    assert near_url["page_date"][0] == date(2023, 12, 28)
