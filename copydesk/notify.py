"""Telling someone that a night failed or was refused: COPYDESK_NOTIFY names a command, which
reads the notice as text on stdin, or an http(s) webhook, which receives it as a JSON POST."""

from __future__ import annotations

import json
import shlex
import subprocess
import urllib.error
import urllib.request
from datetime import datetime
from pathlib import Path

from copydesk.settings import Settings
from copydesk.warehouse.runs import RunRefused, RunSummary

TIMEOUT_SECONDS = 15  # a notifier that hangs must not keep the night's process alive


def failure_notice(settings: Settings, summary: RunSummary, error: BaseException) -> dict:
    """What a failed or refused night reports: run, status, failed gates or error, counts and the
    dashboard."""
    status = "refused" if isinstance(error, RunRefused) else "failed"
    failed_gates = [
        {
            "suite": gate["suite"],
            "stage": gate["stage"],
            "table": gate["table"],
            "failed": gate["failed_critical"],
        }
        for gate in summary.gates
        if not gate["passed"]
    ]
    dashboard = summary.dashboard or str(settings.quality_dir / "dashboard" / "index.html")
    notice = {
        "run_id": summary.run_id,
        "status": status,
        "started_at": summary.started_at.isoformat(),
        "error": str(error) or type(error).__name__,
        "failed_gates": failed_gates,
        "ingest": summary.ingest,
        "counts": summary.counts,
        "raw_dir": str(settings.raw_dir),
        "data_dir": str(settings.data_dir),
        "dashboard": dashboard if Path(dashboard).exists() else "",
    }
    # Chat webhooks (Slack, Mattermost) show a JSON body's "text".
    notice["text"] = notice_text(notice)
    return notice


def notice_text(notice: dict) -> str:
    """The notice as lines a person reads in a mail or a chat."""
    lines = [
        f"Copydesk run {notice['run_id']}: {notice['status']}",
        f"  started    {datetime.fromisoformat(notice['started_at']):%Y-%m-%d %H:%M:%S %Z}",
        f"  data       {notice['data_dir']} (raw dumps from {notice['raw_dir']})",
    ]
    for gate in notice["failed_gates"]:
        lines.append(f"  gate '{gate['suite']}' ({gate['stage']}, {gate['table']}) failed:")
        lines.extend(f"    - {failure}" for failure in gate["failed"])
    if not notice["failed_gates"]:
        lines.append(f"  error      {notice['error']}")
    ingest = notice["ingest"]
    if ingest:
        lines.append(
            f"  ingest     {ingest.get('files_listed', 0)} files listed,"
            f" {ingest.get('documents_new', 0)} new documents,"
            f" {ingest.get('documents_duplicate', 0)} already in the lake,"
            f" {ingest.get('records_bad', 0)} bad records"
        )
    if notice["counts"]:
        lines.append("  counts     " + ", ".join(f"{k} {v}" for k, v in notice["counts"].items()))
    if notice["status"] == "failed":
        lines.append("  nothing was published; the published warehouse is unchanged")
    if notice["dashboard"]:
        lines.append(f"  dashboard  {Path(notice['dashboard']).as_uri()}")
    return "\n".join(lines) + "\n"


def send(target: str, notice: dict) -> str | None:
    """Deliver the notice to a webhook URL or a command; returns why it could not be, or None."""
    if target.startswith(("http://", "https://")):
        return post(target, notice)
    return run_command(shlex.split(target), notice["text"])


def post(url: str, notice: dict) -> str | None:
    request = urllib.request.Request(
        url,
        data=json.dumps(notice).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        return f"COPYDESK_NOTIFY webhook {url} not reached: {error}"
    return None


def run_command(argv: list[str], text: str) -> str | None:
    try:
        done = subprocess.run(
            argv, input=text, capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"COPYDESK_NOTIFY command {argv[0]!r} did not run: {error}"
    if done.returncode != 0:
        said = done.stderr.strip()[-500:]
        return f"COPYDESK_NOTIFY command {argv[0]!r} exited with {done.returncode}: {said}"
    return None
