"""Ingest fanned out over a Dask cluster: batches read by worker processes, one committing driver,
and the same lake, report and warehouse as the one-process ingest."""

import gzip
import json
import shutil
from datetime import UTC, datetime

import pytest

import copydesk.ingest.batches
import flows.ingest
from copydesk.ingest.batches import plan_batches
from copydesk.ingest.commit import ingest
from copydesk.ingest.lake import STAGING, sweep_leftovers
from copydesk.ingest.listing import list_raw_files
from copydesk.settings import Settings
from flows.ingest import ingest_raw_dumps
from flows.nightly import nightly
from tests.conftest import SEEDS_DIR, lake_rows
from tests.test_recovery import table_contents

NOW = datetime(2026, 3, 4, 5, 6, tzinfo=UTC)
SEED_000 = sorted(SEEDS_DIR.glob("000_*.txt"))[0]


def jsonl(*records) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def write_night(raw):
    """The seeds plus every format, texts and bad records repeated in later batches: 14 files,
    in batches of three [000 001 002] [003 004 empty] [feed-a np-0 np-1] [np-2 np-broken x-feed]
    [y-feed z-copy]."""
    shutil.copytree(SEEDS_DIR, raw)
    no_text = {"id": "feed-item-9", "title": "a record without text"}
    (raw / "feed-a.jsonl").write_text(
        jsonl(
            {"id": "a1", "text": "Harbour reopens after the storm.", "url": "https://x.com/a1"},
            '{"text": "a broken line',
            {"text": "Ferries resume on Tuesday.", "fetched_at": "2026-03-03T08:00:00Z"},
            no_text,
        )
    )
    (raw / "y-feed.jsonl.gz").write_bytes(
        gzip.compress(
            jsonl(
                {"text": "Ferries resume on Tuesday."},  # feed-a.jsonl's line 3, again
                {"text": "Port workers vote on a new contract."},
                no_text,  # the same input as feed-a.jsonl's line 4: quarantined once
            ).encode()
        )
    )
    for number in range(3):
        article = {
            "maintext": f"News-please article number {number} about the harbour.",
            "title": f"Title {number}",
            "source_domain": "example.org",
            "url": f"https://example.org/{number}",
            "date_publish": "2026-03-02 10:00:00",
        }
        (raw / f"np-{number}.json").write_text(json.dumps(article))
    (raw / "np-broken.json").write_text('{"maintext": ')
    (raw / "empty.txt").write_bytes(b"")
    (raw / "x-feed.jsonl").write_text(jsonl({"text": "Harbour reopens after the storm."}))
    shutil.copy(SEED_000, raw / "z-copy-of-000.txt")


def sorted_rows(lake, kind):
    return sorted(
        tuple(sorted((k, repr(v)) for k, v in row.items())) for row in lake_rows(lake, kind)
    )


@pytest.fixture
def small_batches(monkeypatch):
    """Batches of three files, so even a small raw folder is read by several tasks."""
    monkeypatch.setattr(copydesk.ingest.batches, "BATCH_FILES", 3)


def test_batches_cover_every_file_once_in_order_and_respect_both_limits(tmp_path):
    sizes = [10, 10, 10, 50, 5, 5, 5, 5, 5]
    files = []
    for number, size in enumerate(sizes):
        path = tmp_path / f"{number}.txt"
        path.write_bytes(b"x" * size)
        files.append(path)
    batches = plan_batches(files, max_bytes=25, max_files=3)
    assert [b.first_file for b in batches] == [0, 2, 3, 4, 7]
    assert [len(b.paths) for b in batches] == [2, 1, 1, 3, 2]  # 50 bytes: a batch of its own
    assert [p for b in batches for p in b.paths] == files
    assert plan_batches([]) == []


def test_batches_weigh_files_by_the_sizes_given_without_looking_again(tmp_path):
    files = [tmp_path / "gone.txt", tmp_path / "gone-too.txt", tmp_path / "small.jsonl.gz"]
    # Looked up, files gone since the listing weigh nothing: one batch.
    assert len(plan_batches(files, max_bytes=25)) == 1
    # Given (the listing's sizes), they weigh what they weighed then; a .gz as it inflates (x8).
    batches = plan_batches(files, max_bytes=25, sizes=[20, 6, 2])
    assert [b.first_file for b in batches] == [0, 1]
    assert [len(b.paths) for b in batches] == [1, 2]
    assert len(plan_batches(files, max_bytes=25, sizes=[20, 6, 3])) == 3


