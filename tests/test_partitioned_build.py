"""The per-document models run per lake partition (COPYDESK_PARTITIONED_BUILD): the prefix read
from the model headers, and every table identical to the one-process build, on a 2-worker local
Dask cluster, in a full build and in an update."""

import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from copydesk.ingest.commit import ingest
from copydesk.settings import SQL_DIR, Settings
from copydesk.synth.night import synth
from copydesk.warehouse.build import build_models, record_new_documents
from copydesk.warehouse.connection import building_connection
from copydesk.warehouse.models import load_models
from copydesk.warehouse.partitions import plan_partitions, split_prefix
from flows.nightly import nightly
from flows.partitions import build_per_partition, features_dir, remove_features
from tests.conftest import SEEDS_DIR
from tests.test_recovery import table_contents

PER_DOCUMENT = {
    "staging.stg_documents",
    "staging.stg_paragraphs",
    "intermediate.int_opening_shingles",
    "intermediate.int_tail_shingles",
    "intermediate.int_header_dates",
    "intermediate.int_stated_dates",
    "intermediate.int_date_candidates",
    "intermediate.int_article_outlets",
}


def tables_of(models) -> set[str]:
    return {model.table for model in models}


def test_the_prefix_is_read_from_the_headers_and_stops_at_the_first_cross_document_model():
    reference, prefix = split_prefix(load_models())
    assert tables_of(reference) == {
        "staging.stg_outlet_aliases",
        "staging.stg_outlet_domains",
        "staging.stg_date_words",
        "staging.stg_date_priors",
    }
    assert tables_of(prefix) >= PER_DOCUMENT
    # Teaser matching reads every document's openings; all that follows it is out too.
    for table in (
        "intermediate.int_changed_documents",
        "intermediate.int_teaser_matches",
        "intermediate.int_paragraph_roles",
        "intermediate.int_document_parts",
        "intermediate.int_shingles",
        "intermediate.int_copy_candidates",
    ):
        assert table not in tables_of(prefix)


def test_a_new_per_document_model_joins_the_prefix_and_one_after_teasers_does_not(tmp_path):
    sql = tmp_path / "sql"
    shutil.copytree(SQL_DIR, sql)
    header = "-- One row per {row}.\n-- Why: a test.\n-- @incremental doc_id = {scope}.doc_id\n"
    header += "-- @grain doc_id\n"
    words = header.format(row="document's length", scope="build.new_documents")
    (sql / "intermediate" / "int_document_lengths.sql").write_text(
        words + "select doc_id, length(text) as chars from staging.stg_documents\n"
        "where doc_id in (select doc_id from build.new_documents)\n"
    )
    teased = header.format(row="teased document", scope="build.new_documents")
    (sql / "intermediate" / "int_teased.sql").write_text(
        teased + "select doc_id from intermediate.int_teaser_matches\n"
        "where doc_id in (select doc_id from build.new_documents)\n"
    )
    changed = header.format(row="changed document", scope="intermediate.int_changed_documents")
    (sql / "intermediate" / "int_changed_words.sql").write_text(
        changed + "select doc_id from staging.stg_documents\n"
        "where doc_id in (select doc_id from intermediate.int_changed_documents)\n"
    )
    _, prefix = split_prefix(load_models(sql))
    assert "intermediate.int_document_lengths" in tables_of(prefix)
    assert "intermediate.int_teased" not in tables_of(prefix)
    assert "intermediate.int_changed_words" not in tables_of(prefix)


def night_folders(tmp_path: Path) -> list[Path]:
    """Three nights: the seeds, then a 240-document synthetic crawl's files split in two (copies
    and teasers of one night's articles arrive on the other)."""
    synth(240, tmp_path / "synth", seed=18)
    files = sorted(p for p in (tmp_path / "synth" / "raw").rglob("*") if p.is_file())
    nights = [SEEDS_DIR, tmp_path / "night-2", tmp_path / "night-3"]
    for number, path in enumerate(files):
        target = nights[1 + number % 2] / path.relative_to(tmp_path / "synth" / "raw")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return nights


def build(settings: Settings, run_id: str, update: bool) -> dict[str, int]:
    """The build of the warehouse file settings names for run_id, per partition when set."""
    with building_connection(settings, run_id) as conn:
        record_new_documents(conn)
    precomputed, _ = (
        build_per_partition(settings, run_id) if settings.partitioned_build else ({}, "")
    )
    models = load_models()
    with building_connection(settings, run_id) as conn:
        counts = build_models(conn, models, incremental=update, precomputed=precomputed)
    remove_features(settings, run_id)
    return counts


