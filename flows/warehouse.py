"""The SQL runner and the publisher: builds sql/ models in dependency order, swaps the file in."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import threading
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
BUILD_SCHEMA = "build"  # this build's own tables (which documents it adds); dropped before publish
NEW_DOCUMENTS = f"{BUILD_SCHEMA}.new_documents"
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
class Incremental:
    """How a model updates a previous generation's table instead of rebuilding it: its rows whose
    key columns name a document of `scope` are deleted, then its select (which reads only those
    documents, by the same scope) is inserted. Declared in the model's header comment as
    `-- @incremental doc_id = intermediate.int_changed_documents.doc_id`; a pair model names both
    columns (`doc_a, doc_b = ...`), so a pair goes when either document changes."""

    key_columns: tuple[str, ...]
    scope_table: str
    scope_column: str

    def earlier_documents_sql(self) -> str:
        """The scope's documents the previous generation already had: only they can have rows
        to delete, as every table's rows come from documents of staging.stg_documents."""
        # Names come from our own sql/ headers, never from data.
        column = self.scope_column
        return (
            f"select {column} from {self.scope_table}"  # noqa: S608
            f" where {column} not in (select {column} from {NEW_DOCUMENTS})"
        )

    def delete_sql(self, table: str) -> str:
        earlier = self.earlier_documents_sql()
        condition = " or ".join(f"{column} in ({earlier})" for column in self.key_columns)
        return f"delete from {table} where {condition}"  # noqa: S608


INCREMENTAL_DECLARATION = re.compile(
    r"^--\s*@incremental\s+(?P<keys>\w+(?:\s*,\s*\w+)*)\s*=\s*"
    r"(?P<table>\w+\.\w+)\.(?P<column>\w+)\s*$"
)


def incremental_declaration(sql: str, path: Path) -> Incremental | None:
    """The model's `-- @incremental ...` header line, parsed; None for a model rebuilt whole."""
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        if "@incremental" not in stripped:
            continue
        match = INCREMENTAL_DECLARATION.match(stripped)
        if not match:
            raise ValueError(
                f"{path}: write `-- @incremental <key columns> = <schema.table>.<column>`,"
                f" found {stripped!r}"
            )
        keys = tuple(key.strip() for key in match["keys"].split(","))
        return Incremental(keys, match["table"], match["column"])
    return None


GRAIN_DECLARATION = re.compile(
    r"^--\s*@grain\s+(?:(?!none\b)(?P<columns>\w+(?:\s*,\s*\w+)*)|(?P<none>none\b.*\S))\s*$"
)


def grain_declaration(sql: str, path: Path) -> tuple[str, ...] | None:
    """The model's `-- @grain <columns>` header line: the columns no two rows share. A model whose
    rows have no key says why (`-- @grain none: ...`) and gets (); None when it declares nothing."""
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        if "@grain" not in stripped:
            continue
        match = GRAIN_DECLARATION.match(stripped)
        if not match:
            raise ValueError(
                f"{path}: write `-- @grain <column>[, <column>...]` or `-- @grain none: <why>`,"
                f" found {stripped!r}"
            )
        if match["none"]:
            return ()
        return tuple(column.strip() for column in match["columns"].split(","))
    return None


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
    incremental: Incremental | None = None
    # The columns that identify a row (`-- @grain ...`): () for a model whose rows have no key,
    # None for one that declares nothing.
    grain: tuple[str, ...] | None = None

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
        if stripped[2:].strip().startswith("@"):  # a declaration for the runner, not prose
            continue
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
        incremental=incremental_declaration(sql, path),
        grain=grain_declaration(sql, path),
    )


