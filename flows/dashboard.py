"""The Copydesk quality dashboard: static HTML built from the warehouse and the run history.

`build_dashboard(settings)` writes `data/quality/dashboard/index.html` (gates, volumes, dates,
outlets, copies and stories, with charts) and `articles.html` (every article and quarantined
record, filtered by the links the counts carry). Everything is rendered here in Python:

- charts are SVG drawn server-side from the figures below, so the pages need no chart library,
  no network and no JavaScript to show them (the small local script only sorts and filters);
- every value from the data goes through Jinja with autoescaping on, links to article urls are
  kept only for http(s), and the pages carry a Content-Security-Policy that allows no inline
  script — a `<script>` or `onerror=` inside an article is shown as text and never runs.

The warehouse is opened with a short-lived read-only connection; the run history comes from the
lake (`lake/runs`), which also holds failed runs that never reached a published warehouse. Tables
another stage has not published yet (an outlet reference table, stories) are optional: a section
whose table or column is missing says so instead of failing the build.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import duckdb
import pyarrow.parquet as pq

from flows.settings import PROJECT_ROOT, Settings

ASSETS_DIR = PROJECT_ROOT / "flows" / "dashboard_assets"
STATIC_FILES = ("dashboard.css", "dashboard.js")
RUNS_SHOWN = 30
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
COLORS = {
    "kept": "#2e7d32",
    "repaired_inversion": "#ef6c00",
    "repaired_off_by_one": "#f9a825",
    "repaired_other": "#8d6e63",
    "inferred": "#1565c0",
    "ambiguous": "#6a1b9a",
    "undated": "#9e9e9e",
}
VOLUME_SERIES = (
    ("documents_new", "new documents", "#1565c0"),
    ("documents_duplicate", "duplicates skipped", "#90a4ae"),
    ("records_bad", "bad records", "#c62828"),
    ("articles_out", "articles out", "#2e7d32"),
    ("fragments_out", "fragments", "#f9a825"),
)
REFERENCE_TABLES = ("dim_outlets", "outlets", "ref_outlets")
REFERENCE_DOMAIN_COLUMNS = ("outlet_domain", "domain", "host")

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# Reading


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
                "is_fragment",
                "fragment_of",
                "published_date",
                "date_source",
                "date_confidence",
                "header_date_raw",
                "copy_group_id",
                "copy_group_size",
                "left(body, ?) as excerpt",
                *optional,
                # Mirrors the run summary's "dates repaired" (flows/nightly.count_outcomes).
                "try_strptime(header_date_raw, '%Y-%m-%d')::date as header_date",
            ]
        )
        order = "ingested_at desc, " if "ingested_at" in optional else ""
        rows = fetch(
            self.conn,
            f"select {select} from articles order by {order}article_id limit ?",  # noqa: S608
            [EXCERPT_CHARS, ARTICLES_LISTED],
        )
        for row in rows:
            for column in ("outlet", "outlet_domain", "url", "title", "story_id", "run_id"):
                row.setdefault(column, None)
            row["story_id"] = row["story_id"] or row["copy_group_id"]
            row["date_category"] = date_category(row)
            row["conf_bin"] = confidence_bin(row["date_confidence"])
        return rows

    def article_totals(self) -> dict:
        return fetch(
            self.conn,
            "select count(*) filter (where not is_fragment) as articles,"
            " count(*) filter (where is_fragment) as fragments from articles",
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


def date_category(row: dict) -> str:
    """kept / repaired (how) / inferred / ambiguous / undated, from the article's own columns."""
    if row["is_fragment"]:
        return "fragment"
    published, header = row["published_date"], row["header_date"]
    if published is None:
        return "undated"
    if row["date_source"] == "header_ambiguous":
        return "ambiguous"
    if header is None:
        return "kept" if row["header_date_raw"] and row["date_source"] == "header" else "inferred"
    if published == header:
        return "kept"
    if (published.month, published.day) == (header.day, header.month) or (
        row["date_source"] or ""
    ).startswith("header_"):
        return "repaired_inversion"
    if abs((published - header).days) == 1:
        return "repaired_off_by_one"
    return "repaired_other"