def differences(first: Path, second: Path) -> list[str]:
    """Every table whose columns, types, row count or rows (EXCEPT ALL, both ways) differ."""
    conn = duckdb.connect()
    conn.execute(f"attach '{first}' as a (read_only)")
    conn.execute(f"attach '{second}' as b (read_only)")
    columns = (
        "select schema_name || '.' || table_name,"
        " list(column_name || ' ' || data_type order by column_index)"
        " from duckdb_columns() where database_name = ? group by all"
    )
    tables_a = dict(conn.execute(columns, ["a"]).fetchall())
    tables_b = dict(conn.execute(columns, ["b"]).fetchall())
    found = sorted(tables_a.keys() ^ tables_b.keys())
    for table in sorted(tables_a.keys() & tables_b.keys()):
        if tables_a[table] != tables_b[table]:
            found.append(f"{table}: columns")
            continue
        counts = [
            conn.execute(f"select count(*) from {db}.{table}").fetchall()[0][0] for db in "ab"
        ]
        extra = tuple(
            conn.execute(
                f"select count(*) from (from {x}.{table} except all from {y}.{table})"
            ).fetchall()[0][0]
            for x, y in ("ab", "ba")
        )
        if counts[0] != counts[1] or extra != (0, 0):
            found.append(f"{table}: {counts} rows, {extra} only on one side")
    assert len(tables_a) > 40
    return found


def test_per_partition_on_a_dask_cluster_builds_every_table_as_one_process_does(
    tmp_path, prefect_server, dask_cluster
):
    nights = night_folders(tmp_path)
    ways = {
        "one-process": Settings(data_dir=tmp_path / "one"),
        "partitions": Settings(
            data_dir=tmp_path / "parts",
            task_runner=dask_cluster.scheduler_address,
            partitioned_build=True,
        ),
    }
    # The first build sees two partitions (the seeds, then night 2); the update a third.
    for number, raw in enumerate(nights[:2], start=1):
        for settings in ways.values():
            now = datetime(2026, 3, number, 2, tzinfo=UTC)
            ingest(raw, settings.lake_dir, f"night-{number}", now=now)
    counts = {name: build(settings, "full", update=False) for name, settings in ways.items()}
    files = {name: settings.building_path("full") for name, settings in ways.items()}
    assert counts["partitions"] == counts["one-process"]
    assert counts["one-process"]["staging.stg_documents"] > 90
    assert differences(files["one-process"], files["partitions"]) == []
    tasks = dask_cluster.scheduler.task_prefixes["build_lake_partition"]
    assert tasks.state_counts["memory"] == 2  # one task per partition, run by the workers

    for name, settings in ways.items():
        ingest(nights[2], settings.lake_dir, "night-3", now=datetime(2026, 3, 3, 2, tzinfo=UTC))
        shutil.copy(files[name], settings.building_path("update"))
    full = counts["one-process"]
    counts = {name: build(settings, "update", update=True) for name, settings in ways.items()}
    assert counts["partitions"] == counts["one-process"]
    assert counts["one-process"]["staging.stg_documents"] > full["staging.stg_documents"] + 100
    updated = {name: settings.building_path("update") for name, settings in ways.items()}
    assert differences(updated["one-process"], updated["partitions"]) == []
    assert tasks.state_counts["memory"] == 3  # the update's one new partition


def test_a_document_in_two_partitions_is_built_in_one_process(tmp_path, seeds):
    settings = Settings(data_dir=tmp_path / "data", partitioned_build=True)
    ingest(seeds, settings.lake_dir, "night-1", now=datetime(2026, 3, 1, 2, tzinfo=UTC))
    first = settings.documents_dir / "ingest_date=2026-03-01"
    # A lake written by hand (ingest never does this): the same rows again in a later partition.
    shutil.copytree(first, settings.documents_dir / "ingest_date=2026-03-02")
    with building_connection(settings, "run") as conn:
        record_new_documents(conn)
        assert plan_partitions(conn, settings.documents_dir, tmp_path / "out") is None
    assert build_per_partition(settings, "run") == (
        {},
        "in one process: a document is in two lake partitions",
    )


def test_the_nightly_flow_per_partition_publishes_the_one_process_warehouse(
    seeds, tmp_path, prefect_server, published_seeds, monkeypatch
):
    monkeypatch.setenv("COPYDESK_PARTITIONED_BUILD", "1")
    monkeypatch.setenv("COPYDESK_TASK_RUNNER", "threads")
    data = tmp_path / "data"
    summary = nightly(raw_dir=str(seeds), data_dir=str(data))
    assert summary.status == "published"
    assert table_contents(data / "warehouse.duckdb") == table_contents(
        published_seeds / "warehouse.duckdb"
    )
    assert not features_dir(Settings(data_dir=data), summary.run_id).exists()


@pytest.mark.parametrize(("value", "expected"), [(None, False), ("0", False), ("1", True)])
def test_the_partitioned_build_setting(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("COPYDESK_PARTITIONED_BUILD", raising=False)
    else:
        monkeypatch.setenv("COPYDESK_PARTITIONED_BUILD", value)
    assert Settings.from_env().partitioned_build is expected
