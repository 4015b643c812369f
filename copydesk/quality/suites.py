"""The expectation suites in expectations/ and the rows and columns each one checks."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import duckdb

from copydesk.settings import EXPECTATIONS_DIR
from copydesk.warehouse.connection import table_exists

GATED_STAGES = ("ingest", "staging", "marts", "publish")


def expectation_parameters() -> dict[str, str]:
    """The values of the suites' `{"$PARAMETER": name}` bounds, for GX and for table-level SQL."""
    return {"latest_plausible_date": (date.today() + timedelta(days=1)).isoformat()}


def missing_suites(directory: Path, marts: list[str]) -> list[str]:
    """What a run with these suites would leave unchecked: a missing or empty folder, a stage no
    suite gates, a mart without its suite. Empty when every gate has its suites."""
    if not directory.is_dir():
        return [f"the suites folder {directory} does not exist"]
    suites = load_suites(directory=directory)
    if not suites:
        return [f"the suites folder {directory} holds no suite"]
    stages = {suite["meta"]["stage"] for suite in suites}
    tables = {suite["meta"]["table"] for suite in suites}
    ungated = [stage for stage in GATED_STAGES if stage not in stages]
    problems = [f"no suite gates the {stage} stage" for stage in ungated]
    problems += [f"the mart {table} has no suite" for table in marts if table not in tables]
    return problems