def confidence_bin(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "none"
    return f"{min(int(float(value) * 10), 9) / 10:.1f}"


# ---------------------------------------------------------------------------------------------
# Charts: geometry here, markup in the template (which escapes every label).


def articles_link(table: str = "articles", **filters) -> str:
    """A link to the articles page showing only the rows that match every filter."""
    query = urlencode({k: v for k, v in filters.items() if v is not None}, quote_via=quote)
    return f"articles.html#{table}" + (f"?{query}" if query else "")


def hbar_chart(items: list[dict], *, width: int = 660, label_width: int = 250) -> dict:
    """Horizontal bars: items have label, value, href and optional color."""
    bar, gap, top = 20, 8, 6
    plot = width - label_width - 60
    peak = max([item["value"] for item in items] + [1])
    bars = []
    for index, item in enumerate(items):
        y = top + index * (bar + gap)
        length = round(plot * item["value"] / peak, 1)
        bars.append(
            {
                **item,
                "color": item.get("color", "#1565c0"),
                "x": label_width,
                "y": y,
                "w": max(length, 1 if item["value"] else 0),
                "h": bar,
                "text_y": y + bar * 0.72,
                "value_x": label_width + length + 6,
            }
        )
    return {
        "kind": "hbar",
        "width": width,
        "height": top * 2 + max(len(items), 1) * (bar + gap),
        "label_x": label_width - 8,
        "bars": bars,
    }


def column_chart(
    categories: list[dict], series: list[tuple[str, str, str]], *, height: int = 220
) -> dict:
    """Grouped columns: categories have label, href and values {series key: number}."""
    left, bottom, top = 44, 58, 10
    group_width = max(26, 12 * len(series) + 10)
    width = left + max(len(categories), 1) * group_width + 20
    plot = height - bottom - top
    peak = max([c["values"].get(key) or 0 for c in categories for key, _, _ in series] + [1])
    ticks = nice_ticks(peak)
    scale_top = ticks[-1] or 1
    bars, labels = [], []
    for index, category in enumerate(categories):
        x0 = left + index * group_width + 5
        for offset, (key, name, color) in enumerate(series):
            value = category["values"].get(key) or 0
            h = round(plot * value / scale_top, 1)
            bars.append(
                {
                    "series": key,
                    "name": name,
                    "category": category["label"],
                    "value": value,
                    "color": color,
                    "href": category["hrefs"].get(key),
                    "x": x0 + offset * 12,
                    "y": top + plot - h,
                    "w": 10,
                    "h": max(h, 0.8 if value else 0),
                }
            )
        labels.append({"text": category["short"], "x": x0 + 2, "y": top + plot + 12})
    return {
        "kind": "columns",
        "width": max(width, 320),
        "height": height,
        "plot_left": left,
        "plot_right": width - 10,
        "axis_y": top + plot,
        "ticks": [{"value": t, "y": top + plot - plot * t / scale_top} for t in ticks],
        "bars": bars,
        "labels": labels,
        "legend": [{"name": name, "color": color} for _, name, color in series],
    }


def nice_ticks(peak: float) -> list[int]:
    """0 and three or four round steps up to at least the peak."""
    raw = max(peak, 1) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return list(range(0, int(math.ceil(peak / step)) * step + 1, step))


# ---------------------------------------------------------------------------------------------
# Sections


def gate_sections(runs: list[dict], docs_dir: Path, out_dir: Path) -> dict:
    """Each gate over the last runs: passed / failed / warnings, rows checked, what failed."""
    shown = runs[:RUNS_SHOWN]
    suites: list[str] = []
    for run in reversed(shown):
        for gate in run["gates"]:
            if gate.get("suite") not in suites:
                suites.append(gate.get("suite"))
    rows = []
    for run in shown:
        by_suite = {gate.get("suite"): gate for gate in run["gates"]}
        cells = []
        for suite in suites:
            gate = by_suite.get(suite)
            if gate is None:
                cells.append(
                    {
                        "state": "none",
                        "label": "not run",
                        "rows_checked": None,
                        "expectations": None,
                        "failed": [],
                        "warnings": [],
                        "docs": None,
                    }
                )
                continue
            failed = list(gate.get("failed_critical") or [])
            warnings = list(gate.get("warnings") or [])
            state = "failed" if not gate.get("passed") else "warning" if warnings else "passed"
            cells.append(
                {
                    "state": state,
                    "label": {"failed": "failed", "warning": "warnings", "passed": "passed"}[state],
                    "rows_checked": gate.get("rows_checked"),
                    "expectations": gate.get("expectations"),
                    "failed": failed,
                    "warnings": warnings,
                    "docs": validation_page(docs_dir, out_dir, suite, run.get("run_id")),
                }
            )
        rows.append({"run": run, "cells": cells})
    return {"suites": suites, "rows": rows}


def validation_page(docs_dir: Path, out_dir: Path, suite: str, run_id: str | None) -> str | None:
    """The Data Docs page of one suite's validation in one run, relative to the dashboard."""
    if not run_id or not suite:
        return None
    pages = sorted((docs_dir / "validations" / suite).glob(f"{run_id}-*/*/*.html"))
    return os.path.relpath(pages[-1], out_dir) if pages else None


def volume_section(runs: list[dict], articles: list[dict], quarantine: list[dict]) -> dict:
    out_per_run = Counter((a["run_id"], a["is_fragment"]) for a in articles)
    reasons_per_run: dict[str, Counter] = defaultdict(Counter)
    for row in quarantine:
        reasons_per_run[row["run_id"]][row["reason"]] += 1
    table = []
    for run in runs[:RUNS_SHOWN]:
        run_id = run.get("run_id")
        table.append(
            {
                "run": run,
                "articles_out": out_per_run[(run_id, False)],
                "fragments_out": out_per_run[(run_id, True)],
                "quarantine_reasons": sorted(reasons_per_run[run_id].items()),
                "articles_href": articles_link(run=run_id, kind="article"),
                "fragments_href": articles_link(run=run_id, kind="fragment"),
            }
        )
    categories = [
        {
            "label": row["run"].get("run_id") or "?",
            "short": short_run(row["run"]),
            "values": {
                "documents_new": row["run"].get("documents_new"),
                "documents_duplicate": row["run"].get("documents_duplicate"),
                "records_bad": row["run"].get("records_bad"),
                "articles_out": row["articles_out"],
                "fragments_out": row["fragments_out"],
            },
            "hrefs": {
                "articles_out": row["articles_href"],
                "fragments_out": row["fragments_href"],
                "records_bad": articles_link("quarantine", run=row["run"].get("run_id")),
            },
        }
        for row in reversed(table)
    ]
    reasons = Counter(row["reason"] for row in quarantine)
    return {
        "table": table,
        "chart": column_chart(categories, list(VOLUME_SERIES)),
        "reasons": hbar_chart(
            [
                {
                    "label": reason or "(none)",
                    "value": count,
                    "href": articles_link("quarantine", reason=reason),
                    "color": "#c62828",
                }
                for reason, count in reasons.most_common()
            ]
        ),
        "quarantined": len(quarantine),
    }


def short_run(run: dict) -> str:
    started = run.get("started_at")
    return f"{started:%m-%d %H:%M}" if started else (run.get("run_id") or "?")[:11]


def date_section(articles: list[dict], evidence: dict[str, list[dict]]) -> dict:
    documents = [a for a in articles if not a["is_fragment"]]
    counts = Counter(a["date_category"] for a in documents)
    outcome = hbar_chart(
        [
            {
                "key": key,
                "label": label,
                "value": counts[key],
                "href": articles_link(date_category=key),
                "color": COLORS[key],
            }
            for key, label in DATE_CATEGORIES.items()
        ]
    )
    bins = Counter(a["conf_bin"] for a in documents if a["published_date"] is not None)
    confidence = hbar_chart(
        [
            {
                "key": f"{low / 10:.1f}",
                "label": f"{low / 10:.1f} – {(low + 1) / 10:.1f}",
                "value": bins[f"{low / 10:.1f}"],
                "href": articles_link(kind="article", conf_bin=f"{low / 10:.1f}"),
                "color": "#00897b",
            }
            for low in range(10)
        ],
        label_width=110,
    )
    drill = [
        a for a in documents if a["date_category"] in REPAIRED or a["date_category"] == "ambiguous"
    ][:DRILL_DOWN_LIMIT]
    for article in drill:
        article["evidence"] = evidence.get(article["article_id"], [])
    return {
        "counts": {key: counts[key] for key in DATE_CATEGORIES},
        "repaired": sum(counts[key] for key in REPAIRED),
        "outcome": outcome,
        "confidence": confidence,
        "drill": drill,
        "labels": DATE_CATEGORIES,
    }


def outlet_section(
    articles: list[dict],
    reference: tuple[str, set[str]] | None,
    to_add: list[dict] | None = None,
) -> dict:
    documents = [a for a in articles if not a["is_fragment"]]
    per_outlet = Counter(a["outlet"] for a in documents)
    chart = hbar_chart(
        [
            {
                "label": outlet if outlet is not None else "(no outlet)",
                "value": count,
                "href": articles_link(kind="article", outlet=outlet if outlet is not None else ""),
            }
            for outlet, count in per_outlet.most_common(25)
        ]
    )
    domains = Counter(a["outlet_domain"] for a in documents if a["outlet_domain"])
    known = reference[1] if reference else set()
    unknown = [
        {"domain": d, "articles": n, "href": articles_link(kind="article", domain=d)}
        for d, n in domains.most_common()
        if d.lower() not in known
    ]
    if to_add is not None:  # dim_outlets says which outlets the reference does not know
        reference = ("dim_outlets", set())
        unknown = [
            {
                "domain": row["domains"] or row["outlet"],
                "outlet": row["outlet"],
                "articles": row["articles"],
                "href": articles_link(kind="article", outlet=row["outlet"]),
            }
            for row in to_add
        ]
    return {
        "chart": chart,
        "outlets": len(per_outlet),
        "reference_table": reference[0] if reference else None,
        "unknown": unknown,
        "without_domain": sum(1 for a in documents if not a["outlet_domain"]),
        "without_domain_href": articles_link(kind="article", domain=""),
    }


def story_section(articles: list[dict], copy_pairs: int | None) -> dict:
    documents = [a for a in articles if not a["is_fragment"]]
    groups = Counter(a["copy_group_id"] for a in documents)
    stories: dict[str, list[dict]] = defaultdict(list)
    for article in documents:
        stories[article["story_id"]].append(article)

    def size_chart(sizes: Counter, what: str) -> dict:
        histogram = Counter(sizes.values())
        return hbar_chart(
            [
                {
                    "label": f"{size} article{'s' if size != 1 else ''}",
                    "value": histogram[size],
                    "href": articles_link(kind="article", **{f"{what}_size": str(size)}),
                    "color": "#5e35b1",
                }
                for size in sorted(histogram)
            ],
            label_width=110,
        )

    story_sizes = Counter({story: len(members) for story, members in stories.items()})
    for article in articles:
        article["copy_group_size_n"] = groups.get(article["copy_group_id"], 1)
        article["story_size_n"] = story_sizes.get(article["story_id"], 1)
    biggest = []
    for story, members in sorted(stories.items(), key=lambda kv: (-len(kv[1]), kv[0] or ""))[:15]:
        outlets = Counter(m["outlet"] or m["outlet_domain"] or "(no outlet)" for m in members)
        title = next((m["title"] for m in members if m["title"]), None)
        dates = sorted(m["published_date"] for m in members if m["published_date"])
        biggest.append(
            {
                "story_id": story,
                "title": title,
                "articles": len(members),
                "outlets": sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0])),
                "first": dates[0] if dates else None,
                "last": dates[-1] if dates else None,
                "members": members[:12],
                "href": articles_link(kind="article", story=story),
            }
        )
    return {
        "copy_groups": len(groups),
        "copied": sum(n for n in groups.values() if n > 1),
        "copy_pairs": copy_pairs,
        "stories": len(stories),
        "group_chart": size_chart(groups, "copy_group"),
        "story_chart": size_chart(story_sizes, "story"),
        "biggest": biggest,
    }


