"""Runs you can leave alone: a night with nothing new publishes nothing, re-runs, retries and
backfills end with the same warehouse content, article_id is stable, stale WALs are reported and
kept, and `copydesk rollback` restores the previous generation."""

import hashlib
import json
import os
import random
import shutil

import duckdb
import pytest

from copydesk.cli import main
from copydesk.settings import Settings
from copydesk.warehouse.background_copy import BackgroundCopy
from copydesk.warehouse.runs import run_lock
from flows.nightly import nightly
from tests.conftest import BUILD_RECORD_TABLES, IDF_DRIFT_COLUMNS, SEEDS_DIR, suites_with

pytestmark = pytest.mark.usefixtures("prefect_server")

# Columns that say when and by which run a row arrived, not what it holds. Everything else but the
# build records must be identical however the lake was filled.
VOLATILE_COLUMNS = {"run_id", "ingested_at", "quarantined_at"}


def table_contents(database) -> dict[str, tuple[int, str]]:
    """{schema.table: (row count, sha256 of the sorted rows without volatile columns)}; of the
    tables the idf snapshot makes drift, only the columns IDF_DRIFT_COLUMNS names."""
    contents = {}
    with duckdb.connect(str(database), read_only=True) as conn:
        tables = conn.execute(
            "select schema_name, table_name from duckdb_tables() order by all"
        ).fetchall()
        for schema, table in tables:
            name = f"{schema}.{table}"
            if name in BUILD_RECORD_TABLES:
                continue
            columns = [
                row[0]
                for row in conn.execute(
                    "select column_name from duckdb_columns()"
                    " where schema_name = ? and table_name = ? order by column_index",
                    [schema, table],
                ).fetchall()
                if row[0] not in VOLATILE_COLUMNS
                and row[0] in IDF_DRIFT_COLUMNS.get(name, (row[0],))
            ]
            if not columns:
                continue
            select = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
            rows = conn.execute(
                f'select {select} from "{schema}"."{table}" order by all'
            ).fetchall()
            digest = hashlib.sha256(repr(rows).encode()).hexdigest()
            contents[name] = (len(rows), digest)
    return contents


def article_ids(database) -> list[str]:
    with duckdb.connect(str(database), read_only=True) as conn:
        return [r[0] for r in conn.execute("select article_id from articles").fetchall()]


def write_day_two(raw):
    """A second night's input: a JSONL feed with a broken line, a bad file, a new story."""
    (raw / "feed.jsonl").write_text(
        json.dumps(
            {
                "id": "feed-1",
                "text": "KYIV: Talks resumed on Tuesday after a day of delays, officials said.",
                "url": "https://example.org/2025/06/03/talks",
                "fetched_at": "2025-06-03T09:00:00Z",
            }
        )
        + "\n{broken line\n"
    )
    (raw / "empty.txt").write_bytes(b"")
    (raw / "extra.txt").write_text(
        " date 2025-06-03 ANKARA: A new story arrives on the second night and is long enough."
    )


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """Both nights' input published by one uninterrupted run: the content every other way of
    getting there must reach."""
    root = tmp_path_factory.mktemp("reference")
    raw = root / "raw"
    shutil.copytree(SEEDS_DIR, raw)
    write_day_two(raw)
    summary = nightly(raw_dir=str(raw), data_dir=str(root / "data"))
    assert summary.status == "published"
    return root


def test_a_night_with_nothing_new_publishes_nothing(reference):
    data = reference / "data"
    published = data / "warehouse.duckdb"
    before = (published.read_bytes(), published.stat().st_ino)
    summary = nightly(raw_dir=str(reference / "raw"), data_dir=str(data))
    assert summary.status == "nothing_new"
    assert summary.ingest["documents_new"] == 0 and summary.ingest["quarantine_new"] == 0
    # Every file is unchanged and left unread, but empty.txt: it only ever quarantined, so it is
    # read again (its quarantine row is known already).
    assert summary.ingest["files_unchanged"] == summary.ingest["files_listed"] - 1
    assert summary.ingest["files_duplicate"] == 1 and summary.ingest["quarantine_known"] == 1
    assert (published.read_bytes(), published.stat().st_ino) == before
    assert not (data / "warehouse.previous.duckdb").exists()
    # The copy of the published file started beside ingest was stopped and removed.
    assert not list(data.glob(".warehouse.*"))
    assert summary.counts["articles"] == 7
    statuses = duckdb.sql(
        f"select status from read_parquet('{data}/lake/runs/*/*.parquet') order by started_at"
    ).fetchall()
    assert statuses == [("published",), ("nothing_new",)]


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory):
    """The same input published night by night: the seeds on night 1, day two's input on night 2.
    Returns the folder and each generation's contents."""
    root = tmp_path_factory.mktemp("backfill")
    raw, data = root / "raw", root / "data"
    shutil.copytree(SEEDS_DIR, raw)
    assert nightly(raw_dir=str(raw), data_dir=str(data)).status == "published"
    first = table_contents(data / "warehouse.duckdb")
    write_day_two(raw)
    assert nightly(raw_dir=str(raw), data_dir=str(data)).status == "published"
    second = table_contents(data / "warehouse.duckdb")
    assert first != second
    return root, first, second


def test_night_by_night_reaches_the_same_content_and_article_ids_as_one_run(reference, backfilled):
    root, _, second = backfilled
    assert second == table_contents(reference / "data" / "warehouse.duckdb")
    ids = article_ids(root / "data" / "warehouse.duckdb")
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(article_ids(reference / "data" / "warehouse.duckdb"))