def load_suites(stage: str | None = None, directory: Path = EXPECTATIONS_DIR) -> list[dict]:
    """The suites under expectations/, optionally only those gating one stage."""
    suites = []
    for path in sorted(directory.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        if suite.get("name") != path.stem:
            raise ValueError(f"{path}: suite name {suite.get('name')!r} must match the file name")
        if stage is None or suite["meta"]["stage"] == stage:
            suites.append(suite)
    return suites


def other_columns(kwargs: dict) -> list[str]:
    """The columns an expectation reads besides its `column`: column lists, column pairs, and the
    words of a row condition ("header_date_raw.notnull()"; read_gated_rows keeps real columns)."""
    columns = list(kwargs.get("column_list", []))
    columns.extend(kwargs[key] for key in ("column_A", "column_B") if key in kwargs)
    columns.extend(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", kwargs.get("row_condition", "")))
    return columns


def columns_of(suite: dict) -> list[str]:
    """Every column the suite reads, so a gate loads no more than that."""
    columns = [suite["meta"]["id_column"]]
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        columns.extend([kwargs["column"]] if "column" in kwargs else [])
        columns.extend(other_columns(kwargs))
    return list(dict.fromkeys(columns))


# Expectations that need no more of a text value than its first characters: whether it is null,
# and whether its length is within bounds (a value cut after max_value + 1 characters is still
# too long). Gates read such columns cut short, so a night's article bodies (gigabytes of text at
# a million articles) never land in pandas whole.
PREFIX_EXPECTATIONS = {
    "expect_column_values_to_not_be_null",
    "expect_column_value_lengths_to_be_between",
}


def prefix_lengths(suite: dict) -> dict[str, int]:
    """For each column every expectation of which reads only a prefix: how many characters."""
    needed: dict[str, int | None] = {}
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        for column in other_columns(kwargs):
            needed[column] = None  # read whole where anything else looks at it
        column = kwargs.get("column")
        if column is None:
            continue
        if expectation["type"] not in PREFIX_EXPECTATIONS or needed.get(column, 0) is None:
            needed[column] = None
            continue
        bounds = [kwargs.get("min_value"), kwargs.get("max_value")]
        length = max([int(b) for b in bounds if b is not None], default=0) + 1
        needed[column] = max(needed.get(column) or 0, length)
    return {column: length for column, length in needed.items() if length is not None}


def read_gated_rows(conn: duckdb.DuckDBPyConnection, suite: dict, run_id: str):
    """The rows and columns a suite checks, as a DataFrame."""
    table = suite["meta"]["table"]
    # Table and column names come from our own expectations/ files, never from data.
    cursor = conn.execute(f"select * from {table} limit 0")  # noqa: S608
    types = {column[0]: str(column[1]) for column in cursor.description}
    cursor.fetchall()  # DuckDB 2.0 keeps a result open until it is read to the end
    wanted = [c for c in columns_of(suite) if c in types]
    prefixes = prefix_lengths(suite)
    columns = ", ".join(
        f'left("{c}", {prefixes[c]}) as "{c}"'
        if c in prefixes and types[c] == "VARCHAR" and c != suite["meta"]["id_column"]
        else f'"{c}"'
        for c in wanted
    )
    scope = suite["meta"].get("scope")
    condition = None
    if scope == "new_documents" and table_exists(conn, NEW_DOCUMENTS):
        condition = new_rows(suite)
    elif scope == "changed_rows" and changed_rows_known(conn, suite):
        condition = suite["meta"]["changed_rows"]
    if scope == "current_run":
        sql, params = f"select {columns} from {table} where run_id = ?", [run_id]  # noqa: S608
    elif condition is not None and table_exists(conn, table):
        # The rows are found on their key columns first, then their other columns read for them
        # alone: in one pass the scan read every row's body from disk to keep a night's few. A
        # view (the lake's raw.*) has no rowid.
        rows = f"select rowid from {table} where {condition}"  # noqa: S608
        sql, params = f"select {columns} from {table} where rowid in ({rows})", []  # noqa: S608
    elif condition is not None:
        sql, params = f"select {columns} from {table} where {condition}", []  # noqa: S608
    else:
        sql, params = f"select {columns} from {table}", []  # noqa: S608
    frame = conn.execute(sql, params).df()
    # GX turns date bounds into datetime.date, which pandas Timestamps refuse to compare with.
    for column in wanted:
        if types[column] == "DATE":
            frame[column] = frame[column].dt.date
    return frame


def changed_rows_known(conn: duckdb.DuckDBPyConnection, suite: dict) -> bool:
    """Whether every table the suite's `changed_rows` condition reads is there: the build's
    (every document in a full build, the night's in an update). Without them (a table checked
    outside a build) every row is read."""
    tables = re.findall(r"\bfrom\s+([a-z_]+\.[a-z_]+)", suite["meta"]["changed_rows"])
    return bool(tables) and all(table_exists(conn, table) for table in tables)


# The documents this build added (copydesk.warehouse.build.record_new_documents): every one in a
# full build, the night's in an update.
NEW_DOCUMENTS = "build.new_documents"


def new_rows(suite: dict) -> str:
    """The rows a suite scoped to new documents checks: those of the build's new documents, and
    earlier rows sharing a value that must be unique with one of them. Earlier documents' rows of
    such a table do not change (their models are incremental) and passed when they were new, so
    a duplicate can only involve a new row, and it is in these rows with its twin."""
    table = suite["meta"]["table"]  # names from our own expectations/ files, never from data
    # A table keyed by the documents' integer keys names its key column (article_terms).
    key = suite["meta"].get("document_key")
    documents = f"select doc_key from {NEW_DOCUMENTS}"  # noqa: S608
    sample = suite["meta"].get("sample_documents")
    if sample is not None:
        # A table of ~100 rows per document (article_terms) is judged on every row of a sample
        # of the new documents: all its rows through pandas would cost more than its build, and
        # sampling documents, not rows, reads no more than their rows. The sample is the keys
        # of least hash, so the same night always reads the same documents: a seeded reservoir
        # picks by the order the rows were written, which a parallel build does not fix.
        documents += f" order by hash(doc_key), doc_key limit {int(sample)}"
    new = (
        f'"{key}" in ({documents})'  # noqa: S608
        if key
        else f"doc_id in (select doc_id from {NEW_DOCUMENTS})"  # noqa: S608
    )
    unique = [
        expectation["kwargs"]["column"]
        for expectation in suite["expectations"]
        if expectation["type"] == "expect_column_values_to_be_unique"
    ]
    twins = [f'"{c}" in (select "{c}" from {table} where {new})' for c in unique]  # noqa: S608
    return " or ".join([new, *twins])
