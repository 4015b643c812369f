"""The SQL models under sql/: parsed from their files and put in dependency order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from graphlib import TopologicalSorter
from pathlib import Path

import sqlglot
from sqlglot import exp

from copydesk.settings import SQL_DIR
from copydesk.warehouse.connection import SOURCE_SCHEMA

LAYERS = ("staging", "intermediate", "marts")
BUILD_SCHEMA = "build"  # this build's own tables (which documents it adds); dropped before publish
NEW_DOCUMENTS = f"{BUILD_SCHEMA}.new_documents"
# Marts land in DuckDB's default schema so `select * from articles` works from any client.
SCHEMA_OF_LAYER = {"staging": "staging", "intermediate": "intermediate", "marts": "main"}


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

    def in_scope_condition(self) -> str:
        """The rows an update rewrites: those whose key names a document of the scope."""
        scope = f"select {self.scope_column} from {self.scope_table}"  # noqa: S608
        return " or ".join(f"{column} in ({scope})" for column in self.key_columns)

    def delete_sql(self, table: str) -> str:
        earlier = self.earlier_documents_sql()
        condition = " or ".join(f"{column} in ({earlier})" for column in self.key_columns)
        return f"delete from {table} where {condition}"  # noqa: S608


def declared(sql: str, path: Path, tag: str, pattern: re.Pattern, usage: str) -> re.Match | None:
    """The header comment line declaring `tag` (`@grain`, ...) matched by its pattern; None when
    the header has no such line, and a ValueError saying how to write it when it does not match."""
    for line in sql.splitlines():
        stripped = line.strip()
        if not stripped.startswith("--"):
            break
        if tag in stripped:
            match = pattern.match(stripped)
            if not match:
                raise ValueError(f"{path}: write {usage}, found {stripped!r}")
            return match
    return None


INCREMENTAL_DECLARATION = re.compile(
    r"^--\s*@incremental\s+(?P<keys>\w+(?:\s*,\s*\w+)*)\s*=\s*"
    r"(?P<table>\w+\.\w+)\.(?P<column>\w+)\s*$"
)


def incremental_declaration(sql: str, path: Path) -> Incremental | None:
    """The model's `-- @incremental ...` header line, parsed; None for a model rebuilt whole."""
    usage = "`-- @incremental <key columns> = <schema.table>.<column>`"
    match = declared(sql, path, "@incremental", INCREMENTAL_DECLARATION, usage)
    if match is None:
        return None
    keys = tuple(key.strip() for key in match["keys"].split(","))
    return Incremental(keys, match["table"], match["column"])


GRAIN_DECLARATION = re.compile(
    r"^--\s*@grain\s+(?:(?!none\b)(?P<columns>\w+(?:\s*,\s*\w+)*)|(?P<none>none\b.*\S))\s*$"
)


def grain_declaration(sql: str, path: Path) -> tuple[str, ...] | None:
    """The model's `-- @grain <columns>` header line: the columns no two rows share. A model whose
    rows have no key says why (`-- @grain none: ...`) and gets (); None when it declares nothing."""
    usage = "`-- @grain <column>[, <column>...]` or `-- @grain none: <why>`"
    match = declared(sql, path, "@grain", GRAIN_DECLARATION, usage)
    if match is None:
        return None
    if match["none"]:
        return ()
    return tuple(column.strip() for column in match["columns"].split(","))


SNAPSHOT_DECLARATION = re.compile(r"^--\s*@snapshot:\s*\S.*$")


def snapshot_declaration(sql: str, path: Path) -> bool:
    """Whether the model's header says `-- @snapshot: <why>`: a full build writes its table, and
    an update keeps it as that full build left it."""
    usage = "`-- @snapshot: <why>`"
    return declared(sql, path, "@snapshot", SNAPSHOT_DECLARATION, usage) is not None


CHANGES_DECLARATION = re.compile(r"^--\s*@changes\s+(?P<column>\w+)\s*$")


