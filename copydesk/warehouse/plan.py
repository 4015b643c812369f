"""One plan per night: made once from the published generation and the lake, then carried out.

Whether a night updates the published warehouse, builds every table anew or does nothing is
decided here, at the start of the run, from three facts: what the published generation was built
from (its record in the lake), whether the lake still holds every document it was built from, and
what ingest adds. The flow carries the plan out and records its description in the run's row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from copydesk.ingest.commit import IngestReport
from copydesk.ingest.lake import DOCUMENT_SCHEMA
from copydesk.settings import Settings
from copydesk.warehouse import generations
from copydesk.warehouse.background_copy import BackgroundCopy
from copydesk.warehouse.build import record_new_documents
from copydesk.warehouse.connection import (
    building_connection,
    lake_dataset,
    sql_literal,
    table_exists,
)


@dataclass(frozen=True)
class Build:
    """What this night's build is: an update of the published warehouse or a full build."""

    update: bool
    new_documents: int
    reason: str = ""  # why the build is a full one
    full_build_at: str = ""  # when the full build an update descends from ran (ISO, UTC)

    def describe(self) -> str:
        count = self.new_documents
        noun = "document" if count == 1 else "documents"
        if self.update:
            return f"update of the published warehouse with {count} new {noun}"
        return f"full build of {count} {noun}: {self.reason}"


@dataclass
class NightPlan:
    """What a night does, decided once at its start: update the published warehouse, build in
    full (and why), or, when ingest adds nothing to the lake the published generation was built
    from by this code, publish nothing."""

    settings: Settings
    run_id: str
    published: generations.PublishedState | None
    full_build_reason: str | None  # None: the night updates the published warehouse
    up_to_date: bool  # the published generation was built from exactly this lake and code
    leftovers: list[Path] = field(default_factory=list)  # a killed run's files, swept
    notices: list[str] = field(default_factory=list)  # stale WALs beside published files
    copying: BackgroundCopy | None = None

    @classmethod
    def make(cls, settings: Settings, run_id: str) -> NightPlan:
        """Sweep a killed run's leftovers, then read the published generation and the lake.
        Call while holding the run lock."""
        leftovers = generations.sweep_building_leftovers(settings)
        notices = generations.stale_wal_notices(settings)
        published = generations.published_state(settings)
        reason = generations.why_not_update(settings, published)
        if reason is None:
            try:
                gone = published_documents_gone(settings)
            except duckdb.Error as error:
                gone, reason = 0, f"the published warehouse cannot be read ({error})"
            if gone:
                reason = f"the lake no longer holds {gone} of its documents"
        up_to_date = (
            published is not None
            and not settings.full_rebuild
            and published.fingerprint == generations.build_fingerprint(settings)
        )
        return cls(settings, run_id, published, reason, up_to_date, leftovers, notices)

    @property
    def updates(self) -> bool:
        return self.full_build_reason is None

    def start_copy(self) -> None:
        """Copy the published warehouse while ingest runs, when the night will update it. A byte
        copy: the published file is checkpointed and never written, so readers holding it open do
        not matter, and no table is rewritten."""
        if self.updates:
            building = self.settings.building_path(self.run_id)
            self.copying = BackgroundCopy(self.settings.warehouse_path, building)

    def nothing_new(self, report: IngestReport) -> bool:
        """Whether the night has nothing to build: ingest added nothing to a lake the published
        warehouse was built from, by this code; every published table then stays as it is."""
        return self.up_to_date and not report.added_to_lake

    def build(self) -> Build:
        """Start this run's warehouse file, a copy of the published one or an empty one, and
        record which documents the build adds (all of them in a full build)."""
        if self.updates:
            if self.copying is None:
                self.start_copy()
            assert self.copying is not None
            self.copying.wait()
        else:
            self.settings.building_path(self.run_id).unlink(missing_ok=True)
        with building_connection(self.settings, self.run_id) as conn:
            new_documents = record_new_documents(conn)
        if self.published is not None and self.updates:
            return Build(True, new_documents, "", self.published.full_build_at)
        full_build_at = datetime.now(UTC).isoformat()
        return Build(False, new_documents, self.full_build_reason or "", full_build_at)

    def cancel(self) -> None:
        """Stop a copy still running (the building file is removed by the flow)."""
        if self.copying is not None:
            self.copying.cancel()


def published_documents_gone(settings: Settings) -> int:
    """Documents of the published warehouse the lake no longer has: a generation built from other
    files than the lake holds now cannot be updated, only rebuilt."""
    conn = duckdb.connect()
    try:
        conn.execute(f"attach {sql_literal(str(settings.warehouse_path))} as published (read_only)")
        if not table_exists(conn, "staging.stg_documents", database="published"):
            return 0
        conn.register("lake_documents", lake_dataset(settings.documents_dir, DOCUMENT_SCHEMA))
        return conn.execute(
            "select count(*) from published.staging.stg_documents"
            " anti join (select doc_id from lake_documents) using (doc_id)"
        ).fetchall()[0][0]
    finally:
        conn.close()
