"""A night with nothing new, found and recorded without the nightly flow and its Prefect server.

`copydesk run` asks here first: when every raw file is one an earlier night read through and the
published warehouse was built from this lake by this code, the night has nothing to ingest, check,
build or publish. It is recorded as the flow records it (the run's row in lake/runs, counting its
unchanged files; ledger rows for files read again), its reports kept when current, and the flow,
whose temporary Prefect server alone takes 7-18 s to start, never starts. Any other night (or one
to refuse) is the flow's.
"""

from __future__ import annotations

from datetime import UTC, datetime

from copydesk.ingest.batches import ReadChunk, plan_batches, read_batch
from copydesk.ingest.commit import IngestCommit, SortedListing, sort_listing
from copydesk.ingest.lake import (
    QUARANTINE_KEY,
    existing_doc_ids,
    existing_quarantine_keys,
    sweep_leftovers,
)
from copydesk.ingest.listing import list_raw_files
from copydesk.notify import failure_notice, send
from copydesk.progress import current as current_progress
from copydesk.quality.reports import reports_after
from copydesk.quality.suites import missing_suites
from copydesk.settings import Settings
from copydesk.warehouse.generations import PublishedState
from copydesk.warehouse.models import load_models
from copydesk.warehouse.plan import NightPlan
from copydesk.warehouse.runs import (
    RunSummary,
    new_run_id,
    run_lock,
    stage_reached,
    write_run_record,
)

# Files read again every night although unchanged: those that only ever quarantined (an unreadable
# file may be fixed without a new modification time). Up to this many are read here, and the night
# stays one with nothing new if they add nothing; more is a night with news, for the flow.
REREAD_AT_MOST = 100


def record_nothing_new(
    settings: Settings, summary: RunSummary, published: PublishedState
) -> RunSummary:
    """Ingest added nothing to the lake the published warehouse was built from: every published
    table stays exactly as it is, and the run's row says so."""
    summary.status = "nothing_new"
    summary.message = f"nothing new since run {published.run_id}; published warehouse unchanged"
    summary.build = "nothing to build"
    summary.counts = published.counts
    summary.warehouse = str(settings.warehouse_path)
    summary.ended_at = datetime.now(UTC)
    write_run_record(settings, summary)
    return summary


def run_if_nothing_new(settings: Settings, warn=print) -> RunSummary | None:
    """Record tonight as `nothing_new` when no raw file needs reading and the published generation
    is up to date; None, having written nothing (a killed run's leftovers aside, swept as the flow
    sweeps them), when the night is the flow's: files to read, a full build, a missing export, no
    input or incomplete suites (which the flow refuses)."""
    marts = [model.table for model in load_models() if model.layer == "marts"]
    if missing_suites(settings.expectations_dir, marts) or not settings.raw_dir.is_dir():
        return None
    started_at = datetime.now(UTC)
    summary = RunSummary(run_id=new_run_id(started_at), started_at=started_at)
    with run_lock(settings):
        listing = list_raw_files(settings.raw_dir, settings.settle_seconds)
        if not listing[0]:
            return None
        files = sort_listing(settings.raw_dir, settings.lake_dir, listing)
        if len(files.to_read) > REREAD_AT_MOST:
            return None  # a night with news: decided before the plan's look at the warehouse
        plan = NightPlan.make(settings, summary.run_id)
        for leftover in plan.leftovers:  # swept by the plan, as the flow's would
            warn(f"removed {leftover}, left unpublished by a killed run")
        if not plan.up_to_date or plan.published is None or export_missing(settings, plan):
            return None
        sweep_leftovers(settings.lake_dir)  # as the flow's ingest does
        known = read_known_only(settings, files, summary.run_id, started_at)
        if known is None:
            return None
        try:
            with current_progress().stage("ingest") as step:
                commit = IngestCommit(
                    settings.raw_dir, settings.lake_dir, summary.run_id, started_at, files
                )
                for chunk in known:
                    commit.add(chunk)
                report = commit.finish()
                step.detail = f"{report.files_listed} files, nothing new"
            summary.ingest = report.as_dict()
            summary.inputs = report.by_outcome()
            summary.notices += plan.notices
            for notice in plan.notices:
                warn(notice)
            stage_reached("ingested")
            record_nothing_new(settings, summary, plan.published)
        except Exception as error:
            summary.status, summary.message = "failed", str(error)
            summary.ended_at = datetime.now(UTC)
            write_run_record(settings, summary)
            if settings.notify:
                problem = send(settings.notify, failure_notice(settings, summary, error))
                if problem:
                    warn(problem)
            raise
        summary.quality_report, summary.dashboard = reports_after(settings, summary.status, warn)
    return summary


def read_known_only(
    settings: Settings, files: SortedListing, run_id: str, started_at: datetime
) -> list[ReadChunk] | None:
    """The chunks of the few files to read again when the lake holds every document and
    quarantine key they give; None when there are too many to read here or one is new. Writes
    nothing."""
    if not files.to_read:
        return []
    if len(files.to_read) > REREAD_AT_MOST:
        return None
    seen = existing_doc_ids(settings.lake_dir / "documents")
    quarantined = existing_quarantine_keys(settings.lake_dir / "quarantine")
    sizes = [signature[0] if signature else 0 for _, signature in files.signatures]
    chunks = []
    for batch in plan_batches(files.to_read, sizes=sizes):
        for chunk in read_batch(batch, settings.raw_dir, run_id, started_at, settings.field_map):
            if not seen.issuperset(chunk.documents.column("doc_id").to_pylist()):
                return None
            keys = zip(
                *(chunk.bad_records.column(c).to_pylist() for c in QUARANTINE_KEY), strict=True
            )
            if not quarantined.issuperset(keys):
                return None
            chunks.append(chunk)
    return chunks


def export_missing(settings: Settings, plan: NightPlan) -> bool:
    """With COPYDESK_EXPORT, whether the export lacks the published generation: the flow writes
    it on a night with nothing new."""
    if not settings.export_at_publish or plan.published is None:
        return False
    from copydesk.warehouse.export import read_manifest

    manifest = read_manifest(settings.export_path)
    return manifest is None or manifest.get("run_id") != plan.published.run_id
