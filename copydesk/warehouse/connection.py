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
# The storage format every warehouse file is written in. DuckDB 2.0's own default (v2.0.0) is
# read by DuckDB 2.0 alone; v1.1.0 is read by DuckDB 1.1 and every release since, so the clients
# analysts reach for (the DuckDB 1.x CLI, Python and node packages, DBeaver, Harlequin,
# DuckDB-Wasm) open the published file. No model needs a newer format's feature.
STORAGE_VERSION = "v1.1.0"
OLDEST_READER = (1, 1, 0)  # the oldest DuckDB release that reads STORAGE_VERSION
WAREHOUSE_CATALOG = "warehouse"  # the name a warehouse file is attached under while written


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


def open_warehouse_file(
    path: Path, config: dict[str, str | bool | int | float | list[str]] | None = None
) -> duckdb.DuckDBPyConnection:
    """A read-write connection whose default database is the warehouse file at `path`, written
    in STORAGE_VERSION (a new file is created in it). DuckDB refuses to open a file already in a
    newer format this way, since it cannot lower a file's version: such a file is rebuilt, never
    updated (copydesk.warehouse.generations.why_not_update)."""
    options = dict(config or {})
    # Spill beside the file, as a connection opened on the file itself does (an in-memory
    # database would spill into the working directory).
    options.setdefault("temp_directory", f"{path}.tmp")
    conn = duckdb.connect(config=options)
    try:
        conn.execute(
            f"attach {sql_literal(str(path))} as {WAREHOUSE_CATALOG}"
            f" (storage_version {sql_literal(STORAGE_VERSION)})"
        )
        conn.execute(f"use {WAREHOUSE_CATALOG}")
    except BaseException:
        conn.close()
        raise
    return conn


def storage_version(path: Path) -> str:
    """The storage format of a DuckDB file as DuckDB tags it: 'v1.0.0+' is read by DuckDB 1.0
    and later, 'v2.0.0+' by DuckDB 2.0 alone."""
    with duckdb.connect() as conn:
        conn.execute(f"attach {sql_literal(str(path))} as probed (read_only)")
        tags = conn.execute(
            "select tags from duckdb_databases() where database_name = 'probed'"
        ).fetchall()[0][0]
    return str((tags or {}).get("storage_version", ""))


def older_clients_read(version: str) -> bool:
    """Whether DuckDB OLDEST_READER reads a file of this storage_version tag ('v1.0.0+')."""
    numbers = version.strip().lstrip("v").rstrip("+").split(".")
    try:
        return tuple(int(number) for number in numbers) <= OLDEST_READER
    except ValueError:
        return False


@contextmanager
def building_connection(settings: Settings, run_id: str):
    """A connection to this run's unpublished warehouse file, with the lake attached as raw.*."""
    conn = open_warehouse_file(settings.building_path(run_id), settings.duckdb_config())
    try:
        register_sources(conn, settings)
        yield conn
        drop_sources(conn)
    finally:
        conn.close()
