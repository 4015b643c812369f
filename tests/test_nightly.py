"""The nightly flow end to end on the seeds, under one shared Prefect test server."""

import hashlib
import json
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from copydesk.quality.gates import GateFailed
from copydesk.settings import EXPECTATIONS_DIR, Settings
from copydesk.warehouse.connection import building_connection
from copydesk.warehouse.runs import RunRefused, run_lock
from flows.nightly import nightly
from tests.conftest import SEEDS_DIR, query, suites_with

pytestmark = pytest.mark.usefixtures("prefect_server")


def warehouse_rows(data_dir, sql):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as conn:
        return query(conn, sql)


def file_digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_nightly_flow_publishes_the_seeds_correctly_dated(seeds, tmp_path):
    data = tmp_path / "data"
    summary = nightly(raw_dir=str(seeds), data_dir=str(data))
    assert summary.status == "published"
    assert summary.ingest["documents_new"] == 5
    assert summary.counts == {"articles": 5, "fragments": 4, "dates_repaired": 1, "quarantined": 0}
    assert [g["suite"] for g in summary.gates] == [
        "documents",
        "stg_documents",
        "article_fragments",
        "article_terms",
        "articles",
        "copy_pairs",
        "date_evidence",
        "dim_outlets",
        "fct_stories",
        "inputs",
        "quarantine",
        "inputs_reconcile",
        "runs",
        "table_counts",
    ]
    # Every raw file is one row of the input ledger, with the article it became.
    ledger = warehouse_rows(data, "select source_path, outcome, ended_as, article_id from inputs")
    assert sorted(r["source_path"] for r in ledger) == sorted(p.name for p in seeds.iterdir())
    assert {(r["outcome"], r["ended_as"]) for r in ledger} == {("accepted", "article")}
    assert summary.inputs == {
        "accepted": 5,
        "duplicate": 0,
        "quarantined": 0,
        "skipped": 0,
    }
    dates = {
        r["source_id"][:3]: str(r["published_date"])
        for r in warehouse_rows(data, "select source_id, published_date from articles")
    }
    assert dates["000"] == dates["001"] == dates["003"] == "2025-06-02"
    runs = warehouse_rows(data, "select status, articles_published, gates from runs")
    assert (
        len(runs) == 1 and runs[0]["status"] == "published" and runs[0]["articles_published"] == 5
    )
    assert {g["suite"] for g in json.loads(runs[0]["gates"])} >= {"documents", "articles"}
    assert (
        data / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    ).exists()
    assert not list(data.glob(".warehouse.*"))


def test_a_second_run_on_the_same_input_adds_nothing_and_keeps_the_history(seeds, tmp_path):
    data = tmp_path / "data"
    nightly(raw_dir=str(seeds), data_dir=str(data))
    before = warehouse_rows(
        data, "select article_id, published_date, body from articles order by 1"
    )
    second = nightly(raw_dir=str(seeds), data_dir=str(data))
    assert (second.ingest["documents_new"], second.ingest["files_unchanged"]) == (0, 5)
    assert (
        warehouse_rows(data, "select article_id, published_date, body from articles order by 1")
        == before
    )
    # A night with nothing new publishes nothing (see tests/test_recovery.py): the run is in the
    # lake's history, and the runs table shows it from the next publish on.
    assert second.status == "nothing_new"
    assert len(warehouse_rows(data, "select * from runs")) == 1
    assert len(list((data / "lake" / "runs").glob("*/*.parquet"))) == 2


def test_a_failed_gate_stops_the_run_and_leaves_the_published_warehouse_untouched(
    seeds, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    nightly(raw_dir=str(seeds), data_dir=str(data))
    published = data / "warehouse.duckdb"
    digest = file_digest(published)

    strict = suites_with(
        tmp_path / "strict-expectations",
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"max_value": 2},
            "severity": "critical",
            "meta": {"why": "a stricter suite a user might write"},
        },
    )
    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(strict))
    (seeds / "extra.txt").write_text("A new story arrives tonight and is long enough to publish.")

    with pytest.raises(
        GateFailed, match="(?s)gate .articles.*expect_table_row_count_to_be_between"
    ):
        nightly(raw_dir=str(seeds), data_dir=str(data))

    assert file_digest(published) == digest
    assert not list(data.glob(".warehouse.*"))
    # The publish stage never ran: the published run log still has only the first run.
    assert len(warehouse_rows(data, "select * from runs")) == 1
    statuses = sorted(
        r["status"]
        for r in duckdb.sql(f"select status from '{data}/lake/runs/*/*.parquet'").fetchall()
        for r in [{"status": r[0]}]
    )
    assert statuses == ["failed", "published"]