def test_ingest_on_a_dask_cluster_gives_the_one_process_lake_and_report(
    tmp_path, prefect_server, dask_cluster, small_batches
):
    raw = tmp_path / "raw"
    write_night(raw)
    night_1 = tmp_path / "night-1"
    night_1.mkdir()
    shutil.copy(SEED_000, night_1)
    (night_1 / "empty.txt").write_bytes(b"")
    lakes = {}
    for name in ("one-process", "dask"):
        # The lake already holds seed 000 and the empty file's quarantine row.
        lakes[name] = tmp_path / name / "lake"
        first = ingest(night_1, lakes[name], "night-1", now=datetime(2026, 3, 3, tzinfo=UTC))
        assert (first.documents_new, first.quarantine_new) == (1, 1)
    single = ingest(raw, lakes["one-process"], "night-2", now=NOW)
    address = dask_cluster.scheduler_address
    settings = Settings(
        raw_dir=raw, data_dir=tmp_path / "dask", task_runner=address, settle_seconds=0
    )
    parallel = ingest_raw_dumps(settings, "night-2", NOW)

    assert len(plan_batches(list_raw_files(raw)[0])) == 5
    # Every batch was read by the cluster's workers, not in this process.
    read_tasks = dask_cluster.scheduler.task_prefixes["read_raw_batch"]
    assert read_tasks.state_counts["memory"] == 5  # counts every task that finished
    assert parallel == single and parallel.reconciles()
    assert (single.files_accepted, single.files_quarantined, single.files_duplicate) == (9, 1, 4)
    assert (single.documents_new, single.documents_duplicate) == (10, 4)
    assert (single.quarantine_new, single.quarantine_known) == (3, 2)
    assert sorted_rows(lakes["dask"], "documents") == sorted_rows(lakes["one-process"], "documents")
    assert sorted_rows(lakes["dask"], "quarantine") == sorted_rows(
        lakes["one-process"], "quarantine"
    )
    documents = {r["source_id"]: r for r in lake_rows(lakes["dask"]) if r["run_id"] == "night-2"}
    # The first occurrence wins across batches: feed-a.jsonl's lines, not x-feed's or y-feed's.
    assert "feed-a.jsonl:3" in documents and "a1" in documents
    assert not any(s.startswith(("x-feed", "y-feed.jsonl.gz:1", "z-copy")) for s in documents)
    quarantined = [r["source_path"] for r in lake_rows(lakes["dask"], "quarantine")]
    assert quarantined.count("feed-a.jsonl") == 2 and "y-feed.jsonl.gz" not in quarantined
    assert not (lakes["dask"] / STAGING).exists()
    assert not list(lakes["dask"].glob("**/.*.tmp"))


def test_a_failing_read_task_fails_the_run_and_writes_nothing(
    seeds, tmp_path, prefect_server, monkeypatch, small_batches
):
    def broken(*_args, **_kwargs):
        raise OSError("disk gone")

    monkeypatch.setattr(flows.ingest, "stage_batch", broken)
    monkeypatch.setenv("COPYDESK_TASK_RUNNER", "threads")
    data = tmp_path / "data"
    with pytest.raises(OSError, match="disk gone"):
        nightly(raw_dir=str(seeds), data_dir=str(data))
    assert lake_rows(data / "lake") == []
    assert not (data / "warehouse.duckdb").exists()
    assert not (data / "lake" / STAGING).exists()


def test_a_night_of_one_batch_is_read_without_starting_workers(
    seeds, tmp_path, prefect_server, monkeypatch
):
    class NoWorkers:
        def submit(self, *args, **kwargs):
            raise AssertionError("a one-batch night submitted a read task")

    monkeypatch.setattr(flows.ingest, "read_raw_batch", NoWorkers())
    settings = Settings(raw_dir=seeds, data_dir=tmp_path / "data", task_runner="dask")
    assert ingest_raw_dumps(settings, "run-1", NOW).documents_new == 5


def test_a_killed_runs_staged_rows_are_swept_and_never_read(seeds, tmp_path):
    lake = tmp_path / "lake"
    leftover = lake / STAGING / "killed-run" / "batch-000000000-abcd1234.documents.arrow"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half an Arrow file")
    assert ingest(seeds, lake, "run-1").documents_new == 5  # staged rows are not lake rows
    assert sweep_leftovers(lake) == [lake / STAGING]
    assert not (lake / STAGING).exists()


def test_the_nightly_flow_on_dask_publishes_what_the_default_runner_does(
    tmp_path, prefect_server, monkeypatch, small_batches
):
    raw = tmp_path / "raw"
    write_night(raw)
    monkeypatch.delenv("COPYDESK_TASK_RUNNER", raising=False)
    default = nightly(raw_dir=str(raw), data_dir=str(tmp_path / "default"))
    monkeypatch.setenv("COPYDESK_TASK_RUNNER", "dask")
    on_dask = nightly(raw_dir=str(raw), data_dir=str(tmp_path / "dask"))
    assert default.status == on_dask.status == "published"
    assert on_dask.ingest == default.ingest and default.ingest["documents_new"] == 11
    assert on_dask.counts == default.counts
    assert table_contents(tmp_path / "dask" / "warehouse.duckdb") == table_contents(
        tmp_path / "default" / "warehouse.duckdb"
    )


@pytest.mark.parametrize(
    ("value", "runner", "address"),
    [
        (None, "threads", None),
        ("processes", "processes", None),
        ("dask", "dask", None),
        ("dask://10.0.0.5:8786", "dask://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
        ("tcp://scheduler:8786", "tcp://scheduler:8786", "tcp://scheduler:8786"),
    ],
)
def test_the_task_runner_setting(monkeypatch, value, runner, address):
    if value is None:
        monkeypatch.delenv("COPYDESK_TASK_RUNNER", raising=False)
    else:
        monkeypatch.setenv("COPYDESK_TASK_RUNNER", value)
    settings = Settings.from_env()
    assert (settings.task_runner, settings.dask_address) == (runner, address)


@pytest.mark.parametrize("value", ["dask-local", "ray", "tcp://"])
def test_an_unknown_task_runner_is_refused(monkeypatch, value):
    monkeypatch.setenv("COPYDESK_TASK_RUNNER", value)
    with pytest.raises(ValueError, match="COPYDESK_TASK_RUNNER"):
        Settings.from_env()


def test_the_field_map_reaches_every_read_task(tmp_path, prefect_server, small_batches):
    raw = tmp_path / "raw"
    raw.mkdir()
    for number in range(7):  # three batches of at most three files: read by submitted tasks
        (raw / f"feed-{number}.jsonl").write_text(jsonl({"story_body": f"Mapped story {number}."}))
    settings = Settings(
        raw_dir=raw,
        data_dir=tmp_path / "data",
        settle_seconds=0,
        field_map=(("text", "story_body"),),
    )
    report = ingest_raw_dumps(settings, "run-1", NOW)
    assert (report.documents_new, report.records_bad) == (7, 0)