def changes_declaration(sql: str, path: Path) -> str | None:
    """The key column of the model's `-- @changes <column>` header line: the build records in
    build.changed_<table name> each key whose rows it added, removed or altered (every key in a
    full build), for a model rebuilt whole that later models update by."""
    match = declared(sql, path, "@changes", CHANGES_DECLARATION, "`-- @changes <key column>`")
    return match["column"] if match else None


SLICES_DECLARATION = re.compile(r"^--\s*@slices\s+(?P<count>[1-9]\d*):\s*\S.*$")


def slices_declaration(sql: str, path: Path) -> int:
    """The slice count of the model's `-- @slices <N>: <why>` header line (1 when it declares
    none): the runner builds it in N statements, each over the keys that in_build_slice()
    (sql/macros/keys.sql) lets through, so each statement's joins fit in memory."""
    match = declared(sql, path, "@slices", SLICES_DECLARATION, "`-- @slices <N>: <why>`")
    return int(match["count"]) if match else 1


MERGE_DECLARATION = re.compile(r"^--\s*@merge:\s*\S.*$")


def merge_declaration(sql: str, path: Path) -> bool:
    """Whether the model's header says `-- @merge: <why>`: an update replaces the table's rows
    that share a grain with its select's, which returns, when is_update() (sql/macros/keys.sql),
    every row the night can change; the rows it does not return stay."""
    return declared(sql, path, "@merge", MERGE_DECLARATION, "`-- @merge: <why>`") is not None


def changed_table(name: str) -> str:
    """Where a build records the keys of a `@changes` model's rows that it changed."""
    return f"{BUILD_SCHEMA}.changed_{name}"


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
    # Written by full builds only (`-- @snapshot: ...`): an update keeps the table as it is.
    snapshot: bool = False
    # The key column whose changed values a build records (`-- @changes ...`), or None.
    changes: str | None = None
    # Built in this many statements, one slice of its keys each (`-- @slices N: ...`).
    slices: int = 1
    # Updated by replacing the rows of its select's grains (`-- @merge: ...`).
    merge: bool = False

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
    grain = grain_declaration(sql, path)
    incremental = incremental_declaration(sql, path)
    snapshot = snapshot_declaration(sql, path)
    changes = changes_declaration(sql, path)
    merge = merge_declaration(sql, path)
    if merge and not grain:
        raise ValueError(f"{path}: a `@merge` model replaces rows by its `@grain`: declare one")
    if merge and (incremental or snapshot or changes):
        raise ValueError(f"{path}: `@merge` is an update of its own: drop the other update lines")
    return Model(
        layer=layer,
        name=path.stem,
        path=path,
        sql=sql,
        description=header_comment(sql),
        column_comments=column_comments,
        depends_on=frozenset(references),
        incremental=incremental,
        grain=grain,
        snapshot=snapshot,
        changes=changes,
        slices=slices_declaration(sql, path),
        merge=merge,
    )


def load_models(sql_dir: Path = SQL_DIR) -> list[Model]:
    """Every model under sql/ (a layer's folder and its subfolders), in an order where each comes
    after the tables it reads."""
    models: dict[str, Model] = {}
    for layer in LAYERS:
        # By file name, whatever subfolder: a model's table is named after its file alone.
        for path in sorted((sql_dir / layer).rglob("*.sql"), key=lambda path: (path.name, path)):
            model = parse_model(path, layer)
            if model.table in models:
                raise ValueError(f"{path}: {models[model.table].path} builds {model.table} too")
            models[model.table] = model
    # build.changed_<name> is written by the build of the model named <name>: read after it.
    recorders = {changed_table(m.name): t for t, m in models.items() if m.changes is not None}
    graph = {}
    for table, model in models.items():
        unknown = {
            ref
            for ref in model.depends_on
            if ref not in models and ref.split(".")[0] not in (SOURCE_SCHEMA, BUILD_SCHEMA)
        }
        if unknown:
            raise ValueError(f"{model.path}: reads tables no model builds: {sorted(unknown)}")
        graph[table] = {ref for ref in model.depends_on if ref in models} | {
            recorders[ref] for ref in model.depends_on if ref in recorders
        }
    return [models[table] for table in TopologicalSorter(graph).static_order()]
