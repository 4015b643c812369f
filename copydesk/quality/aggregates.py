"""Table-level expectations (uniqueness, shares) as one row of SQL aggregates over the whole table.

A suite tags an expectation `"level": "table"` in its meta when it judges the table as a whole: a
key unique across every row, or a share (`mostly`) of all rows. Such a check must see the whole
table even on a night whose row-level checks read only the night's rows, and DuckDB computes it
in one scan without loading a row into pandas; GX then judges the one-row frame of figures.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from copydesk.quality.suites import expectation_parameters
from copydesk.warehouse.connection import quote_identifier, sql_literal

TABLE_LEVEL = "table"


def is_table_level(expectation: dict) -> bool:
    """Whether the suite tags this expectation as judging the whole table."""
    return (expectation.get("meta") or {}).get("level") == TABLE_LEVEL


def split_suite(suite: dict) -> tuple[dict, list[dict]]:
    """The suite with its row-level expectations only, and its table-level expectations."""
    rows = [e for e in suite["expectations"] if not is_table_level(e)]
    whole = [e for e in suite["expectations"] if is_table_level(e)]
    return {**suite, "expectations": rows}, whole


@dataclass
class Aggregate:
    """One table-level expectation as SQL: the figure it bounds, and its unexpected rows."""

    expectation: dict
    figure: str  # the aggregate frame's column holding the figure
    figure_sql: str
    unexpected_sql: str  # how many rows are unexpected
    examples_sql: str  # up to five of them (their key, or the duplicated value)
    bounds: dict


def row_test(expectation: dict, types: dict[str, str]) -> tuple[str, str]:
    """(expected, counted): SQL conditions for a row meeting a per-row expectation, and for a row
    counting towards its share (GX leaves nulls out of every share but the not-null one's)."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    column = quote_identifier(kwargs["column"])
    if kind == "expect_column_values_to_not_be_null":
        return f"{column} is not null", "true"
    if kind == "expect_column_values_to_be_in_set":
        values = ", ".join(sql_literal(str(value)) for value in kwargs["value_set"])
        return f"{column} in ({values})", f"{column} is not null"
    if kind == "expect_column_values_to_match_regex":
        return f"regexp_matches({column}, {sql_literal(kwargs['regex'])})", f"{column} is not null"
    if kind == "expect_column_values_to_be_between":
        parameters = expectation_parameters()
        tests = []
        for key, strict, below in (
            ("min_value", "strict_min", ">"),
            ("max_value", "strict_max", "<"),
        ):
            bound = kwargs.get(key)
            if isinstance(bound, dict):  # {"$PARAMETER": name}, as GX resolves it
                bound = parameters[bound["$PARAMETER"]]
            if bound is None:
                continue
            kind_of_column = types[kwargs["column"]]
            literal = f"try_cast({sql_literal(str(bound))} as {kind_of_column})"
            operator = below if kwargs.get(strict) else below + "="
            tests.append(f"{column} {operator} {literal}")
        return " and ".join(tests) or "true", f"{column} is not null"
    raise ValueError(f"no table-level SQL for {kind}: tag it row-level or teach row_test() it")


def aggregate_of(
    name: str, expectation: dict, table: str, id_column: str, types: dict[str, str]
) -> Aggregate:
    """A table-level expectation as an Aggregate: uniqueness as a count of duplicates, any other
    as the share of its rows that meet it, against its `mostly`."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    if kwargs.get("row_condition"):
        raise ValueError(f"{kind}: a table-level expectation takes no row_condition")
    column = quote_identifier(kwargs["column"])
    if kind == "expect_column_values_to_be_unique" and "mostly" not in kwargs:
        duplicates = f"count({column}) - count(distinct {column})"
        return Aggregate(
            expectation=expectation,
            figure=f"{name} duplicates",
            figure_sql=duplicates,
            unexpected_sql=duplicates,
            # Names come from our own expectations/ files, never from data.
            examples_sql=f"select {column} from {table} where {column} is not null"  # noqa: S608
            f" group by {column} having count(*) > 1 limit 5",
            bounds={"min_value": 0, "max_value": 0},
        )
    if "mostly" not in kwargs:
        raise ValueError(f"{name}: only uniqueness and shares (`mostly`) are table-level")
    expected, counted = row_test(expectation, types)
    return Aggregate(
        expectation=expectation,
        figure=f"{name} share",
        figure_sql=f"count(*) filter (where ({expected}) and {counted})"
        f" / nullif(count(*) filter (where {counted}), 0)",
        unexpected_sql=f"count(*) filter (where not ({expected}) and {counted})",
        examples_sql=f"select {quote_identifier(id_column)} from {table}"  # noqa: S608
        f" where not ({expected}) and {counted} limit 5",
        bounds={"min_value": kwargs["mostly"]},
    )


def aggregates_of(conn: duckdb.DuckDBPyConnection, suite: dict, expectations: list[dict]):
    """Each table-level expectation of the suite as an Aggregate."""
    table = suite["meta"]["table"]
    cursor = conn.execute(f"select * from {table} limit 0")  # noqa: S608
    types = {column[0]: str(column[1]) for column in cursor.description}
    cursor.fetchall()  # DuckDB 2.0 keeps a result open until it is read to the end
    id_column = suite["meta"]["id_column"]
    # Named by suite, expectation and column: unique among a stage's figures.
    return [
        aggregate_of(
            f"{suite['name']} {number} {expectation['kwargs']['column']}",
            expectation,
            table,
            id_column,
            types,
        )
        for number, expectation in enumerate(expectations, start=1)
    ]


def aggregate_frame(conn: duckdb.DuckDBPyConnection, table: str, aggregates: list[Aggregate]):
    """One row: each aggregate's figure and its unexpected rows, in one scan of the table."""
    figures = ", ".join(
        f"{a.figure_sql} as {quote_identifier(a.figure)},"
        f" {a.unexpected_sql} as {quote_identifier(a.figure + ' unexpected')}"
        for a in aggregates
    )
    frame = conn.execute(f"select {figures} from {table}").df()  # noqa: S608
    return frame.astype({a.figure: "float64" for a in aggregates})


def aggregate_suite(stage: str, aggregates: list[Aggregate]) -> dict:
    """The GX suite judging a stage's one-row frame of figures: each within its bounds, with the
    expectation's severity and why."""
    return {
        "name": f"{stage}.table_level",
        "meta": {"table": "(figures)", "stage": stage, "id_column": "stage"},
        "expectations": [
            {
                "type": "expect_column_values_to_be_between",
                "kwargs": {"column": a.figure, **a.bounds},
                "severity": a.expectation["severity"],
                "meta": {**a.expectation["meta"], "checks": a.expectation["type"]},
            }
            for a in aggregates
        ],
    }


def example_values(conn: duckdb.DuckDBPyConnection, aggregate: Aggregate) -> list:
    """Up to five rows the failed expectation names: duplicated values, or unexpected rows' keys."""
    return [row[0] for row in conn.execute(aggregate.examples_sql).fetchall()]


def frame_value(frame: pd.DataFrame, column: str):
    """A figure of the one-row frame as plain JSON (None for an empty table's share)."""
    value = frame[column].iloc[0]
    return None if pd.isna(value) else value.item()
