"""The run log: each run's record in the lake, and the lock that keeps one run at a time."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from copydesk.ingest.lake import (
    write_lake_file,
)
from copydesk.settings import Settings

RUNS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("started_at", pa.timestamp("us", tz="UTC")),
        ("ended_at", pa.timestamp("us", tz="UTC")),
        ("status", pa.string()),
        ("message", pa.string()),
        ("documents_read", pa.int64()),
        ("documents_new", pa.int64()),
        ("documents_duplicate", pa.int64()),
        ("records_bad", pa.int64()),
        ("files_skipped", pa.int64()),
        ("files_unchanged", pa.int64()),  # null in the records of runs before it was counted here
        ("articles_published", pa.int64()),
        ("fragments_published", pa.int64()),
        ("dates_repaired", pa.int64()),
        ("rows_quarantined", pa.int64()),
        ("gates", pa.string()),  # JSON: one object per gate with its result
        ("plan", pa.string()),  # what the night did: update, full build (and why) or nothing
    ]
)


class RunRefused(RuntimeError):
    """The run cannot start: another run holds the lock, or there is no input."""


class RunLocked(RunRefused):
    """Another run holds the lock: that run is the night, and reports its own outcome."""


@dataclass
class RunSummary:
    """What a run did, printed at the end and stored in the runs table."""

    run_id: str
    status: str = "running"
    message: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended_at: datetime | None = None
    ingest: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)  # the run's input ledger rows by outcome
    counts: dict = field(default_factory=dict)
    gates: list[dict] = field(default_factory=list)
    warehouse: str = ""
    build: str = ""  # full (and why) or an update of the published generation
    full_build_at: str = ""  # when the full build this warehouse descends from ran
    quality_report: str = ""
    notices: list[str] = field(default_factory=list)  # stale WALs, leftovers: worth a look
    dashboard: str = ""

    def record(self) -> dict:
        """The row for lake/runs and the runs mart."""
        return {
            "run_id": self.run_id,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "status": self.status,
            "message": self.message,
            "documents_read": self.ingest.get("records_read"),
            "documents_new": self.ingest.get("documents_new"),
            "documents_duplicate": self.ingest.get("documents_duplicate"),
            "records_bad": self.ingest.get("records_bad"),
            "files_skipped": self.ingest.get("files_skipped"),
            "files_unchanged": self.ingest.get("files_unchanged"),
            "articles_published": self.counts.get("articles"),
            "fragments_published": self.counts.get("fragments"),
            "dates_repaired": self.counts.get("dates_repaired"),
            "rows_quarantined": self.counts.get("quarantined"),
            "gates": json.dumps(self.gates),
            "plan": self.build,
        }


def stage_reached(stage: str) -> None:
    """A named point of the run, for crash tests: with COPYDESK_PAUSE_AT=<stage> the run says so
    on stderr and waits there to be killed (kill -9). Does nothing otherwise."""
    if os.environ.get("COPYDESK_PAUSE_AT") == stage:
        sys.stderr.write(f"copydesk: paused at {stage}\n")  # not print: log_prints takes it
        sys.stderr.flush()
        time.sleep(3600)


def new_run_id(now: datetime) -> str:
    return f"{now:%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:6]}"


@contextmanager
def run_lock(settings: Settings):
    """One writer at a time: a second run is refused while the first holds the lock."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with open(settings.lock_path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RunLocked(
                f"another Copydesk run is in progress ({holder}); not starting a second writer"
            ) from None
        handle.truncate(0)
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_run_record(settings: Settings, summary: RunSummary) -> None:
    """Append the run's row to the lake, so the history outlives warehouses."""
    partition = settings.runs_dir / f"run_date={summary.started_at.date().isoformat()}"
    record = pa.Table.from_pylist([summary.record()], schema=RUNS_SCHEMA)
    write_lake_file(record, partition / f"{summary.run_id}.parquet")
