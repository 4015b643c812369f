"""The build: models run in order into a warehouse file, in full or as an update."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from copydesk.ingest.lake import DOCUMENT_SCHEMA, INPUTS_SCHEMA, QUARANTINE_SCHEMA
from copydesk.warehouse.connection import (
    SOURCE_SCHEMA,
    load_reference_tables,
    prepare_connection,
    quote_identifier,
    sql_literal,
    table_exists,
)
from copydesk.warehouse.models import (
    BUILD_SCHEMA,
    NEW_DOCUMENTS,
    Model,
    changed_table,
    load_models,
)
from copydesk.warehouse.runs import RUNS_SCHEMA

# What the publish gate compares: each table's rows as the build reported them, as found now, and
# as the published generation holds them (expectations/table_counts.json).
TABLE_COUNTS = f"{BUILD_SCHEMA}.table_counts"
# A `@changes` model's table before an update rebuilds it (in the model's schema: a rename cannot
# move a table), while its changes are recorded; then dropped.
PREVIOUS_SUFFIX_TABLE = "previous_rows"
# Marts that may lose rows on a night that lost nothing: one article can bridge two stories or
# copy groups into one, and a new copy can change which dates and outlets are evidence. The marts
# of one row per input (articles, fragments, quarantine, inputs) have no such excuse.
MAY_SHRINK = dict.fromkeys(
    ("main.fct_stories", "main.copy_pairs", "main.date_evidence", "main.dim_outlets"),
    "derived: stories, copy groups and evidence merge as articles arrive",
)


def build_models(
    conn: duckdb.DuckDBPyConnection,
    models: list[Model],
    incremental: bool = False,
    precomputed: dict[str, str] | None = None,
) -> dict[str, int]:
    """Create each model's table, with its header and column comments; returns row counts.

    With `incremental`, the connection holds the previous generation's tables and
    build.new_documents the documents this build adds: a model declared `@incremental` whose
    table exists replaces only the rows of the documents its scope names, a `@snapshot` model's
    table is kept as the last full build wrote it, a `@merge` model's select replaces the rows
    of its grains, and the others rebuild whole. A table in
    `precomputed` takes its rows from that select instead of its model's (the per-partition
    prefix's Parquet, copydesk/warehouse/partitions.py).
    """
    prepare_connection(conn)
    counts = {}
    for model in models:
        conn.execute(f"create schema if not exists {model.schema}")
        declared = model.incremental
        select = (precomputed or {}).get(model.table, model.sql)
        update = incremental and declared is not None and table_exists(conn, model.table)
        kept = incremental and model.snapshot and table_exists(conn, model.table)
        previous = incremental and model.changes is not None and table_exists(conn, model.table)
        merged = incremental and model.merge and table_exists(conn, model.table)
        rewritten = declared.in_scope_condition() if update and declared is not None else None
        kept_rows = f"{model.schema}.{PREVIOUS_SUFFIX_TABLE}" if previous else None
        if previous and rewritten is not None:
            # An update rewrites only the rows of its scope: those are the ones that can change.
            conn.execute(f"drop table if exists {kept_rows}")
            in_scope = f"select * from {model.table} where {rewritten}"  # noqa: S608
            conn.execute(f"create table {kept_rows} as {in_scope}")
        elif previous:
            # Renamed, not copied: a copy of int_copy_groups doubled its cost at 110k rows.
            conn.execute(f"drop table if exists {kept_rows}")
            conn.execute(f"alter table {model.table} rename to {PREVIOUS_SUFFIX_TABLE}")
        # By name: the select's columns land in the table's same-named columns.
        insert = f"insert into {model.table} by name select * from (\n{select}\n)"  # noqa: S608
        # An update's scope (a night's documents) fits one statement; a whole table may not.
        slices = 1 if update or merged or model.table in (precomputed or {}) else model.slices
        rewritten_rows = None
        try:
            if kept:
                pass  # a snapshot: the last full build's rows stand until the next one
            elif merged:
                rewritten_rows = merge_rows(conn, model, select)
            elif update and declared is not None:
                # Most of a night's scope is new documents, which have no rows yet: a delete
                # would scan the whole table's keys for nothing (int_shingles: 200M rows at 1M).
                earlier = f"select count(*) from ({declared.earlier_documents_sql()})"  # noqa: S608
                if conn.execute(earlier).fetchall()[0][0]:
                    conn.execute(declared.delete_sql(model.table))
                conn.execute(insert)
            else:
                for index in in_slices(conn, slices):
                    if index == 0:
                        conn.execute(f"create or replace table {model.table} as\n{select}")
                    else:
                        conn.execute(insert)
        except duckdb.Error as error:
            raise RuntimeError(
                f"model {model.table} ({model.path.name}) failed: {error}"
            ) from error
        if model.changes is not None:
            record_changes(conn, model, kept_rows, rewritten)
        if not kept:
            check_grain(conn, model, rewritten, rewritten_rows)
        if rewritten_rows is not None:
            conn.execute(f"drop table {rewritten_rows}")
        if not (update or kept or merged):
            comment_model(conn, model)
        # Table names come from our own sql/ file names, never from data.
        count_sql = f"select count(*) from {model.table}"  # noqa: S608
        counts[model.table] = conn.execute(count_sql).fetchall()[0][0]
    return counts


def merge_rows(conn: duckdb.DuckDBPyConnection, model: Model, select: str) -> str:
    """Replace the rows of the model's table that share a grain with its select's, run with
    is_update() true (sql/macros/keys.sql), and insert those; returns the temporary table that
    holds the rows written, for the grain check."""
    rows = f"temp.main.merge_{model.name}"
    conn.execute("create or replace temp macro is_update() as true")
    try:
        conn.execute(f"create or replace temp table merge_{model.name} as\n{select}")
    finally:
        conn.execute("create or replace temp macro is_update() as false")
    # A grain value may be null: `is not distinct from` matches it as the grain check groups it.
    same_grain = " and ".join(
        f"{model.table}.{column} is not distinct from {rows}.{column}"
        for column in map(quote_identifier, model.grain or ())
    )
    # Table and column names come from our own sql/ files, never from data.
    conn.execute(f"delete from {model.table} using {rows} where {same_grain}")  # noqa: S608
    conn.execute(f"insert into {model.table} by name select * from {rows}")  # noqa: S608
    return rows


def in_slices(conn: duckdb.DuckDBPyConnection, slices: int) -> Iterator[int]:
    """Each slice's index, with in_build_slice() (sql/macros/keys.sql) letting that slice's keys
    through while the caller runs its statement; true again afterwards."""
    try:
        for index in range(slices):
            if slices > 1:
                conn.execute(
                    "create or replace temp macro in_build_slice(key) as"
                    f" hash(key) % {int(slices)} = {int(index)}"
                )
            yield index
    finally:
        if slices > 1:
            conn.execute("create or replace temp macro in_build_slice(key) as true")


def record_changes(
    conn: duckdb.DuckDBPyConnection,
    model: Model,
    previous: str | None,
    rewritten: str | None = None,
) -> None:
    """build.changed_<name>: the keys (`-- @changes <column>`) of the rows the model's build
    added, removed or altered against the `previous` rows (every key when None), which it drops.
    After an update, `rewritten` is the condition of the rows it rewrote, and `previous` holds
    those rows as they were."""
    key = quote_identifier(model.changes or "")
    # Names come from our own sql/ files, never from data.
    table = model.table
    if rewritten is not None:
        table = f"(select * from {model.table} where {rewritten})"  # noqa: S608
    if previous is None:
        source = f"select {key} from {model.table}"  # noqa: S608
    elif model.grain == (model.changes,):
        # Joined on the key, whole rows compared: half the CPU of two `except all` at 110k rows.
        source = (
            f"select coalesce(new.{key}, old.{key}) as {key}"  # noqa: S608
            f" from {table} as new full join {previous} as old on old.{key} = new.{key}"
            " where new is distinct from old"
        )
    else:
        # A key of several rows: a join would compare each row with each, and a key of two rows
        # would always differ. The rows one side has more often than the other (`except all`,
        # as multisets) name the keys that changed.
        added = f"select * from {table} except all select * from {previous}"  # noqa: S608
        removed = f"select * from {previous} except all select * from {table}"  # noqa: S608
        source = f"select {key} from ({added}) union all select {key} from ({removed})"  # noqa: S608
    conn.execute(f"create schema if not exists {BUILD_SCHEMA}")
    conn.execute(
        f"create or replace table {changed_table(model.name)} as select distinct * from ({source})"  # noqa: S608
    )
    if previous is not None:
        conn.execute(f"drop table {previous}")


def check_grain(
    conn: duckdb.DuckDBPyConnection,
    model: Model,
    rewritten: str | None = None,
    rewritten_rows: str | None = None,
) -> None:
    """Raise if two rows of the model's table share its declared grain (`-- @grain ...`). After
    an update only keys of the rows it rewrote (`rewritten`, a condition, or `rewritten_rows`, a
    table of them after a merge) are looked up: the other rows were checked when they were
    written, so a new duplicate involves a new row."""
    if not model.grain:
        return
    columns = ", ".join(quote_identifier(column) for column in model.grain)
    # Column and table names come from our own sql/ files, never from data.
    rows = model.table
    declared = model.incremental
    if rewritten_rows is not None:
        # A merge deleted every row of its rows' grains first: a duplicate is among its rows.
        rows = rewritten_rows
    elif rewritten is not None and declared and set(declared.key_columns) <= set(model.grain):
        # Rows of one grain share its key columns, so a rewritten row's duplicate is rewritten
        # too: the rewritten rows alone are looked at, where the semi join read the table twice.
        rows = f"{model.table} where {rewritten}"
    elif rewritten is not None:
        touched = f"select distinct {columns} from {model.table} where {rewritten}"  # noqa: S608
        rows = f"{model.table} semi join ({touched}) using ({columns})"
    duplicate = conn.execute(
        f"select {columns} from {rows} group by all having count(*) > 1 limit 1"  # noqa: S608
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


def record_table_counts(
    conn: duckdb.DuckDBPyConnection,
    built: dict[str, int],
    published: Path | None = None,
    shrink_allowed: str | None = None,
) -> None:
    """Write build.table_counts for the tables in `built` (what build_models reported), against
    the published warehouse file `published` (None on a first night)."""
    if published is not None:
        conn.execute(f"attach {sql_literal(str(published))} as published (read_only)")
    try:
        rows = []
        for table in sorted(built):
            # Table names come from our own sql/ file names, never from data.
            found = conn.execute(f"select count(*) from {table}").fetchall()[0][0]  # noqa: S608
            before = None
            if published is not None and table_exists(conn, table, database="published"):
                count = f"select count(*) from published.{table}"  # noqa: S608
                before = conn.execute(count).fetchall()[0][0]
            shrink = (before - found) / before if before else None
            allowed = shrink_allowed or MAY_SHRINK.get(table)
            rows.append((table, built[table], found, before, shrink, allowed))
    finally:
        if published is not None:
            conn.execute("detach published")
    conn.execute(f"create schema if not exists {BUILD_SCHEMA}")
    conn.execute(
        f"create or replace table {TABLE_COUNTS} (table_name varchar, rows_built bigint,"
        " rows_found bigint, rows_published bigint, shrink_share double, shrink_allowed varchar)"
    )
    conn.executemany(f"insert into {TABLE_COUNTS} values (?, ?, ?, ?, ?, ?)", rows)  # noqa: S608


def drop_build_tables(conn: duckdb.DuckDBPyConnection) -> None:
    """This build's own bookkeeping is not part of the published warehouse."""
    conn.execute(f"drop schema if exists {BUILD_SCHEMA} cascade")


def build_in_memory(documents: list[dict], until: str | None = None) -> duckdb.DuckDBPyConnection:
    """Every model (or those up to `until`) built in memory from lake-shaped document rows.

    For tests and the quality benchmark: the same models as a nightly run, no files involved.
    """
    conn = duckdb.connect()
    conn.execute(f"create schema {SOURCE_SCHEMA}")
    sources = {
        "documents": pa.Table.from_pylist(documents, schema=DOCUMENT_SCHEMA),
        "quarantine": QUARANTINE_SCHEMA.empty_table(),
        "inputs": INPUTS_SCHEMA.empty_table(),
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
