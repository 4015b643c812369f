"""The reports a run leaves (Data Docs, the quality dashboard), rebuilt or kept when current."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from copydesk.settings import Settings
from copydesk.warehouse.generations import published_state

# What the reports were last built for: the published generation and their index pages.
STAMP_NAME = "reports.json"


def stamp_path(settings: Settings) -> Path:
    return settings.quality_dir / STAMP_NAME


def published_run(settings: Settings) -> str | None:
    """The run whose generation is published (None: nothing, or a file no run recorded)."""
    state = published_state(settings)
    return state.run_id if state is not None else None


def current_reports(settings: Settings) -> tuple[str, str] | None:
    """The Data Docs' and the dashboard's index pages when both exist and were built for the
    published generation, so a night that publishes nothing need not rebuild them; else None."""
    try:
        stamp = json.loads(stamp_path(settings).read_text(encoding="utf-8"))
        docs, dashboard = Path(stamp["data_docs"]), Path(stamp["dashboard"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if stamp.get("published_run") != published_run(settings):
        return None  # published since, rolled back, or replaced by hand
    if not (docs.is_file() and dashboard.is_file()):
        return None
    return str(docs), str(dashboard)


def build_reports(settings: Settings, warn: Callable[[str], object]) -> tuple[str, str]:
    """Rebuild the Data Docs and the dashboard; returns their index pages (the dashboard's empty
    when it could not be built, which is warned about, never raised over the run's outcome)."""
    from copydesk.quality.gx_context import QualityContext  # Great Expectations: seconds

    # Gone first: reports half rebuilt by a killed run are not current.
    stamp_path(settings).unlink(missing_ok=True)
    docs = str(QualityContext(settings.quality_dir).build_docs())
    dashboard = build_dashboard_warned(settings, warn)
    if dashboard:
        stamp = {"published_run": published_run(settings), "data_docs": docs}
        stamp["dashboard"] = dashboard
        stamp_path(settings).write_text(json.dumps(stamp, indent=2) + "\n", encoding="utf-8")
    return docs, dashboard


def reports_after(
    settings: Settings, status: str, warn: Callable[[str], object]
) -> tuple[str, str]:
    """The reports after a run: kept after a night with nothing new when current for the
    published generation, rebuilt otherwise (a failed night most of all)."""
    if status == "nothing_new":
        current = current_reports(settings)
        if current is not None:
            return current
    return build_reports(settings, warn)


def build_dashboard_warned(settings: Settings, warn: Callable[[str], object]) -> str:
    """Rebuild the quality dashboard; a problem building it is warned about, never raised."""
    from copydesk.quality.dashboard import build_dashboard

    try:
        return str(build_dashboard(settings))
    except Exception as error:  # the dashboard must not turn a published run into a failure
        warn(f"quality dashboard not built: {error}")
        return ""