def load_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every model under sql/ (a layer's folder and its subfolders), in an order where each comes
    after the tables it reads."""
    models = {}
    for layer in LAYERS:
        # By file name, whatever subfolder: a model's table is named after its file alone.
        for path in sorted((sql_dir / layer).rglob("*.sql"), key=lambda path: (path.name, path)):
            model = parse_model(path, layer)
            if model.table in models:
                raise ValueError(f"{path}: {models[model.table].path} builds {model.table} too")
            models[model.table] = model
    graph = {}
    for table, model in models.items():
        unknown = {
            ref
            for ref in model.depends_on
            if ref not in models and ref.split(".")[0] not in (SOURCE_SCHEMA, BUILD_SCHEMA)
        }
        if unknown:
            raise ValueError(f"{model.path}: reads tables no model builds: {sorted(unknown)}")
        graph[table] = {ref for ref in model.depends_on if ref in models}
    return [models[table] for table in TopologicalSorter(graph).static_order()]


def prepare_connection(conn: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Create the macros of sql/macros/ and the Python functions the models call (both temporary:
    they do not outlive the build, so the published file needs neither)."""
    # Timestamps become dates in UTC, as the lake stores them: DuckDB's default is the machine's
    # zone, which would date a page fetched at 20:00 UTC a day later on a machine in UTC+14.
    conn.execute("set TimeZone = 'UTC'")
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


def build_models(
    conn: duckdb.DuckDBPyConnection, models: list[Model], incremental: bool = False
) -> dict[str, int]:
    """Create each model's table, with its header and column comments; returns row counts.

    With `incremental`, the connection holds the previous generation's tables and
    build.new_documents the documents this build adds: a model declared `@incremental` whose
    table exists replaces only the rows of the documents its scope names; the others rebuild whole.
    """
    prepare_connection(conn)
    counts = {}
    for model in models:
        conn.execute(f"create schema if not exists {model.schema}")
        update = incremental and model.incremental is not None and table_exists(conn, model.table)
        try:
            if update:
                # Most of a night's scope is new documents, which have no rows yet: a delete
                # would scan the whole table's keys for nothing (int_shingles: 200M rows at 1M).
                earlier = f"select count(*) from ({model.incremental.earlier_documents_sql()})"  # noqa: S608
                if conn.execute(earlier).fetchall()[0][0]:
                    conn.execute(model.incremental.delete_sql(model.table))
                # By name: the select's columns land in the table's same-named columns.
                insert = f"insert into {model.table} by name select * from (\n{model.sql}\n)"  # noqa: S608
                conn.execute(insert)
            else:
                conn.execute(f"create or replace table {model.table} as\n{model.sql}")
        except duckdb.Error as error:
            raise RuntimeError(
                f"model {model.table} ({model.path.name}) failed: {error}"
            ) from error
        check_grain(conn, model)
        if not update:
            comment_model(conn, model)
        # Table names come from our own sql/ file names, never from data.
        count_sql = f"select count(*) from {model.table}"  # noqa: S608
        counts[model.table] = conn.execute(count_sql).fetchall()[0][0]
    return counts


def check_grain(conn: duckdb.DuckDBPyConnection, model: Model) -> None:
    """Raise if two rows of the model's whole table share its declared grain (`-- @grain ...`)."""
    if not model.grain:
        return
    columns = ", ".join(quote_identifier(column) for column in model.grain)
    # Column and table names come from our own sql/ files, never from data.
    duplicate = conn.execute(
        f"select {columns} from {model.table} group by all having count(*) > 1 limit 1"  # noqa: S608
    ).fetchall()
    if duplicate:
        key = ", ".join(f"{c} = {v!r}" for c, v in zip(model.grain, duplicate[0], strict=True))
        raise RuntimeError(
            f"model {model.table} ({model.path.name}) has more than one row with grain {key}"
        )


def comment_model(conn: duckdb.DuckDBPyConnection, model: Model) -> None:
    """The model's header and column comments, for analysts browsing the catalog."""
    conn.execute(f"comment on table {model.table} is {sql_literal(model.description)}")
    for column, comment in model.column_comments.items():
        target = f"{model.table}.{quote_identifier(column)}"
        conn.execute(f"comment on column {target} is {sql_literal(comment)}")


def table_exists(conn: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    found = conn.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?"
        " and database_name = current_database()",
        [schema, name],
    ).fetchall()[0][0]
    return found > 0


def record_new_documents(conn: duckdb.DuckDBPyConnection) -> int:
    """build.new_documents (doc_id, doc_key): the lake's documents the warehouse in this
    connection lacks (all of them in an empty file). Call after raw.* is registered, before the
    staging layer; returns how many."""
    prepare_connection(conn)  # doc_key()
    conn.execute(f"create schema if not exists {BUILD_SCHEMA}")
    if table_exists(conn, "staging.stg_documents"):
        source = (
            f"select distinct doc_id from {SOURCE_SCHEMA}.documents"  # noqa: S608
            " anti join staging.stg_documents using (doc_id)"
        )
    else:
        source = f"select distinct doc_id from {SOURCE_SCHEMA}.documents"  # noqa: S608
    conn.execute(
        f"create or replace table {NEW_DOCUMENTS} as"  # noqa: S608
        f" select doc_id, doc_key(doc_id) as doc_key from ({source})"
    )
    return conn.execute(f"select count(*) from {NEW_DOCUMENTS}").fetchall()[0][0]  # noqa: S608


def documents_gone_from_lake(conn: duckdb.DuckDBPyConnection) -> int:
    """Documents of the warehouse in this connection that the lake no longer has: a previous
    generation built from other files than the lake holds now cannot be updated, only rebuilt."""
    if not table_exists(conn, "staging.stg_documents"):
        return 0
    gone = (
        "select count(*) from staging.stg_documents"  # noqa: S608
        f" anti join (select doc_id from {SOURCE_SCHEMA}.documents) using (doc_id)"
    )
    return conn.execute(gone).fetchall()[0][0]


def drop_build_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """This build's own bookkeeping is not part of the published warehouse."""
    conn.execute(f"drop schema if exists {BUILD_SCHEMA} cascade")


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
    record_new_documents(conn)
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


class BackgroundCopy:
    """A byte copy of the published warehouse, made in a thread while the night's ingest runs.

    The published file is checkpointed and never written, so it can be copied while readers hold
    it. Copying is disk work (12 s for 8.5 GB here) and ingest is Python work on the CPU, so a
    night that updates the warehouse starts the copy before ingest instead of after it.
    """

    CHUNK_BYTES = 64 * 1024 * 1024  # how far the copy gets between looks at a cancel

    def __init__(self, source: Path, target: Path, chunk_bytes: int = CHUNK_BYTES):
        self.source, self.target, self.chunk_bytes = source, target, chunk_bytes
        self.error: BaseException | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._copy, name="copy-published", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        try:
            copy_until(self.source, self.target, self._cancelled, self.chunk_bytes)
        except BaseException as error:  # handed to whoever waits for the copy
            self.error = error

    def wait(self) -> Path:
        """Block until the copy is complete; raises what the copy raised."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.target

    def cancel(self) -> None:
        """Stop copying (within one chunk) and remove the partial copy."""
        self._cancelled.set()
        self._thread.join()
        self.target.unlink(missing_ok=True)


# What copy_file_range raises where the filesystem or kernel cannot copy in the kernel.
KERNEL_COPY_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}


def copy_until(source: Path, target: Path, cancelled: threading.Event, chunk_bytes: int) -> None:
    """Copy a file in chunks, in the kernel where it can (copy_file_range), until cancelled."""
    with source.open("rb") as reader, target.open("wb") as writer:
        remaining = os.fstat(reader.fileno()).st_size
        in_kernel = hasattr(os, "copy_file_range")  # Linux; elsewhere through Python buffers
        while remaining > 0 and not cancelled.is_set():
            if in_kernel:
                try:
                    copied = os.copy_file_range(reader.fileno(), writer.fileno(), chunk_bytes)
                except OSError as error:
                    if error.errno not in KERNEL_COPY_UNSUPPORTED:
                        raise
                    in_kernel = False  # this filesystem cannot: go on where it stopped
                    continue
            else:
                copied = writer.write(reader.read(chunk_bytes))
            if copied == 0:
                raise OSError(f"{source} ended {remaining} bytes early while being copied")
            remaining -= copied


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