# ---------------------------------------------------------------------------------------------
# Building


def collect(settings: Settings, out_dir: Path) -> dict:
    """Everything the pages show, read once."""
    runs = read_run_history(settings)
    docs_dir = settings.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    page = {
        "generated_at": datetime.now(UTC),
        "runs": runs,
        "latest": runs[0] if runs else None,
        "warehouse": None,
        "problems": [],
        "docs_index": (
            os.path.relpath(docs_dir / "index.html", out_dir)
            if (docs_dir / "index.html").exists()
            else None
        ),
    }
    articles: list[dict] = []
    quarantine: list[dict] = []
    evidence: dict[str, list[dict]] = {}
    reference, copy_pairs, totals, to_add = None, None, None, None
    if settings.warehouse_path.exists():
        from flows.warehouse import read_only_connection

        try:
            with read_only_connection(settings.warehouse_path) as conn:
                warehouse = Warehouse(conn)
                articles = warehouse.articles()
                totals = warehouse.article_totals()
                quarantine = warehouse.quarantine()
                copy_pairs = warehouse.copy_pair_count()
                reference = warehouse.outlet_reference()
                to_add = warehouse.outlets_to_add()
                wanted = [
                    a["article_id"]
                    for a in articles
                    if a["date_category"] in REPAIRED or a["date_category"] == "ambiguous"
                ][:DRILL_DOWN_LIMIT]
                evidence = warehouse.evidence(wanted)
            page["warehouse"] = {
                "path": str(settings.warehouse_path),
                "modified": datetime.fromtimestamp(settings.warehouse_path.stat().st_mtime, tz=UTC),
                **totals,
            }
        except duckdb.Error as error:
            page["problems"].append(f"the warehouse could not be read: {error}")
    else:
        page["problems"].append("no warehouse has been published yet")
    page["articles"] = articles
    page["articles_truncated"] = bool(totals) and len(articles) < sum(totals.values())
    page["quarantine"] = quarantine
    page["gates"] = gate_sections(runs, docs_dir, out_dir)
    page["volumes"] = volume_section(runs, articles, quarantine)
    page["dates"] = date_section(articles, evidence)
    page["outlets"] = outlet_section(articles, reference, to_add)
    page["stories"] = story_section(articles, copy_pairs)
    return page