def test_a_retry_after_a_failed_run_reaches_the_same_content(reference, tmp_path, monkeypatch):
    raw, data = tmp_path / "raw", tmp_path / "data"
    shutil.copytree(reference / "raw", raw)
    strict = suites_with(
        tmp_path / "strict",
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"max_value": 2},
            "severity": "critical",
            "meta": {"why": "fails this run on purpose, right after ingest"},
        },
        suite="documents",
    )
    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(strict))
    with pytest.raises(Exception, match="gate"):
        nightly(raw_dir=str(raw), data_dir=str(data))
    assert not (data / "warehouse.duckdb").exists()
    monkeypatch.delenv("COPYDESK_EXPECTATIONS")
    # The lake already holds everything: ingest adds nothing, but nothing was ever published
    # from it, so this run builds and publishes.
    summary = nightly(raw_dir=str(raw), data_dir=str(data))
    assert summary.status == "published" and summary.ingest["documents_new"] == 0
    assert table_contents(data / "warehouse.duckdb") == table_contents(
        reference / "data" / "warehouse.duckdb"
    )


def test_rollback_restores_the_previous_generation_and_a_second_rollback_undoes_it(
    backfilled, capsys
):
    root, first, second = backfilled
    data = root / "data"
    assert main(["rollback", "--data", str(data)]) == 0
    assert "rolled back" in capsys.readouterr().out
    assert table_contents(data / "warehouse.duckdb") == first
    assert table_contents(data / "warehouse.previous.duckdb") == second
    assert main(["rollback", "--data", str(data)]) == 0
    assert table_contents(data / "warehouse.duckdb") == second
    assert table_contents(data / "warehouse.previous.duckdb") == first


def test_after_a_rollback_the_next_night_rebuilds_from_the_lake(backfilled):
    root, _, second = backfilled
    data = root / "data"
    assert main(["rollback", "--data", str(data)]) == 0
    summary = nightly(raw_dir=str(root / "raw"), data_dir=str(data))
    assert summary.status == "published"  # not nothing_new: the published file is not its build
    assert table_contents(data / "warehouse.duckdb") == second


def test_rollback_is_refused_without_a_previous_generation_or_during_a_run(
    backfilled, tmp_path, capsys
):
    assert main(["rollback", "--data", str(tmp_path)]) == 2
    assert "no previous generation" in capsys.readouterr().err
    data = backfilled[0] / "data"
    with run_lock(Settings.from_env(data_dir=str(data))):
        assert main(["rollback", "--data", str(data)]) == 2
    assert "in progress" in capsys.readouterr().err


def test_leftovers_are_swept_and_a_stale_wal_is_reported_kept_and_moved_aside(tmp_path, capsys):
    raw, data = tmp_path / "raw", tmp_path / "data"
    shutil.copytree(SEEDS_DIR, raw)
    nightly(raw_dir=str(raw), data_dir=str(data))
    # What a killed session or run leaves behind.
    wal = data / "warehouse.duckdb.wal"
    wal.write_bytes(b"unsaved writes of a session that crashed")
    leftover = data / ".warehouse.20990101T000000Z-dead00.building.duckdb"
    leftover.write_bytes(b"half a warehouse")
    partition = data / "lake" / "documents" / "ingest_date=2025-06-02"
    partition.mkdir(parents=True)
    half = partition / ".run-killed-00000.parquet.tmp"
    half.write_bytes(b"PAR1 half a parquet file")

    # Nothing new to publish: the WAL is reported and left exactly where it is.
    quiet = nightly(raw_dir=str(raw), data_dir=str(data))
    assert quiet.status == "nothing_new"
    assert any("stale WAL" in notice for notice in quiet.notices)
    assert wal.read_bytes() == b"unsaved writes of a session that crashed"
    assert not leftover.exists()  # an unpublished building file is only a killed run's leftover
    assert not half.exists() and os.listdir(partition) == []  # never renamed, so never read

    # Rollback would put another file under that WAL: refused, the WAL untouched.
    assert main(["rollback", "--data", str(data)]) == 2
    assert "stale WAL" in capsys.readouterr().err

    # A publish moves it aside (never deletes it) so the new warehouse opens.
    (raw / "extra.txt").write_text("A new story arrives tonight and is long enough to publish.")
    summary = nightly(raw_dir=str(raw), data_dir=str(data))
    assert summary.status == "published"
    assert any("stale WAL" in notice for notice in summary.notices)
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        conn.execute("select count(*) from articles").fetchall()  # opens cleanly
    assert not wal.exists()
    (aside,) = data.glob("warehouse.duckdb.wal.stale-*")
    assert aside.read_bytes() == b"unsaved writes of a session that crashed"
    assert len(article_ids(data / "warehouse.duckdb")) == 6
    runs = duckdb.sql(
        f"select status, message from read_parquet('{data}/lake/runs/*/*.parquet')"
        " where status = 'published' order by started_at"
    ).fetchall()
    assert "stale WAL" in runs[-1][1]


def test_the_published_file_copied_in_the_background_is_byte_for_byte(tmp_path):
    source = tmp_path / "published.duckdb"
    source.write_bytes(random.Random(7).randbytes(3_000_001))
    copy = BackgroundCopy(source, tmp_path / "copy.duckdb", chunk_bytes=1 << 20)
    assert copy.wait().read_bytes() == source.read_bytes()


def test_a_cancelled_background_copy_stops_and_leaves_no_file(tmp_path):
    source = tmp_path / "published.duckdb"
    source.write_bytes(bytes(50_000_000))
    copy = BackgroundCopy(source, tmp_path / "copy.duckdb", chunk_bytes=4096)
    copy.cancel()
    assert not copy.target.exists()
    assert copy.error is None


def test_a_failed_background_copy_fails_whoever_waits_for_it(tmp_path):
    copy = BackgroundCopy(tmp_path / "missing.duckdb", tmp_path / "copy.duckdb")
    with pytest.raises(FileNotFoundError):
        copy.wait()
