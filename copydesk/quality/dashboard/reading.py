"""What the dashboard reads: the run history from the lake and the published warehouse's tables."""

from __future__ import annotations

import json
import logging
import math
from collections import defaultdict
from datetime import UTC, datetime

import duckdb
import pyarrow.parquet as pq

from copydesk.settings import Settings

RUNS_SHOWN = 30
log = logging.getLogger(__name__)
ARTICLES_LISTED = 20_000
DRILL_DOWN_LIMIT = 200
EXCERPT_CHARS = 280


# Outcome of an article's date, in the order the dashboard shows them.
DATE_CATEGORIES = {
    "kept": "kept as in the header",
    "repaired_inversion": "repaired: day and month swapped",
    "repaired_off_by_one": "repaired: off by one day",
    "repaired_other": "repaired: other",
    "inferred": "inferred (no date header)",
    "ambiguous": "ambiguous header",
    "undated": "no date found",
}

REPAIRED = ("repaired_inversion", "repaired_off_by_one", "repaired_other")
REFERENCE_TABLES = ("dim_outlets", "outlets", "ref_outlets")
REFERENCE_DOMAIN_COLUMNS = ("outlet_domain", "domain", "host")


def read_run_history(settings: Settings) -> list[dict]:
    """Every run recorded in the lake, newest first (failed runs included)."""
    rows: list[dict] = []
    for path in sorted(settings.runs_dir.glob("*/*.parquet")):
        try:
            rows.extend(pq.read_table(path).to_pylist())
        except (OSError, ValueError) as error:  # a half-written file must not hide the others
            log.warning("run record %s unreadable: %s", path, error)
    for row in rows:
        try:
            row["gates"] = json.loads(row.get("gates") or "[]")
        except ValueError:
            row["gates"] = []
    epoch = datetime.min.replace(tzinfo=UTC)
    rows.sort(key=lambda r: (r.get("started_at") or epoch, r.get("run_id") or ""), reverse=True)
    return rows


def fetch(conn: duckdb.DuckDBPyConnection, sql: str, params=None) -> list[dict]:
    """Rows as dicts; the result is read to the end (DuckDB 2.0 keeps it open otherwise)."""
    cursor = conn.execute(sql, params or [])
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


class Warehouse:
    """What the dashboard reads from the published warehouse, section by section."""

    def __init__(self, conn: duckdb.DuckDBPyConnection):
        self.conn = conn
        self.columns: dict[str, set[str]] = defaultdict(set)
        for row in fetch(
            conn,
            "select table_name, column_name from duckdb_columns() where schema_name = 'main'",
        ):
            self.columns[row["table_name"]].add(row["column_name"])

    def has(self, table: str, *columns: str) -> bool:
        return table in self.columns and set(columns) <= self.columns[table]

    def articles(self) -> list[dict]:
        """The latest articles and fragments, as the rows of the articles page."""
        optional = [
            c
            for c in (
                "outlet",
                "outlet_domain",
                "url",
                "title",
                "story_id",
                "run_id",
                "ingested_at",
            )
            if self.has("articles", c)
        ]
        select = ", ".join(
            [
                "article_id",
                "source_id",
                "false as is_fragment",
                "null as fragment_of",
                "published_date",
                "date_source",
                "date_confidence",
                "header_date_raw",
                "date_outcome as date_category",
                "copy_group_id",
                "copy_group_size",
                "left(body, ?) as excerpt",
                *optional,
            ]
        )
        listing, params = f"select {select} from articles", [EXCERPT_CHARS]  # noqa: S608
        if self.has("article_fragments", "fragment_id", "article_id", "fragment_text"):
            # A fragment is listed as a row of its own, kind "fragment", dated by nothing.
            as_article = {"title": "null", "story_id": "fragment_id"}
            fragment = ", ".join(
                [
                    "fragment_id",
                    "source_id",
                    "true",
                    "article_id",
                    "null::date",
                    "'none'",
                    "0.0",
                    "null",
                    "'fragment'",
                    "fragment_id",
                    "1",
                    "left(fragment_text, ?)",
                    *[as_article.get(c, c) for c in optional],
                ]
            )
            listing += f" union all select {fragment} from article_fragments"  # noqa: S608
            params.append(EXCERPT_CHARS)
        order = "ingested_at desc, " if "ingested_at" in optional else ""
        rows = fetch(
            self.conn,
            f"select * from ({listing}) order by {order}article_id limit ?",  # noqa: S608
            [*params, ARTICLES_LISTED],
        )
        for row in rows:
            for column in ("outlet", "outlet_domain", "url", "title", "story_id", "run_id"):
                row.setdefault(column, None)
            row["story_id"] = row["story_id"] or row["copy_group_id"]
            row["conf_bin"] = confidence_bin(row["date_confidence"])
        return rows

    def article_totals(self) -> dict:
        fragments = (
            "(select count(*) from article_fragments)"
            if self.has("article_fragments", "fragment_id")
            else "0"
        )
        return fetch(
            self.conn,
            f"select count(*) as articles, {fragments} as fragments from articles",  # noqa: S608
        )[0]

    def evidence(self, article_ids: list[str]) -> dict[str, list[dict]]:
        if not article_ids or not self.has("date_evidence", "article_id"):
            return {}
        by_article: dict[str, list[dict]] = defaultdict(list)
        for row in fetch(
            self.conn,
            "select * from date_evidence where article_id in (select unnest(?))"
            " order by article_id, date_rank, weight desc",
            [article_ids],
        ):
            by_article[row["article_id"]].append(row)
        return by_article

    def quarantine(self) -> list[dict]:
        if "quarantine" not in self.columns:
            return []
        return fetch(
            self.conn,
            "select source_id, source_path, reason, stage, run_id, left(raw_excerpt, ?) as excerpt,"
            " quarantined_at from quarantine order by quarantined_at desc nulls last, source_id",
            [EXCERPT_CHARS],
        )

    def copy_pair_count(self) -> int | None:
        if "copy_pairs" not in self.columns:
            return None
        return fetch(self.conn, "select count(*) as n from copy_pairs")[0]["n"]

    def outlets_to_add(self) -> list[dict] | None:
        """dim_outlets' outlets the reference table does not know yet, when it is published."""
        if not self.has("dim_outlets", "outlet", "in_reference"):
            return None
        domains = "cast(domains as varchar)" if self.has("dim_outlets", "domains") else "null"
        articles = "articles" if self.has("dim_outlets", "articles") else "null"
        return fetch(
            self.conn,
            f"select outlet, {domains} as domains, {articles} as articles from dim_outlets"  # noqa: S608
            " where not in_reference order by articles desc nulls last, outlet",
        )

    def outlet_reference(self) -> tuple[str, set[str]] | None:
        """The outlet reference table's name and known domains, when one is published."""
        for table in REFERENCE_TABLES:
            for column in REFERENCE_DOMAIN_COLUMNS:
                if self.has(table, column):
                    rows = fetch(
                        self.conn,
                        f'select distinct lower("{column}") as d from {table}',  # noqa: S608
                    )
                    return table, {r["d"] for r in rows if r["d"]}
        return None


def confidence_bin(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    return f"{min(int(float(value) * 10), 9) / 10:.1f}"
