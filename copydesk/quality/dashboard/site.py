"""The Copydesk quality dashboard: static HTML built from the warehouse and the run history.

`build_dashboard(settings)` writes `data/quality/dashboard/index.html` (the gate grid and gates,
volumes, the published-date timeline and dates, outlets, copies and stories, inputs per run, with
charts) and `articles.html` (the newest articles and
quarantined records, filtered by the links the counts carry). Everything is rendered here in
Python:

- every figure is a SQL aggregate over a whole table (reading.py); only lists of example rows are
  limited, and each says how many rows it was taken from ("200 of 12,345");
- charts are SVG drawn server-side from those figures, so the pages need no chart library,
  no network and no JavaScript to show them (the small local script only sorts and filters);
- every value from the data goes through Jinja with autoescaping on, links to article urls are
  kept only for http(s), and the pages carry a Content-Security-Policy that allows no inline
  script — a `<script>` or `onerror=` inside an article is shown as text and never runs.

The warehouse is opened with a short-lived read-only connection; the run history comes from the
lake (`lake/runs`), which also holds failed runs that never reached a published warehouse. Tables
another stage has not published yet (an outlet reference table, stories, the input ledger) are
optional: a section whose table or column is missing says so instead of failing the build.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

from copydesk.quality.dashboard.reading import Warehouse, read_run_history
from copydesk.quality.dashboard.sections import (
    articles_link,
    date_section,
    gate_grid,
    gate_sections,
    inputs_section,
    outlet_section,
    story_section,
    timeline_section,
    volume_section,
)
from copydesk.settings import Settings

ASSETS_DIR = Path(__file__).parent / "templates"
STATIC_FILES = ("dashboard.css", "dashboard.js")
log = logging.getLogger(__name__)


def collect(settings: Settings, out_dir: Path) -> dict:
    """Everything the pages show, read once."""
    runs = read_run_history(settings)
    docs_dir = settings.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site"
    page: dict[str, Any] = {
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
    figures: dict[str, Any] = {
        "out_per_run": {},
        "quarantine": {"total": 0, "reasons": [], "per_run": []},
        "date_outcomes": {},
        "timeline": {"unit": "day", "rows": []},
        "confidence_bins": {},
        "drill": ([], 0),
        "outlets": {},
        "unknown": (None, [], 0),
        "to_add": None,
        "stories": {},
        "copy_pairs": None,
        "inputs": None,
    }
    totals: dict[str, int] = {}
    if settings.warehouse_path.exists():
        from copydesk.warehouse.connection import read_only_connection

        try:
            with read_only_connection(settings.warehouse_path) as conn:
                warehouse = Warehouse(conn)
                articles = warehouse.articles()
                totals = warehouse.article_totals()
                quarantine = warehouse.quarantine()
                figures = {
                    "out_per_run": warehouse.out_per_run(),
                    "quarantine": warehouse.quarantine_figures(),
                    "date_outcomes": warehouse.date_outcomes(),
                    "timeline": warehouse.date_timeline(),
                    "confidence_bins": warehouse.confidence_bins(),
                    "drill": warehouse.date_drill(),
                    "outlets": warehouse.outlet_figures(),
                    "unknown": warehouse.unknown_domains(),
                    "to_add": warehouse.outlets_to_add(),
                    "stories": warehouse.story_figures(),
                    "copy_pairs": warehouse.copy_pair_count(),
                    "inputs": warehouse.inputs([r["run_id"] for r in runs if r.get("run_id")]),
                }
            page["warehouse"] = {
                "path": str(settings.warehouse_path),
                "modified": datetime.fromtimestamp(settings.warehouse_path.stat().st_mtime, tz=UTC),
                **totals,
            }
        except duckdb.Error as error:
            page["problems"].append(f"the warehouse could not be read: {error}")
            articles, quarantine, totals = [], [], {}
    else:
        page["problems"].append("no warehouse has been published yet")
    page["articles"] = articles
    page["articles_total"] = sum(totals.values())
    page["quarantine"] = quarantine
    page["quarantine_total"] = figures["quarantine"]["total"]
    page["gates"] = gate_sections(runs, docs_dir, out_dir)
    page["gate_grid"] = gate_grid(runs)
    page["volumes"] = volume_section(runs, figures["out_per_run"], figures["quarantine"])
    page["dates"] = date_section(
        figures["date_outcomes"], figures["confidence_bins"], *figures["drill"]
    )
    page["timeline"] = timeline_section(
        figures["timeline"], figures["date_outcomes"].get("undated", 0)
    )
    page["outlets"] = outlet_section(figures["outlets"], figures["unknown"], figures["to_add"])
    page["stories"] = story_section(figures["stories"], figures["copy_pairs"])
    page["inputs"] = inputs_section(figures["inputs"])
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
