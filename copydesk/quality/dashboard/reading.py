"""What the dashboard reads: the run history from the lake and the published warehouse's tables.

Every figure is an aggregate computed in SQL over a whole table; only the lists of example rows
(articles, quarantined records, repaired dates, unknown domains, inputs) are limited, and each
comes with the size of what it was cut from.
"""

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
# How many example rows a list shows; read at call time, so tests can make them small.
ARTICLES_LISTED = 20_000
QUARANTINE_LISTED = 20_000
DRILL_DOWN_LIMIT = 200
UNKNOWN_LISTED = 200
INPUTS_LISTED = 200
OUTLETS_SHOWN = 25
STORIES_SHOWN = 15
REASONS_SHOWN = 15
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

# The timeline's stack: how a published date was decided, the inferred ones by what lent them.
TIMELINE_CATEGORIES = {
    "kept": "header kept",
    "repaired": "header repaired (inverted, off by one, other)",
    "ambiguous": "ambiguous header",
    "text": "inferred from the text (dateline, month, night)",
    "url": "inferred from the url or metadata",
    "copies": "lent by copies or the story",
    "fetched": "the fetch date",
}
# The timeline bins by day up to this many days between the first and last date, then by week,
# month, and past the last bound by year: at most about a hundred to three hundred bars.
TIMELINE_BINS = (("day", 92), ("week", 731), ("month", 25 * 366))
REFERENCE_TABLES = ("dim_outlets", "outlets", "ref_outlets")
REFERENCE_DOMAIN_COLUMNS = ("outlet_domain", "domain", "host")
# Input outcomes in the order the dashboard lists them.
INPUT_OUTCOMES = ("accepted", "duplicate", "quarantined", "skipped", "unchanged")
INPUT_COLUMNS = ("run_id", "source_id", "source_path", "outcome", "reason")


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

    def story(self) -> str:
        """An article's story: its story_id, or its copy group where stories are not published."""
        if self.has("articles", "story_id"):
            return "coalesce(nullif(story_id, ''), copy_group_id)"
        return "copy_group_id"

    def newest_first(self) -> str:
        return (
            "ingested_at desc, article_id" if self.has("articles", "ingested_at") else "article_id"
        )

    def articles(self) -> list[dict]:
        """The newest articles and fragments, as the rows of the articles page (a sample)."""
        optional = [
            c
            for c in ("outlet", "outlet_domain", "url", "title", "run_id", "ingested_at")
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
                f"{self.story()} as story_id",
                "null::varchar as excerpt",  # read below for the rows listed only
                *optional,
            ]
        )
        listing = f"select {select} from articles"  # noqa: S608
        excerpts = (
            "select article_id as id, false as is_fragment, left(body, ?) as excerpt"
            " from articles where article_id in (select article_id from listing"
            " where not is_fragment)"
        )
        excerpt_params = [EXCERPT_CHARS]
        if self.has("article_fragments", "fragment_id", "article_id", "fragment_text"):
            # A fragment is listed as a row of its own, kind "fragment", dated by nothing.
            as_article = {"title": "null"}
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
                    "fragment_id",
                    "null",
                    *[
                        as_article.get(c, c if self.has("article_fragments", c) else "null")
                        for c in optional
                    ],
                ]
            )
            listing += f" union all select {fragment} from article_fragments"  # noqa: S608
            excerpts += (
                " union all select fragment_id, true, left(fragment_text, ?) from article_fragments"
                " where fragment_id in (select article_id from listing where is_fragment)"
            )
            excerpt_params.append(EXCERPT_CHARS)
        order = "ingested_at desc, article_id" if "ingested_at" in optional else "article_id"
        # Sizes are counted over the whole table; a fragment is a group and a story of its own.
        rows = fetch(
            self.conn,
            f"""
            with listing as materialized (select * from ({listing}) order by {order} limit ?),
            excerpts as ({excerpts}),
            groups as (select copy_group_id, count(*) as n from articles group by all),
            stories as (select {self.story()} as story_id, count(*) as n from articles group by all)
            select listing.* replace (excerpts.excerpt as excerpt),
                   if(listing.is_fragment, 1, coalesce(groups.n, 1)) as copy_group_size_n,
                   if(listing.is_fragment, 1, coalesce(stories.n, 1)) as story_size_n
            from listing
            left join excerpts
                on excerpts.id = listing.article_id and excerpts.is_fragment = listing.is_fragment
            left join groups
                on not listing.is_fragment and groups.copy_group_id = listing.copy_group_id
            left join stories on not listing.is_fragment and stories.story_id = listing.story_id
            order by {order}
            """,  # noqa: S608
            [ARTICLES_LISTED, *excerpt_params],
        )
        for row in rows:
            for column in ("outlet", "outlet_domain", "url", "title", "run_id"):
                row.setdefault(column, None)
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

    def out_per_run(self) -> dict[tuple[str | None, bool], int]:
        """Articles and fragments in the warehouse by the run that ingested them."""
        if not self.has("articles", "run_id"):
            return {}
        sql = "select run_id, false as fragment, count(*) as n from articles group by all"
        if self.has("article_fragments", "run_id"):
            sql += " union all select run_id, true, count(*) from article_fragments group by all"
        return {(r["run_id"], r["fragment"]): r["n"] for r in fetch(self.conn, sql)}

    def date_outcomes(self) -> dict[str, int]:
        rows = fetch(self.conn, "select date_outcome, count(*) as n from articles group by all")
        return {r["date_outcome"]: r["n"] for r in rows}

    def date_timeline(self) -> dict:
        """Published dates per day (or week, month, year when the span is long) and category."""
        bounds = " ".join(f"when span <= {days} then '{unit}'" for unit, days in TIMELINE_BINS)
        rows = fetch(
            self.conn,
            f"""
            with dated as (
                select published_date as day, case
                    when date_outcome = 'kept' then 'kept'
                    when starts_with(date_outcome, 'repaired') then 'repaired'
                    when date_outcome = 'ambiguous' then 'ambiguous'
                    when date_source in ('url', 'metadata') then 'url'
                    when date_source in ('copy_group', 'story') then 'copies'
                    when date_source = 'fetched_at' then 'fetched'
                    else 'text'
                end as category
                from articles where published_date is not null
            ),
            span as (
                select case {bounds} else 'year' end as unit
                from (select date_diff('day', min(day), max(day)) as span from dated)
            )
            select unit, date_trunc(unit, day)::date as bin, category, count(*) as n
            from dated, span group by all order by bin, category
            """,  # noqa: S608
        )
        return {
            "unit": rows[0]["unit"] if rows else "day",
            "rows": [{k: r[k] for k in ("bin", "category", "n")} for r in rows],
        }

    def confidence_bins(self) -> dict[str, int]:
        """Dated articles by tenth of date confidence ("0.0" … "0.9")."""
        rows = fetch(
            self.conn,
            "select least(greatest(floor(date_confidence * 10)::int, 0), 9) as bin,"
            " count(*) as n from articles where published_date is not null"
            " and date_confidence is not null and not isnan(date_confidence) group by all",
        )
        return {f"{r['bin'] / 10:.1f}": r["n"] for r in rows}

    def date_drill(self) -> tuple[list[dict], int]:
        """The newest repaired and ambiguous articles (a sample), and how many there are."""
        outcomes = [*REPAIRED, "ambiguous"]
        rows = fetch(
            self.conn,
            "select article_id, source_id, header_date_raw, published_date, date_source,"  # noqa: S608
            " date_confidence, date_outcome as date_category, count(*) over () as total"
            " from articles where date_outcome in (select unnest(?))"
            f" order by {self.newest_first()} limit ?",
            [outcomes, DRILL_DOWN_LIMIT],
        )
        total = rows[0]["total"] if rows else 0
        evidence = self.evidence([r["article_id"] for r in rows])
        for row in rows:
            row["evidence"] = evidence.get(row["article_id"], [])
        return rows, total

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
        """The newest quarantined records, as the rows of the articles page (a sample)."""
        if "quarantine" not in self.columns:
            return []
        return fetch(
            self.conn,
            "select source_id, source_path, reason, stage, run_id, left(raw_excerpt, ?) as excerpt,"
            " quarantined_at from quarantine order by quarantined_at desc nulls last, source_id"
            " limit ?",
            [EXCERPT_CHARS, QUARANTINE_LISTED],
        )

    def quarantine_figures(self) -> dict:
        """Quarantined records: how many, by reason, and by run and reason."""
        if not self.has("quarantine", "run_id", "reason"):
            return {"total": 0, "reasons": [], "per_run": []}
        return {
            "total": fetch(self.conn, "select count(*) as n from quarantine")[0]["n"],
            "reasons": fetch(
                self.conn,
                "select reason, count(*) as n from quarantine group by all"
                " order by n desc, reason nulls last",
            ),
            "per_run": fetch(
                self.conn,
                "select run_id, reason, count(*) as n from quarantine group by all order by all",
            ),
        }

    def copy_pair_count(self) -> int | None:
        if "copy_pairs" not in self.columns:
            return None
        return fetch(self.conn, "select count(*) as n from copy_pairs")[0]["n"]

    def outlet_figures(self) -> dict:
        """Articles per outlet (the biggest), how many outlets, and articles without a domain."""
        domain = "outlet_domain" if self.has("articles", "outlet_domain") else "null"
        outlet = "outlet" if self.has("articles", "outlet") else "null::varchar"
        counts = fetch(
            self.conn,
            f"select count(distinct {outlet}) as outlets,"  # noqa: S608
            f" count(*) filter (where coalesce({domain}, '') = '') as without_domain"
            " from articles",
        )[0]
        top = fetch(
            self.conn,
            f"select {outlet} as outlet, count(*) as n from articles group by all"  # noqa: S608
            " order by n desc, outlet nulls last limit ?",
            [OUTLETS_SHOWN],
        )
        return {**counts, "top": top}

    def outlets_to_add(self) -> tuple[list[dict], int] | None:
        """dim_outlets' outlets the reference table does not know yet (a sample, and how many)."""
        if not self.has("dim_outlets", "outlet", "in_reference"):
            return None
        domains = (
            "array_to_string(domains, ', ')"
            if self.has("dim_outlets", "domains")
            else "null::varchar"
        )
        articles = "articles" if self.has("dim_outlets", "articles") else "null"
        rows = fetch(
            self.conn,
            f"select outlet, {domains} as domains, {articles} as articles,"  # noqa: S608
            " count(*) over () as total from dim_outlets"
            " where not in_reference order by articles desc nulls last, outlet limit ?",
            [UNKNOWN_LISTED],
        )
        return rows, rows[0]["total"] if rows else 0

    def unknown_domains(self) -> tuple[str | None, list[dict], int]:
        """Article domains the outlet reference table lacks (a sample, and how many), with the
        reference table's name when one is published."""
        if not self.has("articles", "outlet_domain"):
            return None, [], 0
        table, known = None, "false"
        for candidate in REFERENCE_TABLES:
            column = next((c for c in REFERENCE_DOMAIN_COLUMNS if self.has(candidate, c)), None)
            if column:
                table = candidate
                known = (
                    f'exists (select 1 from {candidate} r where lower(r."{column}")'  # noqa: S608
                    " = lower(a.outlet_domain))"
                )
                break
        rows = fetch(
            self.conn,
            "select outlet_domain as domain, count(*) as articles, count(*) over () as total"  # noqa: S608
            f" from articles a where coalesce(outlet_domain, '') <> '' and not {known}"
            " group by all order by articles desc, domain limit ?",
            [UNKNOWN_LISTED],
        )
        return table, rows, rows[0]["total"] if rows else 0

    def story_figures(self) -> dict:
        """Copy groups and stories: how many, their sizes, and the biggest stories."""
        groups = "select copy_group_id as id, count(*) as size from articles group by all"
        stories = f"select {self.story()} as id, count(*) as size from articles group by all"  # noqa: S608
        figures: dict = {}
        for name, sql in (("copy_group", groups), ("story", stories)):
            figures[f"{name}_sizes"] = {
                r["size"]: r["n"]
                for r in fetch(
                    self.conn,
                    f"select size, count(*) as n from ({sql}) group by all",  # noqa: S608
                )
            }
            figures[f"{name}_totals"] = fetch(
                self.conn,
                "select count(*) as n,"  # noqa: S608
                f" coalesce(sum(size) filter (where size > 1), 0) as copied from ({sql})",
            )[0]
        outlet = " ".join(
            [
                "coalesce(",
                "nullif(outlet, ''), " if self.has("articles", "outlet") else "",
                "nullif(outlet_domain, ''), " if self.has("articles", "outlet_domain") else "",
                "'(no outlet)')",
            ]
        )
        title = (
            f"first(title order by {self.newest_first()})"
            " filter (where nullif(title, '') is not null)"
            if self.has("articles", "title")
            else "null"
        )
        figures["biggest"] = fetch(
            self.conn,
            f"""
            with a as (select *, {self.story()} as story, {outlet} as who from articles),
            top as (
                select story, count(*) as articles, {title} as title,
                       min(published_date) as first, max(published_date) as last
                from a group by story order by articles desc, story nulls last limit ?
            ),
            who as (
                select story, who, count(*) as n from a where story in (select story from top)
                group by all
            )
            select top.*, (
                select list(struct_pack(outlet := who, n := n) order by n desc, who)
                from who where who.story = top.story
            ) as outlets
            from top order by articles desc, story nulls last
            """,  # noqa: S608
            [STORIES_SHOWN],
        )
        return figures

    def inputs(self, history: list[str]) -> dict | None:
        """The input ledger: outcomes per run for the last runs, outcomes and reasons for the
        newest run it holds and for all runs, and a sample of that run's other inputs."""
        if not self.has("inputs", *INPUT_COLUMNS):
            return None
        # Files left unread as read before are counted in the runs table (older ledgers hold a
        # row for each). `counts` is fixed SQL: no data goes into it.
        counts = "select run_id, outcome, count(*) as n from inputs group by all"
        if self.has("runs", "run_id", "files_unchanged"):
            counts += (
                " union all select run_id, 'unchanged', files_unchanged from runs"
                " where files_unchanged > 0"
            )
        held = sorted(
            r["run_id"]
            for r in fetch(self.conn, f"select distinct run_id from ({counts})")  # noqa: S608
            if r["run_id"]
        )
        # The history's runs the ledger holds, newest first, then the rest by descending run id.
        recent = [run for run in history if run in held]
        recent += [run for run in reversed(held) if run not in recent]
        recent = recent[:RUNS_SHOWN]
        latest = recent[0] if recent else None
        outcomes = fetch(
            self.conn,
            "select outcome, coalesce(sum(n) filter (where run_id = ?), 0)::bigint as latest,"  # noqa: S608
            f" sum(n)::bigint as total from ({counts}) group by all",
            [latest],
        )
        reasons = fetch(
            self.conn,
            "select outcome, reason, count(*) filter (where run_id = ?) as latest,"
            " count(*) as total, count(*) over (partition by outcome) as reasons from inputs"
            " where outcome in ('skipped', 'quarantined') group by outcome, reason"
            " qualify row_number() over (partition by outcome order by count(*) desc, reason) <= ?"
            " order by outcome, total desc, reason",
            [latest, REASONS_SHOWN],
        )
        sample = fetch(
            self.conn,
            "select source_path, outcome, reason, count(*) over () as total from inputs"
            " where run_id = ? and outcome is distinct from 'accepted' order by case outcome"
            " when 'quarantined' then 1 when 'skipped' then 2 when 'duplicate' then 3"
            " when 'unchanged' then 4 else 0 end, source_path limit ?",
            [latest, INPUTS_LISTED],
        )
        per_run = fetch(
            self.conn,
            f"select run_id, outcome, sum(n)::bigint as n from ({counts})"  # noqa: S608
            " where run_id in (select unnest(?)) group by all order by all",
            [recent],
        )
        return {
            "latest": latest,
            "runs": recent,
            "per_run": per_run,
            "outcomes": outcomes,
            "reasons": reasons,
            "sample": sample,
            "sample_total": sample[0]["total"] if sample else 0,
        }


def confidence_bin(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    return f"{min(int(float(value) * 10), 9) / 10:.1f}"
