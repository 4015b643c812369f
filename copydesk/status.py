"""`copydesk status`: the last run, the published generation and its age, and the next scheduled
run; unhealthy when the last run failed or the published warehouse is missing or too old."""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime

from copydesk.settings import Settings
from copydesk.warehouse.generations import published_state

API_TIMEOUT_SECONDS = 3  # a monitor's check must answer even when the Prefect server does not


@dataclass
class Status:
    """What `copydesk status` prints, and why it is unhealthy (no reasons: healthy)."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def last_run(settings: Settings) -> dict | None:
    """The newest run record in the lake, by started_at; None when no run ever ended."""
    import duckdb

    if not any(settings.runs_dir.glob("*/*.parquet")):
        return None
    pattern = str(settings.runs_dir / "*" / "*.parquet")
    with duckdb.connect() as conn:
        cursor = conn.execute(
            "select * from read_parquet(?, union_by_name = true, hive_partitioning = false)"
            " order by started_at desc limit 1",
            [pattern],
        )
        names = [column[0] for column in cursor.description]
        row = cursor.fetchone()
    return dict(zip(names, row, strict=True)) if row else None


def hours_since(moment: datetime, now: datetime) -> float:
    return (now - moment).total_seconds() / 3600


def status(settings: Settings, deployment: str, now: datetime | None = None) -> Status:
    """The status of the data folder's nightly runs, as lines to print and reasons to worry."""
    now = now or datetime.now(UTC)
    report = Status()
    run = last_run(settings)
    if run is None:
        report.lines.append("last run   none recorded")
    else:
        started = run["started_at"].astimezone(UTC)
        report.lines.append(
            f"last run   {run['run_id']}: {run['status']}, started {started:%Y-%m-%d %H:%M} UTC"
            f" ({hours_since(started, now):.1f} h ago)"
        )
        figures = [
            f"{run[column]} {label}"
            for column, label in (
                ("documents_new", "new documents"),
                ("articles_published", "articles"),
                ("fragments_published", "fragments"),
                ("rows_quarantined", "quarantined"),
            )
            if run.get(column) is not None
        ]
        if figures:
            report.lines.append("           " + ", ".join(figures))
        for gate in json.loads(run.get("gates") or "[]"):
            if not gate["passed"]:
                report.lines.append(
                    f"           gate '{gate['suite']}' ({gate['stage']}, {gate['table']}) failed:"
                )
                report.lines += [f"             - {f}" for f in gate["failed_critical"]]
        if run["status"] == "failed":
            if not any(not gate["passed"] for gate in json.loads(run.get("gates") or "[]")):
                report.lines.append(f"           error: {run['message']}")
            report.problems.append(f"the last run failed ({run['run_id']})")

    state = published_state(settings)
    if state is not None:
        published_at = datetime.fromisoformat(state.published_at)
        age = hours_since(published_at, now)
        report.lines.append(
            f"published  run {state.run_id}, {age:.1f} h old"
            f" (published {published_at:%Y-%m-%d %H:%M} UTC): {settings.warehouse_path}"
        )
    elif settings.warehouse_path.exists():
        # Rolled back or replaced by hand: which run built it is unknown, its file's age is not.
        modified = datetime.fromtimestamp(settings.warehouse_path.stat().st_mtime, UTC)
        age = hours_since(modified, now)
        report.lines.append(
            f"published  a generation no run recorded (rolled back?), {age:.1f} h old:"
            f" {settings.warehouse_path}"
        )
    else:
        age = None
        report.lines.append(f"published  nothing: no {settings.warehouse_path}")
        report.problems.append("nothing was ever published")
    if age is not None and age > settings.max_age_hours:
        report.problems.append(
            f"the published warehouse is older than"
            f" COPYDESK_MAX_AGE_HOURS={settings.max_age_hours:g} h ({age:.1f} h)"
        )

    report.lines.append("next run   " + next_run(deployment, now, served_api(settings)))
    report.lines.append(
        "status     "
        + ("unhealthy: " + "; ".join(report.problems) if report.problems else "healthy")
    )
    return report


def served_api(settings: Settings) -> str:
    """The API of the Prefect server a running `copydesk serve` started, if one is running."""
    try:
        return settings.served_api_path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def live_served_api(settings: Settings) -> str:
    """The API of `copydesk serve`'s Prefect server when it answers its health check, else ""."""
    api = served_api(settings).rstrip("/")
    if not api:
        return ""
    try:  # a file left by a serve that was killed names a port nobody answers on
        return api if prefect_api(api, "/health") is True else ""
    except (urllib.error.URLError, OSError, ValueError):
        return ""


def next_run(deployment: str, now: datetime, served: str = "") -> str:
    """The deployment's next scheduled flow run, asked of the Prefect API named by
    PREFECT_API_URL, else of the server `copydesk serve` started; best effort, never an error."""
    api = (os.environ.get("PREFECT_API_URL") or served).rstrip("/")
    if not api:
        return "no schedule known (PREFECT_API_URL is not set and copydesk serve is not running)"
    try:
        found = prefect_api(api, f"/deployments/name/{deployment}")
        runs = prefect_api(
            api,
            "/flow_runs/filter",
            {
                "deployments": {"id": {"any_": [found["id"]]}},
                "flow_runs": {"state": {"type": {"any_": ["SCHEDULED"]}}},
                "sort": "EXPECTED_START_TIME_ASC",
                "limit": 1,
            },
        )
    except (urllib.error.URLError, OSError, ValueError, KeyError) as error:
        return f"no schedule known (Prefect API at {api}: {error})"
    if not runs:
        return f"no schedule known ({deployment} has no scheduled run at {api})"
    when = datetime.fromisoformat(runs[0]["expected_start_time"]).astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M} UTC ({deployment}, in {hours_since(now, when):.1f} h)"


def prefect_api(api: str, path: str, body: dict | None = None):
    """One call to Prefect's REST API (GET, or POST with a JSON body); returns the JSON answer."""
    headers = {"Content-Type": "application/json"}
    if os.environ.get("PREFECT_API_KEY"):
        headers["Authorization"] = f"Bearer {os.environ['PREFECT_API_KEY']}"
    request = urllib.request.Request(
        api + path,
        data=None if body is None else json.dumps(body).encode(),
        headers=headers,
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=API_TIMEOUT_SECONDS) as response:
        return json.loads(response.read())
