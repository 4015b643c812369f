"""Shared fixtures: one Prefect test server per session, and runners for SQL models on DuckDB."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import pytest

# Before Prefect is imported anywhere: its home and results live in a throwaway folder.
PREFECT_HOME = Path(tempfile.mkdtemp(prefix="copydesk-prefect-"))
os.environ["PREFECT_HOME"] = str(PREFECT_HOME)
os.environ["PREFECT_LOCAL_STORAGE_PATH"] = str(PREFECT_HOME / "results")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Tests write raw files and run on them at once; the settle time is tested where it is set.
os.environ["COPYDESK_SETTLE_SECONDS"] = "0"

from copydesk.ingest.decode import doc_id_of, normalize_text  # noqa: E402
from copydesk.ingest.readers import lake_row  # noqa: E402
from copydesk.settings import EXPECTATIONS_DIR, PROJECT_ROOT, quiet_environment  # noqa: E402
from copydesk.warehouse.build import build_in_memory  # noqa: E402
from copydesk.warehouse.connection import prepare_connection  # noqa: E402
from copydesk.warehouse.models import load_models  # noqa: E402

quiet_environment()
SEEDS_DIR = PROJECT_ROOT / "data" / "raw"
# Tables that record what runs did rather than what the lake holds: the run log, the input
# ledger (each night's view of the raw folder), and which documents the build computed or whose
# date evidence or articles it rewrote (all in a full build, the night's in an update).
# Comparisons of warehouses built in different ways leave them out.
BUILD_RECORD_TABLES = frozenset(
    {
        "main.runs",
        "main.inputs",
        "intermediate.int_changed_documents",
        "intermediate.int_redated_documents",
        "intermediate.int_touched_documents",
    }
)

# Story names are weighed by the idf of the last full build (int_story_idf, frozen until the next
# one), so an update's name weights and story similarities drift from those of one run over the
# same lake (docs/copies-and-stories.md). Comparisons of such warehouses read only these columns
# of these tables (none of the snapshot): how many names each article keeps (which 40 of more can
# differ at the margin: 12 rows of a synthetic 600-article crawl did) and which pairs.
IDF_DRIFT_COLUMNS = {
    "intermediate.int_story_idf": (),
    "intermediate.int_story_terms": ("doc_id",),
    "intermediate.int_story_pairs": ("doc_a", "doc_b"),
}


@pytest.fixture(scope="session")
def prefect_server():
    """One temporary Prefect server for every flow test (starting one costs 7-18 s)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def published_seeds(tmp_path_factory, prefect_server) -> Path:
    """A data folder with the seeds published by `copydesk run`, for tests that only read it."""
    from copydesk.cli import main

    root = tmp_path_factory.mktemp("published")
    shutil.copytree(SEEDS_DIR, root / "raw")
    assert main(["run", "--raw", str(root / "raw"), "--data", str(root / "data")]) == 0
    return root / "data"


@pytest.fixture
def seeds(tmp_path) -> Path:
    """A raw folder holding a copy of the five bundled seed dumps."""
    raw = tmp_path / "raw"
    shutil.copytree(SEEDS_DIR, raw)
    return raw


def document(text: str, **metadata) -> dict:
    """A lake row as ingest writes it, for feeding models directly."""
    now = metadata.pop("ingested_at", datetime(2026, 1, 15, tzinfo=UTC))
    source_id = metadata.pop("source_id", f"fixture-{doc_id_of(normalize_text(text))[:8]}.txt")
    run_id = metadata.pop("run_id", "test-run")
    return lake_row(text, source_id, now, run_id, **metadata)


def lake_rows(lake: Path, kind: str = "documents") -> list[dict]:
    """Every row of one lake table (documents, quarantine)."""
    files = sorted((lake / kind).glob("*/*.parquet"))
    if not files:
        return []
    return pads.dataset(files, format="parquet").to_table().to_pylist()


@pytest.fixture
def raw(tmp_path) -> Path:
    """An empty raw folder."""
    folder = tmp_path / "raw"
    folder.mkdir()
    return folder


@pytest.fixture
def lake(tmp_path) -> Path:
    """Where a test's lake goes."""
    return tmp_path / "lake"


def seed_documents() -> list[dict]:
    return [
        document(path.read_text(encoding="utf-8"), source_id=path.name)
        for path in sorted(SEEDS_DIR.glob("*.txt"))
    ]


def build_warehouse(documents: list[dict], until: str | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse built by every model (or those up to `until`) from given documents."""
    return build_in_memory(documents, until)


def suites_with(folder: Path, expectation: dict, suite: str = "articles") -> Path:
    """A copy of the real expectations/ with one more expectation in one suite."""
    shutil.copytree(EXPECTATIONS_DIR, folder)
    path = folder / f"{suite}.json"
    content = json.loads(path.read_text())
    content["expectations"].append(expectation)
    path.write_text(json.dumps(content, indent=2))
    return folder


def create_input_tables(
    conn: duckdb.DuckDBPyConnection, inputs: dict[str, list[dict] | pa.Table]
) -> None:
    """Each `schema.table` of `inputs` made (or replaced) from its rows, or from an Arrow table
    where a type must be exact."""
    for name, rows in inputs.items():
        schema_name = name.split(".")[0]
        conn.execute(f"create schema if not exists {schema_name}")
        conn.register(
            "input_rows", rows if isinstance(rows, pa.Table) else pa.Table.from_pylist(rows)
        )
        conn.execute(f"create or replace table {name} as select * from input_rows")
        conn.unregister("input_rows")


def run_model(table: str, inputs: dict[str, list[dict] | pa.Table]) -> list[dict]:
    """Run one model's SQL on in-memory DuckDB over the given input tables (rows, or an Arrow
    table where a type must be exact); returns its rows."""
    conn = duckdb.connect()
    create_input_tables(conn, inputs)
    prepare_connection(conn)
    model = next(model for model in load_models() if model.table == table)
    every_document_in_scope(conn, model.depends_on - set(inputs))
    cursor = conn.execute(model.sql)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def every_document_in_scope(conn: duckdb.DuckDBPyConnection, missing: set[str]) -> None:
    """As in a full build: the scope tables an incremental model reads (build.new_documents,
    int_changed_documents) name every document of the given rows, unless a test gives them."""
    scopes = {"build.new_documents", "intermediate.int_changed_documents"} & missing
    if not scopes:
        return
    tables = conn.execute(
        "select schema_name || '.' || table_name from duckdb_columns()"
        " where column_name = 'doc_id' and database_name = current_database()"
    ).fetchall()
    documents = " union ".join(f"select doc_id from {name}" for (name,) in tables)  # noqa: S608
    for scope in sorted(scopes):
        conn.execute(f"create schema if not exists {scope.split('.')[0]}")
        conn.execute(
            f"create table {scope} as select distinct doc_id, doc_key(doc_id) as doc_key"  # noqa: S608
            f" from ({documents or 'select null::varchar as doc_id limit 0'})"
        )


def query(conn: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    cursor = conn.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def pytest_unconfigure(config):
    """Collect DuckDB objects caught in reference cycles (GX, Prefect) before the interpreter
    exits; otherwise DuckDB's bindings print a page of spurious "leaked instance" warnings."""
    import gc

    gc.collect()


@pytest.fixture(scope="module")
def dask_cluster():
    """A local Dask cluster of two single-threaded worker processes (imported here only: most
    tests never start one)."""
    import distributed

    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster
