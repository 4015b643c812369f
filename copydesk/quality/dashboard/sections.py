"""The dashboard's sections: gates, volume, dates, outlets and stories, each a template dict."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote, urlencode

from copydesk.quality.dashboard.charts import COLORS, column_chart, hbar_chart
from copydesk.quality.dashboard.reading import (
    DATE_CATEGORIES,
    DRILL_DOWN_LIMIT,
    REPAIRED,
    RUNS_SHOWN,
)

VOLUME_SERIES = (
    ("documents_new", "new documents", "#1565c0"),
    ("documents_duplicate", "duplicates skipped", "#90a4ae"),
    ("records_bad", "bad records", "#c62828"),
    ("articles_out", "articles out", "#2e7d32"),
    ("fragments_out", "fragments", "#f9a825"),
)


def articles_link(table: str = "articles", **filters) -> str:
    """A link to the articles page showing only the rows that match every filter."""
    query = urlencode({k: v for k, v in filters.items() if v is not None}, quote_via=quote)
    return f"articles.html#{table}" + (f"?{query}" if query else "")


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
        cells: list[dict] = []
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
    table: list[dict] = []
    for run in runs[:RUNS_SHOWN]:
        run_id = run.get("run_id") or ""
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