def safe_url(url: str | None) -> str | None:
    """Article urls become links only when they are plain http(s)."""
    if not url:
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


def environment():
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    env = Environment(
        loader=FileSystemLoader(str(ASSETS_DIR)),
        autoescape=True,  # every template, whatever its file name
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["safe_url"] = safe_url
    env.filters["link"] = lambda filters, table="articles": articles_link(table, **filters)
    env.globals["articles_link"] = articles_link
    env.filters["num"] = lambda v: "–" if v is None else f"{v:,}"
    env.filters["when"] = lambda v: f"{v:%Y-%m-%d %H:%M} UTC" if v else "–"
    env.filters["fixed"] = lambda v, n=3: "–" if v is None else f"{float(v):.{n}f}"
    return env


def build_dashboard(settings: Settings) -> Path:
    """Write the dashboard pages under data/quality/dashboard; returns index.html's path."""
    out_dir = settings.quality_dir / "dashboard"
    out_dir.mkdir(parents=True, exist_ok=True)
    page = collect(settings, out_dir)
    env = environment()
    for name in ("index.html", "articles.html"):
        write_atomically(out_dir / name, env.get_template(f"{name}.j2").render(page=page))
    for name in STATIC_FILES:
        shutil.copyfile(ASSETS_DIR / name, out_dir / name)
    return out_dir / "index.html"


def write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(text)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def serve(directory: Path, port: int, host: str = "127.0.0.1") -> None:
    """Serve the quality folder (dashboard and Data Docs) on this machine until interrupted."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = partial(SimpleHTTPRequestHandler, directory=str(directory))
    with ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {directory} at http://{host}:{server.server_address[1]}/dashboard/")
        with contextlib.suppress(KeyboardInterrupt):
            server.serve_forever()
