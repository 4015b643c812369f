"""DuckDB connections set up for the models: macros, UDFs, reference tables, the lake as raw.*."""

from __future__ import annotations

import contextlib
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
from publicsuffixlist import PublicSuffixList

from copydesk.ingest.lake import (
    DOCUMENT_SCHEMA,
    INPUTS_SCHEMA,
    QUARANTINE_SCHEMA,
)
from copydesk.settings import REFERENCE_DIR, SQL_DIR, Settings
from copydesk.warehouse.runs import RUNS_SCHEMA

SOURCE_SCHEMA = "raw"


def prepare_connection(conn: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Create the macros of sql/macros/ and the Python functions the models call (both temporary:
    they do not outlive the build, so the published file needs neither)."""
    # Timestamps become dates in UTC, as the lake stores them: DuckDB's default is the machine's
    # zone, which would date a page fetched at 20:00 UTC a day later on a machine in UTC+14.
    conn.execute("set TimeZone = 'UTC'")
    create_macros(conn, sql_dir)
    # DuckDB cannot replace a Python function; a connection prepared before keeps its own.
    with contextlib.suppress(duckdb.NotImplementedException):
        conn.create_function(  # type: ignore[call-overload]
            "registrable_domain",
            registrable_domain,
            # Types by name: a module-level DuckDBPyType outlives DuckDB's bindings at exit and
            # makes them print "leaked instance" warnings.
            ["VARCHAR"],
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )


def create_macros(conn: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """The temporary macros of sql/macros/, in file name order (a macro binds those it calls)."""
    for path in sorted((sql_dir / "macros").glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def public_suffix_list() -> PublicSuffixList:
    return PublicSuffixList()  # the list bundled with the package: no network


@lru_cache(maxsize=100_000)
def registrable_domain(host: str | None) -> str | None:
    """The registrable domain of a host (english.pravda.ru -> pravda.ru, www.japantimes.co.jp ->
    japantimes.co.jp), by the public suffix list.

    A Python function because SQL cannot apply the list's ~10,000 rules with their wildcards and
    exceptions; the models call it once per distinct host, not per article.
    """
    if not host:
        return None
    return public_suffix_list().privatesuffix(host.strip(".").lower()) or None


def table_exists(conn: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> bool:
    """Whether `schema.table` exists in the connection's database, or in an attached one."""
    schema, name = table.split(".")
    found = conn.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?"
        " and database_name = coalesce(?, current_database())",
        [schema, name, database],
    ).fetchall()[0][0]
    return found > 0


def sql_literal(text: str) -> str:
    """A string literal for COMMENT ON, which takes no parameters; the text is our own source."""
    return "'" + text.replace("'", "''") + "'"


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def lake_dataset(directory: Path, schema: pa.Schema) -> pads.Dataset | pa.Table:
    """The lake's Parquet files under a folder, or an empty table of the same schema."""
    files = sorted(str(p) for p in directory.glob("*/*.parquet"))
    if not files:
        return schema.empty_table()
    return pads.dataset(files, schema=schema, format="parquet")


def register_sources(conn: duckdb.DuckDBPyConnection, settings: Settings) -> None:
    """Expose the lake's documents, quarantine, input ledger and runs as raw.* views for the
    models to read."""
    sources = {
        "documents": lake_dataset(settings.documents_dir, DOCUMENT_SCHEMA),
        "quarantine": lake_dataset(settings.quarantine_dir, QUARANTINE_SCHEMA),
        "inputs": lake_dataset(settings.inputs_dir, INPUTS_SCHEMA),
        "runs": lake_dataset(settings.runs_dir, RUNS_SCHEMA),
    }
    conn.execute(f"create schema if not exists {SOURCE_SCHEMA}")
    for name, data in sources.items():
        conn.register(f"lake_{name}", data)
        # Fixed source names; no data goes into the statement.
        view = f"create or replace view {SOURCE_SCHEMA}.{name} as select * from lake_{name}"  # noqa: S608
        conn.execute(view)
    load_reference_tables(conn)


def load_reference_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """Each CSV of data/reference/ as raw.<name>, all columns text (the models cast)."""
    for path in sorted(REFERENCE_DIR.glob("*.csv")):
        # The table name is our own file's stem; the path goes in as a parameter.
        create = f"create or replace table {SOURCE_SCHEMA}.{path.stem} as "  # noqa: S608
        read = "select * from read_csv(?, header = true, all_varchar = true)"
        conn.execute(create + read, [str(path)])


def drop_sources(conn: duckdb.DuckDBPyConnection) -> None:
    """The raw views point at this process's Arrow datasets; they must not outlive it."""
    conn.execute(f"drop schema if exists {SOURCE_SCHEMA} cascade")


def read_only_connection(path: Path, macros: bool = False) -> duckdb.DuckDBPyConnection:
    """A short-lived connection for ad-hoc SQL: read-only, no file access, settings locked; with
    `macros`, the models' macros too (temporary, so the file stays untouched)."""
    if not path.exists():
        raise FileNotFoundError(f"no warehouse at {path}; run `copydesk run` first")
    conn = duckdb.connect(
        str(path),
        read_only=True,
        config={
            "enable_external_access": False,
            "autoinstall_known_extensions": False,
            "autoload_known_extensions": False,
        },
    )
    if macros:
        create_macros(conn)
    conn.execute("set lock_configuration = true")
    return conn


@contextmanager
def building_connection(settings: Settings, run_id: str):
    """A connection to this run's unpublished warehouse file, with the lake attached as raw.*."""
    conn = duckdb.connect(str(settings.building_path(run_id)), config=settings.duckdb_config())
    try:
        register_sources(conn, settings)
        yield conn
        drop_sources(conn)
    finally:
        conn.close()