def test_a_reader_held_open_in_another_process_does_not_block_the_run(seeds, tmp_path):
    data = tmp_path / "data"
    nightly(raw_dir=str(seeds), data_dir=str(data))
    reader = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import duckdb, sys
                conn = duckdb.connect({str(data / "warehouse.duckdb")!r}, read_only=True)
                print(conn.execute("select count(*) from articles").fetchall()[0][0], flush=True)
                sys.stdin.readline()
                print(conn.execute("select count(*) from articles").fetchall()[0][0], flush=True)
                """
            ),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert reader.stdout.readline().strip() == "5"
        (seeds / "extra.txt").write_text(
            "A new story arrives tonight and is long enough to publish."
        )
        summary = nightly(raw_dir=str(seeds), data_dir=str(data))
        assert summary.status == "published"
        # The open reader keeps its consistent old snapshot; new readers see the new warehouse.
        reader.stdin.write("\n")
        reader.stdin.flush()
        assert reader.stdout.readline().strip() == "5"
        assert warehouse_rows(data, "select count(*) as n from articles")[0]["n"] == 6
    finally:
        reader.kill()
        reader.wait()


def test_a_missing_or_empty_raw_folder_is_refused(tmp_path, monkeypatch):
    data = tmp_path / "data"
    with pytest.raises(RunRefused, match="missing folder"):
        nightly(raw_dir=str(tmp_path / "nope"), data_dir=str(data))
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunRefused, match="no .txt"):
        nightly(raw_dir=str(tmp_path / "empty"), data_dir=str(data))
    # A folder whose only file is still being written has nothing to read tonight either.
    (tmp_path / "empty" / "arriving.txt").write_text("A story the crawler is writing now")
    monkeypatch.setenv("COPYDESK_SETTLE_SECONDS", "60")
    with pytest.raises(RunRefused, match="1 files modified in the last 60 s"):
        nightly(raw_dir=str(tmp_path / "empty"), data_dir=str(data))
    assert not (data / "warehouse.duckdb").exists()


def test_a_second_writer_is_refused_while_a_run_holds_the_lock(seeds, tmp_path):
    data = tmp_path / "data"
    with (
        run_lock(Settings.from_env(str(seeds), str(data))),
        pytest.raises(RunRefused, match="in progress"),
    ):
        nightly(raw_dir=str(seeds), data_dir=str(data))


def test_a_copy_arriving_on_a_later_night_joins_the_earlier_articles_group_and_story(tmp_path):
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()
    first, copy = sorted(SEEDS_DIR.glob("*.txt"))[:2]  # 000 names AFP; 001 is its uncredited copy
    shutil.copy(first, raw)
    nightly(raw_dir=str(raw), data_dir=str(data))
    before = warehouse_rows(data, "select article_id, copy_group_id, story_id from articles")
    shutil.copy(copy, raw)
    nightly(raw_dir=str(raw), data_dir=str(data))
    rows = warehouse_rows(
        data,
        "select article_id, copy_group_id, story_id, wire_agency from articles order by source_id",
    )
    assert rows[0]["article_id"] == before[0]["article_id"]
    assert rows[0]["copy_group_id"] == rows[1]["copy_group_id"]
    assert rows[0]["story_id"] == rows[1]["story_id"]
    assert rows[1]["wire_agency"] == "AFP"


def test_copydesk_memory_limit_caps_the_builds_duckdb(tmp_path, monkeypatch):
    def limit_of(conn):
        return conn.execute("select current_setting('memory_limit')").fetchone()[0]

    (tmp_path / "data").mkdir()
    monkeypatch.setenv("COPYDESK_MEMORY_LIMIT", "1GB")
    settings = Settings.from_env(raw_dir=tmp_path / "raw", data_dir=tmp_path / "data")
    with building_connection(settings, "run") as conn:
        capped = limit_of(conn)
    assert capped == limit_of(duckdb.connect(config={"memory_limit": "1GB"}))
    assert capped != limit_of(duckdb.connect())  # DuckDB's default: 80% of this machine's RAM

    monkeypatch.setenv("COPYDESK_MEMORY_LIMIT", "lots")
    with pytest.raises(ValueError, match="COPYDESK_MEMORY_LIMIT='lots'"):
        Settings.from_env()


def test_incomplete_suites_stop_the_run_before_anything_is_read(seeds, tmp_path, monkeypatch):
    data = tmp_path / "data"
    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(tmp_path / "expectatoins"))  # misspelled
    with pytest.raises(RunRefused, match="does not exist"):
        nightly(raw_dir=str(seeds), data_dir=str(data))
    suites = tmp_path / "suites"
    shutil.copytree(EXPECTATIONS_DIR, suites)
    (suites / "fct_stories.json").unlink()
    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(suites))
    with pytest.raises(RunRefused, match=r"the mart main\.fct_stories has no suite"):
        nightly(raw_dir=str(seeds), data_dir=str(data))
    assert not (data / "lake").exists() and not (data / "warehouse.duckdb").exists()


def test_a_document_the_lake_gate_rejected_is_rejected_again_on_a_retry(
    seeds, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    nightly(raw_dir=str(seeds), data_dir=str(data))
    strict = suites_with(
        tmp_path / "strict-expectations",
        {
            "type": "expect_column_values_to_not_match_regex",
            "kwargs": {"column": "text", "regex": "EMBARGOED"},
            "severity": "critical",
            "meta": {"why": "a desk's rule: embargoed copy never reaches the warehouse"},
        },
        suite="documents",
    )
    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(strict))
    (seeds / "embargo.txt").write_text("EMBARGOED until Friday: a story that must wait its turn.")
    for _attempt in ("the night", "its retry"):
        with pytest.raises(GateFailed, match="(?s)gate .documents.*not_match_regex"):
            nightly(raw_dir=str(seeds), data_dir=str(data))
        assert not warehouse_rows(data, "select 1 from articles where body like '%EMBARGOED%'")

    # Once the suites change (the desk lifts the rule), the document the lake kept publishes.
    monkeypatch.delenv("COPYDESK_EXPECTATIONS")
    assert nightly(raw_dir=str(seeds), data_dir=str(data)).status == "published"
    assert warehouse_rows(data, "select 1 from articles where body like '%EMBARGOED%'")


def drop_from_lake(data, prefixes):
    """Remove the documents whose source_id starts with one of `prefixes` from the lake's files."""
    for part in (data / "lake" / "documents").glob("*/*.parquet"):
        table = pq.read_table(part)
        kept = [not s.startswith(prefixes) for s in table["source_id"].to_pylist()]
        pq.write_table(table.filter(pa.array(kept)), part)


def test_a_night_that_loses_two_fifths_of_the_articles_stops_at_the_publish_gate(
    seeds, tmp_path, monkeypatch
):
    data = tmp_path / "data"
    nightly(raw_dir=str(seeds), data_dir=str(data))
    published = data / "warehouse.duckdb"
    digest = file_digest(published)

    # Two of the five documents vanish from the lake: the next build has 3 articles, not 5.
    drop_from_lake(data, ("002", "004"))
    with pytest.raises(GateFailed) as failure:
        nightly(raw_dir=str(seeds), data_dir=str(data))
    message = str(failure.value)
    assert "gate 'table_counts' on build.table_counts failed" in message
    assert "expect_column_values_to_be_between(shrink_share)" in message
    assert "main.articles" in message
    assert file_digest(published) == digest
    assert not list(data.glob(".warehouse.*"))
    assert warehouse_rows(data, "select count(*) as n from articles") == [{"n": 5}]

    # The operator means it: the same night publishes.
    monkeypatch.setenv("COPYDESK_ALLOW_SHRINK", "1")
    summary = nightly(raw_dir=str(seeds), data_dir=str(data))
    assert summary.status == "published"
    assert summary.build == "full build of 3 documents: the lake no longer holds 2 of its documents"
    assert warehouse_rows(data, "select count(*) as n from articles") == [{"n": 3}]
    (counts,) = [g for g in summary.gates if g["suite"] == "table_counts"]
    assert counts["passed"] and counts["rows_checked"] == 10  # every mart


def test_a_feed_with_its_own_field_names_is_published_with_its_text_date_and_url(seeds, tmp_path):
    # A JSONL dump beside the seeds that says body/published/link, and content/pubDate/source.
    records = [
        {
            "link": "https://www.example-news.com/world/harbour-reopens",
            "published": "2025-05-20T23:30:00-05:00",
            "headline": "Harbour reopens after storm",
            "body": "LISBON: The city's harbour reopened to shipping on Tuesday after a week of"
            " repairs to the storm-damaged breakwater.\n\nPort officials said the first cargo"
            " ships were unloading and that ferry services would resume on Wednesday.",
        },
        {
            "source": {"id": None, "name": "Example Wire"},
            "pubDate": "Thu, 15 May 2025 08:00:00 GMT",
            "content": "Farmers in the valley began the cherry harvest early this year after a"
            " warm spring.\n\nGrowers expect a larger crop than last season, the regional"
            " cooperative said.",
        },
        {"id": "teaser-only", "headline": "No body here", "description": "Just a teaser."},
    ]
    (seeds / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    data = tmp_path / "data"
    summary = nightly(raw_dir=str(seeds), data_dir=str(data))
    assert summary.status == "published" and summary.counts["articles"] == 7
    rows = warehouse_rows(
        data,
        "select source_id, url, outlet, title, body, published_date, date_source from articles"
        " where source_id like 'feed.jsonl:%' order by source_id",
    )
    harbour, harvest = rows
    assert harbour["url"] == records[0]["link"]
    assert harbour["body"].startswith("The city's harbour reopened") and "ferry" in harbour["body"]
    assert (str(harbour["published_date"]), harbour["date_source"]) == ("2025-05-20", "metadata")
    assert harvest["body"].startswith("Farmers in the valley")
    assert (str(harvest["published_date"]), harvest["date_source"]) == ("2025-05-15", "metadata")
    assert harvest["outlet"] == "Example Wire"
    [quarantined] = warehouse_rows(data, "select source_id, reason from quarantine")
    assert quarantined == {
        "source_id": "teaser-only",
        "reason": "no article text (fields: id, headline, description)",
    }
