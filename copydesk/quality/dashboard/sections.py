"""The dashboard's sections, each a template dict formatted from figures computed in SQL."""

from __future__ import annotations

import os
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from copydesk.quality.dashboard.charts import (
    COLORS,
    INPUT_COLORS,
    TIMELINE_COLORS,
    column_chart,
    hbar_chart,
    stacked_chart,
)
from copydesk.quality.dashboard.reading import (
    DATE_CATEGORIES,
    INPUT_OUTCOMES,
    REPAIRED,
    RUNS_SHOWN,
    TIMELINE_CATEGORIES,
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


STAGE_ORDER = ("ingest", "staging", "marts", "publish")


def gate_grid(runs: list[dict]) -> dict:
    """Each gated suite (a row) over the last runs (a column each, oldest first): passed,
    warnings, failed or not run, with the run, its time and the failed expectations."""
    shown = list(reversed(runs[:RUNS_SHOWN]))
    stages: dict[str, str] = {}
    for run in shown:
        for gate in run["gates"]:
            stages.setdefault(gate.get("suite") or "?", gate.get("stage") or "")
    order = {stage: index for index, stage in enumerate(STAGE_ORDER)}
    suites = sorted(stages, key=lambda s: (order.get(stages[s], len(order)), stages[s], s))
    columns = [
        {
            "run_id": run.get("run_id") or "?",
            "status": run.get("status") or "?",
            "title": f"run {run.get('run_id') or '?'} · {when(run)} · {run.get('status')}",
        }
        for run in shown
    ]
    rows = []
    for suite in suites:
        cells = []
        for run in shown:
            gate = next((g for g in run["gates"] if (g.get("suite") or "?") == suite), None)
            where = f"{suite} · run {run.get('run_id') or '?'} · {when(run)}"
            if gate is None:
                cells.append({"state": "none", "failed": 0, "title": f"{where}: not run"})
                continue
            failed = len(gate.get("failed_critical") or [])
            warnings = len(gate.get("warnings") or [])
            state = "failed" if not gate.get("passed") else "warning" if warnings else "passed"
            title = (
                f"{where}: {state}, {failed} failed expectation{'s' if failed != 1 else ''}"
                f" of {gate.get('expectations', '?')}, {warnings} warning"
                f"{'s' if warnings != 1 else ''}, {gate.get('rows_checked', '?')} rows checked"
            )
            cells.append({"state": state, "failed": failed, "title": title})
        rows.append({"suite": suite, "stage": stages[suite], "cells": cells})
    return {"columns": columns, "rows": rows}


def when(run: dict) -> str:
    started = run.get("started_at")
    return f"{started:%Y-%m-%d %H:%M} UTC" if started else "time unknown"


def validation_page(docs_dir: Path, out_dir: Path, suite: str, run_id: str | None) -> str | None:
    """The Data Docs page of one suite's validation in one run, relative to the dashboard."""
    if not run_id or not suite:
        return None
    pages = sorted((docs_dir / "validations" / suite).glob(f"{run_id}-*/*/*.html"))
    return os.path.relpath(pages[-1], out_dir) if pages else None


def volume_section(
    runs: list[dict], out_per_run: dict[tuple[str | None, bool], int], quarantine: dict
) -> dict:
    """Documents in and articles out per run, and quarantined records by reason."""
    reasons_per_run: dict[str | None, list[tuple[str, int]]] = defaultdict(list)
    for row in quarantine["per_run"]:
        reasons_per_run[row["run_id"]].append((row["reason"], row["n"]))
    table: list[dict] = []
    for run in runs[:RUNS_SHOWN]:
        run_id = run.get("run_id") or ""
        table.append(
            {
                "run": run,
                "articles_out": out_per_run.get((run_id, False), 0),
                "fragments_out": out_per_run.get((run_id, True), 0),
                "quarantine_reasons": reasons_per_run[run_id],
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
    return {
        "table": table,
        "chart": column_chart(categories, list(VOLUME_SERIES)),
        "reasons": hbar_chart(
            [
                {
                    "label": row["reason"] or "(none)",
                    "value": row["n"],
                    "href": articles_link("quarantine", reason=row["reason"]),
                    "color": "#c62828",
                }
                for row in quarantine["reasons"]
            ]
        ),
        "quarantined": quarantine["total"],
    }


def short_run(run: dict) -> str:
    started = run.get("started_at")
    return f"{started:%m-%d %H:%M}" if started else (run.get("run_id") or "?")[:11]


def date_section(
    counts: dict[str, int], bins: dict[str, int], drill: list[dict], drill_total: int
) -> dict:
    """Date outcomes and confidence over every article; repaired and ambiguous examples."""
    outcome = hbar_chart(
        [
            {
                "key": key,
                "label": label,
                "value": counts.get(key, 0),
                "href": articles_link(date_category=key),
                "color": COLORS[key],
            }
            for key, label in DATE_CATEGORIES.items()
        ]
    )
    confidence = hbar_chart(
        [
            {
                "key": f"{low / 10:.1f}",
                "label": f"{low / 10:.1f} – {(low + 1) / 10:.1f}",
                "value": bins.get(f"{low / 10:.1f}", 0),
                "href": articles_link(kind="article", conf_bin=f"{low / 10:.1f}"),
                "color": "#00897b",
            }
            for low in range(10)
        ],
        label_width=110,
    )
    return {
        "counts": {key: counts.get(key, 0) for key in DATE_CATEGORIES},
        "repaired": sum(counts.get(key, 0) for key in REPAIRED),
        "outcome": outcome,
        "confidence": confidence,
        "drill": drill,
        "drill_total": drill_total,
        "labels": DATE_CATEGORIES,
    }


def timeline_section(timeline: dict, undated: int) -> dict:
    """Published dates per bin (day, week, month or year), stacked by how each was decided."""
    unit = timeline["unit"]
    counts: dict[date, dict[str, int]] = defaultdict(dict)
    for row in timeline["rows"]:
        counts[row["bin"]][row["category"]] = row["n"]
    bins = []
    if counts:
        first, last = min(counts), max(counts)
        current = first
        while current <= last:  # every bin, so a gap shows as one
            bins.append(
                {
                    "label": bin_label(current, unit),
                    "short": bin_label(current, unit, short=True),
                    "values": counts.get(current, {}),
                }
            )
            current = next_bin(current, unit)
    series = [(key, label, TIMELINE_COLORS[key]) for key, label in TIMELINE_CATEGORIES.items()]
    caption = "Published dates per " + unit
    if unit != "day":
        caption += f" (the dates span {len(bins)} {unit}s, so each bar is one {unit})"
    if undated:
        caption += f"; {undated:,} undated article{'s' if undated != 1 else ''} not shown"
    return {
        "unit": unit,
        "dated": sum(row["n"] for row in timeline["rows"]),
        "caption": caption,
        "chart": stacked_chart(bins, series, what="dates") if bins else None,
    }


def bin_label(start: date, unit: str, short: bool = False) -> str:
    if unit == "year":
        return f"{start:%Y}"
    if unit == "month":
        return f"{start:%Y-%m}"
    if unit == "week" and not short:
        return f"week of {start:%Y-%m-%d}"
    return f"{start:%Y-%m-%d}"


def next_bin(start: date, unit: str) -> date:
    if unit == "year":
        return start.replace(year=start.year + 1)
    if unit == "month":
        return (start.replace(day=28) + timedelta(days=4)).replace(day=1)
    return start + timedelta(days=7 if unit == "week" else 1)


def outlet_section(
    figures: dict,
    unknown: tuple[str | None, list[dict], int],
    to_add: tuple[list[dict], int] | None = None,
) -> dict:
    """Articles per outlet, and the domains or outlets the reference table lacks."""
    chart = hbar_chart(
        [
            {
                "label": row["outlet"] if row["outlet"] is not None else "(no outlet)",
                "value": row["n"],
                "href": articles_link(
                    kind="article", outlet=row["outlet"] if row["outlet"] is not None else ""
                ),
            }
            for row in figures.get("top", [])
        ]
    )
    reference, domains, total = unknown
    listed = [
        {
            "domain": row["domain"],
            "articles": row["articles"],
            "href": articles_link(kind="article", domain=row["domain"]),
        }
        for row in domains
    ]
    if to_add is not None:  # dim_outlets says which outlets the reference does not know
        reference, total = "dim_outlets", to_add[1]
        listed = [
            {
                "domain": row["domains"] or row["outlet"],
                "outlet": row["outlet"],
                "articles": row["articles"],
                "href": articles_link(kind="article", outlet=row["outlet"]),
            }
            for row in to_add[0]
        ]
    return {
        "chart": chart,
        "outlets": figures.get("outlets", 0),
        "reference_table": reference,
        "unknown": listed,
        "unknown_total": total,
        "without_domain": figures.get("without_domain", 0),
        "without_domain_href": articles_link(kind="article", domain=""),
    }


def story_section(figures: dict, copy_pairs: int | None) -> dict:
    """Copy-group and story sizes, and the biggest stories with who ran them."""

    def size_chart(histogram: dict[int, int], what: str) -> dict:
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

    biggest = [
        {
            "story_id": row["story"],
            "title": row["title"],
            "articles": row["articles"],
            "outlets": [(o["outlet"], o["n"]) for o in row["outlets"] or []],
            "first": row["first"],
            "last": row["last"],
            "href": articles_link(kind="article", story=row["story"]),
        }
        for row in figures.get("biggest", [])
    ]
    groups = figures.get("copy_group_totals", {})
    return {
        "copy_groups": groups.get("n", 0),
        "copied": groups.get("copied", 0),
        "copy_pairs": copy_pairs,
        "stories": figures.get("story_totals", {}).get("n", 0),
        "group_chart": size_chart(figures.get("copy_group_sizes", {}), "copy_group"),
        "story_chart": size_chart(figures.get("story_sizes", {}), "story"),
        "biggest": biggest,
    }


def inputs_section(ledger: dict | None) -> dict | None:
    """Every input a run saw, by outcome, for the newest run in the ledger and for all runs."""
    if ledger is None:
        return None
    seen = {row["outcome"]: row for row in ledger["outcomes"]}
    outcomes = [
        {"outcome": outcome, "latest": row["latest"], "total": row["total"]}
        for outcome in [*INPUT_OUTCOMES, *sorted(o for o in seen if o not in INPUT_OUTCOMES)]
        for row in [seen.get(outcome, {"latest": 0, "total": 0})]
    ]
    per_run: dict[str, dict[str, int]] = defaultdict(dict)
    for row in ledger["per_run"]:
        per_run[row["run_id"]][row["outcome"]] = row["n"]
    kinds = [
        *INPUT_OUTCOMES,
        *sorted({r["outcome"] for r in ledger["per_run"]} - {*INPUT_OUTCOMES}),
    ]
    runs = [
        {
            "run_id": run_id,
            "counts": [per_run[run_id].get(outcome, 0) for outcome in kinds],
            "total": sum(per_run[run_id].values()),
        }
        for run_id in reversed(ledger["runs"])  # oldest first, like the other charts
    ]
    chart = stacked_chart(
        [
            {"label": f"run {run_id}", "short": None, "values": per_run[run_id]}
            for run_id in reversed(ledger["runs"])
        ],
        [(o, o, INPUT_COLORS.get(o, "#5f6b76")) for o in kinds],
        what="inputs",
        plot_width=30 * len(ledger["runs"]),
        height=160,
    )
    reasons: dict[str, dict] = {}
    for row in ledger["reasons"]:
        entry = reasons.setdefault(row["outcome"], {"rows": [], "reasons": row["reasons"]})
        entry["rows"].append(row)
    return {
        "latest": ledger["latest"],
        "kinds": kinds,
        "per_run": runs,
        "per_run_chart": chart if runs else None,
        "outcomes": outcomes,
        "reasons": reasons,
        "sample": ledger["sample"],
        "sample_total": ledger["sample_total"],
    }
