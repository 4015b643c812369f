"""The SQL runner and the publisher: builds sql/ models in dependency order, swaps the file in."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from functools import lru_cache
from graphlib import TopologicalSorter
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as pads
import sqlglot
from publicsuffixlist import PublicSuffixList
from sqlglot import exp

from flows.ingest import DOCUMENT_SCHEMA, QUARANTINE_SCHEMA
from flows.settings import REFERENCE_DIR, SQL_DIR, Settings

LAYERS = ("staging", "intermediate", "marts")
# Marts land in DuckDB's default schema so `select * from articles` works from any client.
SCHEMA_OF_LAYER = {"staging": "staging", "intermediate": "intermediate", "marts": "main"}
SOURCE_SCHEMA = "raw"

RUNS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("ended_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("message", pa.string()),
        ("documents_read", pa.int64()),
        ("documents_new", pa.int64()),
        ("documents_duplicate", pa.int64()),
        ("records_bad", pa.int64()),
        ("files_skipped", pa.int64()),
        ("articles_published", pa.int64()),
        ("fragments_published", pa.int64()),
        ("dates_repaired", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("gates", pa.string()),  # JSON: one object per gate with its result
    ]
)


@dataclass(frozen=True)
class Model:
    """One .sql file: a select whose result becomes the table named like the file."""

    layer: str
    name: str
    path: Path
    sql: str
    description: str
    column_comments: dict[str, str]
    depends_on: frozenset[str]

    @property
    def schema(self) -> str:
        return SCHEMA_OF_LAYER[self.layer]

    @property
    def table(self) -> str:
        return f"{self.schema}.{self.name}"


def header_comment(sql: str) -> str:
    """The leading `--` comment block: what one row is, then why the model exists."""
    lines = []
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        lines.append(stripped[2:].strip())
    return " ".join(line for line in lines if line)


def parse_model(path: Path, layer: str) -> Model:
    sql = path.read_text(encoding="utf-8")
    tree = sqlglot.parse_one(sql, read="duckdb")
    ctes = {cte.alias_or_name for cte in tree.find_all(exp.CTE)}
    references = set()
    for table in tree.find_all(exp.Table):
        # A CTE, or DuckDB's `recurring.<cte>`: the whole table a recursive CTE has built so far.
        if table.name in ctes and table.db in ("", "recurring"):
            continue
        if not table.db:
            raise ValueError(f"{path}: refer to tables as schema.table, found {table.sql()}")
        references.add(f"{table.db}.{table.name}")
    column_comments = {}
    first_select = tree
    while isinstance(first_select, exp.SetOperation):  # a union's columns are its first select's
        first_select = first_select.left
    if isinstance(first_select, exp.Select):
        for projection in first_select.expressions:
            if projection.comments:
                column_comments[projection.alias_or_name] = " ".join(
                    c.strip() for c in projection.comments
                )
    return Model(
        layer=layer,
        name=path.stem,
        path=path,
        sql=sql,
        description=header_comment(sql),
        column_comments=column_comments,
        depends_on=frozenset(references),
    )


def load_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every model under sql/, in an order where each comes after the tables it reads."""
    models = {}
    for layer in LAYERS:
        for path in sorted((sql_dir / layer).glob("*.sql")):
            model = parse_model(path, layer)
            models[model.table] = model
    graph = {}
    for table, model in models.items():
        unknown = {
            ref
            for ref in model.depends_on
            if ref not in models and not ref.startswith(f"{SOURCE_SCHEMA}.")
        }
        if unknown:
            raise ValueError(f"{model.path}: reads tables no model builds: {sorted(unknown)}")
        graph[table] = {ref for ref in model.depends_on if ref in models}
    return [models[table] for table in TopologicalSorter(graph).static_order()]


def prepare_connection(conn: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Create the macros of sql/macros/ and the Python functions the models call (both temporary:
    they do not outlive the build, so the published file needs neither)."""
    for path in sorted((sql_dir / "macros").glob("*.sql")):
        conn.execute(path.read_text(encoding="utf-8"))
    # DuckDB cannot replace a Python function; a connection prepared before keeps its own.
    with contextlib.suppress(duckdb.NotImplementedException):
        conn.create_function(
            "registrable_domain",
            registrable_domain,
            # Types by name: a module-level DuckDBPyType outlives DuckDB's bindings at exit and
            # makes them print "leaked instance" warnings.
            ["VARCHAR"],
            "VARCHAR",
            null_handling="special",
            side_effects=False,
        )


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


def build_models(conn: duckdb.DuckDBPyConnection, models: list[Model]) -> dict[str, int]:
    """Create each model's table, with its header and column comments; returns row counts."""
    prepare_connection(conn)
    counts = {}
    for model in models:
        conn.execute(f"create schema if not exists {model.schema}")
        try:
            conn.execute(f"create or replace table {model.table} as\n{model.sql}")
        except duckdb.Error as error:
            raise RuntimeError(
                f"model {model.table} ({model.path.name}) failed: {error}"
            ) from error
        conn.execute(f"comment on table {model.table} is {sql_literal(model.description)}")
        for column, comment in model.column_comments.items():
            target = f"{model.table}.{quote_identifier(column)}"
            conn.execute(f"comment on column {target} is {sql_literal(comment)}")
        # Table names come from our own sql/ file names, never from data.
        count_sql = f"select count(*) from {model.table}"  # noqa: S608
        counts[model.table] = conn.execute(count_sql).fetchall()[0][0]
    return counts


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
    """Expose the lake's documents, quarantine and runs as raw.* views for the models to read."""
    sources = {
        "documents": lake_dataset(settings.documents_dir, DOCUMENT_SCHEMA),
        "quarantine": lake_dataset(settings.quarantine_dir, QUARANTINE_SCHEMA),
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


def build_in_memory(documents: list[dict], until: str | None = None) -> duckdb.DuckDBPyConnection:
    """Every model (or those up to `until`) built in memory from lake-shaped document rows.

    For tests and the quality benchmark: the same models as a nightly run, no files involved.
    """
    conn = duckdb.connect()
    conn.execute(f"create schema {SOURCE_SCHEMA}")
    sources = {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENT_SCHEMA),
        "quarantine": QUARANTINE_SCHEMA.empty_table(),
        "runs": RUNS_SCHEMA.empty_table(),
    }
    for name, table in sources.items():
        conn.register(f"lake_{name}", table)
        copy = f"create table {SOURCE_SCHEMA}.{name} as select * from lake_{name}"  # noqa: S608
        conn.execute(copy)
        conn.unregister(f"lake_{name}")
    load_reference_tables(conn)
    models = load_models()
    if until:
        models = models[: [model.table for model in models].index(until) + 1]
    build_models(conn, models)
    return conn


def drop_sources(conn: duckdb.DuckDBPyConnection) -> None:
    """The raw views point at this process's Arrow datasets; they must not outlive it."""
    conn.execute(f"drop schema if exists {SOURCE_SCHEMA} cascade")


def publish(building: Path, settings: Settings) -> None:
    """Atomically replace the published warehouse, keeping the one before as the previous one."""
    target = settings.warehouse_path
    if target.exists():
        link = settings.previous_warehouse_path.with_name(".previous.tmp")
        link.unlink(missing_ok=True)
        os.link(target, link)  # a second name for the current file, so no moment lacks one
        os.replace(link, settings.previous_warehouse_path)
    os.replace(building, target)
    fsync_directory(target.parent)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_only_connection(path: Path) -> duckdb.DuckDBPyConnection:
    """A short-lived connection for ad-hoc SQL: read-only, no file access, settings locked."""
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
    conn.execute("set lock_configuration = true")
    return conn
