"""The nightly flow: ingest → check → build staging → check → build marts → check → publish."""

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
from pathlib import Path

import duckdb
import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from flows import recovery
from flows.gates import GateFailed, GateResult, QualityContext, require_passed, validate_stage
from flows.ingest import (
    IngestCommit,
    IngestReport,
    RawBatch,
    StagedBatch,
    list_raw_files,
    plan_batches,
    read_batch,
    remove_staging,
    stage_batch,
    staging_dir,
    sweep_leftovers,
    write_lake_file,
)
from flows.progress import current as current_progress
from flows.settings import Settings
from flows.warehouse import (
    RUNS_SCHEMA,
    BackgroundCopy,
    build_models,
    documents_gone_from_lake,
    drop_build_tables,
    drop_sources,
    load_models,
    publish,
    record_new_documents,
    register_sources,
)


class RunRefused(RuntimeError):
    """The run cannot start: another run holds the lock, or there is no input."""


@dataclass
class RunSummary:
    """What a run did, printed at the end and stored in the runs table."""

    run_id: str
    status: str = "running"
    message: str = ""
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    ended_at: datetime | None = None
    ingest: dict = field(default_factory=dict)
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
            "articles_published": self.counts.get("articles"),
            "fragments_published": self.counts.get("fragments"),
            "dates_repaired": self.counts.get("dates_repaired"),
            "rows_quarantined": self.counts.get("quarantined"),
            "gates": json.dumps(self.gates),
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
            raise RunRefused(
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


@contextmanager
def building_connection(settings: Settings, run_id: str):
    """A connection to this run's unpublished warehouse file, with the lake attached as raw.*."""
    conn = duckdb.connect(str(settings.building_path(run_id)), config=settings.duckdb_config())
    try:
        register_sources(conn, settings)
        yield conn
        drop_sources(conn)
    finally:
        conn.close()


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_raw_batch(
    batch: RawBatch, raw_dir: Path, run_id: str, started_at: datetime, staging: Path
) -> StagedBatch:
    """Read one batch of raw files into batch-private staged rows; never writes the lake."""
    return stage_batch(batch, raw_dir, run_id, started_at, staging)


@flow(name="ingest", validate_parameters=False)
def ingest_batches(settings: Settings, run_id: str, started_at: datetime) -> IngestReport:
    """Read the raw folder in batches on this flow's task runner; this process alone writes the
    lake, committing the batches in listing order, so the lake is the one-process ingest's."""
    sweep_leftovers(settings.lake_dir)
    listing = list_raw_files(settings.raw_dir)
    commit = IngestCommit(settings.raw_dir, settings.lake_dir, run_id, started_at, listing)
    batches = plan_batches(commit.files_to_read)
    if len(batches) <= 1:
        # Nothing to fan out: reading here spares starting workers (a Dask cluster: seconds).
        for batch in batches:
            for chunk in read_batch(batch, settings.raw_dir, run_id, started_at):
                commit.add(chunk)
        return commit.finish()
    staging = staging_dir(settings.lake_dir, run_id)
    futures = [
        read_raw_batch.submit(batch, settings.raw_dir, run_id, started_at, staging)
        for batch in batches
    ]
    try:
        for future in futures:  # in listing order: the first occurrence of a text wins
            commit.add_staged(future.result())
    finally:
        remove_staging(staging)
    return commit.finish()


def ingest_raw_dumps(settings: Settings, run_id: str, started_at: datetime) -> IngestReport:
    """The ingest stage, fanned out on the task runner settings name; only this stage fans out,
    the SQL layers stay in this process."""
    with api_url_for_workers():
        runner = task_runner_for(settings)
        return ingest_batches.with_options(task_runner=runner)(settings, run_id, started_at)


def task_runner_for(settings: Settings) -> TaskRunner:
    """The task runner COPYDESK_TASK_RUNNER names, with one worker per core."""
    workers = os.cpu_count() or 1
    if settings.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    if settings.task_runner == "processes":
        return ProcessPoolTaskRunner(max_workers=workers)
    from prefect_dask import DaskTaskRunner  # imports dask and distributed: only when asked for

    if settings.dask_address:
        return DaskTaskRunner(address=settings.dask_address)
    # Single-threaded worker processes, as reading is CPU-bound Python; no dashboard, whose fixed
    # port would clash between runs on a shared machine (":0": any free port).
    cluster = {"n_workers": workers, "threads_per_worker": 1, "dashboard_address": ":0"}
    return DaskTaskRunner(cluster_kwargs=cluster)


@contextmanager
def api_url_for_workers():
    """Let worker processes report to this run's Prefect API. With Prefect's temporary server
    (no PREFECT_API_URL) the server's address is known only in this process, and a Dask or
    process-pool worker without it would start a temporary server of its own."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL, temporary_settings

    server = SubprocessASGIServer()  # the one this process's client started, if any
    if PREFECT_API_URL.value() or not server.running:
        yield
        return
    with temporary_settings({PREFECT_API_URL: server.api_url}):
        yield


def validate_building(settings: Settings, run_id: str, stage: str) -> list[GateResult]:
    """Validate one stage's suites against this run's unpublished warehouse."""
    with building_connection(settings, run_id) as conn:
        return validate_stage(
            conn, stage, run_id, QualityContext(settings.quality_dir), settings.expectations_dir
        )


@task(cache_policy=NO_CACHE)
def check_gate(settings: Settings, run_id: str, stage: str) -> list[GateResult]:
    """Run the expectation suites of one stage; raises GateFailed on a critical failure."""
    # Raised outside the connection's frame, so the failure (which Prefect keeps) holds no
    # DuckDB objects alive.
    return require_passed(validate_building(settings, run_id, stage))


@dataclass(frozen=True)
class BuildPlan:
    """Whether this run updates a copy of the published warehouse or builds every table anew."""

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


def start_copying_published(settings: Settings, run_id: str) -> BackgroundCopy | None:
    """Copy the published warehouse while ingest runs, when this night will likely update it
    (plan_build decides, once the lake is read)."""
    if recovery.why_not_update(settings) is not None:
        return None
    return BackgroundCopy(settings.warehouse_path, settings.building_path(run_id))


@task(cache_policy=NO_CACHE)
def plan_build(settings: Settings, run_id: str, copied: bool = False) -> BuildPlan:
    """Start this run's warehouse file: a copy of the published one when this code built it from
    documents the lake still has (the night then computes its new documents only), else empty.
    `copied`: the copy was already made while ingest ran (start_copying_published)."""
    building = settings.building_path(run_id)
    reason = recovery.why_not_update(settings)
    if reason is None:
        if not copied:
            # A byte copy: the published file is checkpointed and never written, so readers
            # holding it open do not matter, and no table is rewritten.
            BackgroundCopy(settings.warehouse_path, building).wait()
        with building_connection(settings, run_id) as conn:
            gone = documents_gone_from_lake(conn)
        if gone:
            reason = f"the lake no longer holds {gone} of its documents"
    if reason is not None:
        building.unlink(missing_ok=True)  # a copy made in vain, if any: the build starts empty
    with building_connection(settings, run_id) as conn:
        new_documents = record_new_documents(conn)
    if reason is None:
        full_build_at = recovery.published_state(settings).full_build_at
    else:
        full_build_at = datetime.now(UTC).isoformat()
    return BuildPlan(reason is None, new_documents, reason or "", full_build_at)


@task(cache_policy=NO_CACHE)
def build_layers(
    settings: Settings, run_id: str, layers: tuple[str, ...], update: bool = False
) -> dict[str, int]:
    """Build the SQL models of the given layers in dependency order; returns row counts."""
    models = [model for model in load_models() if model.layer in layers]
    with building_connection(settings, run_id) as conn:
        return build_models(conn, models, incremental=update)


@task(cache_policy=NO_CACHE)
def count_outcomes(settings: Settings, run_id: str) -> dict[str, int]:
    """The figures the summary reports, read from the new warehouse."""
    with building_connection(settings, run_id) as conn:
        row = conn.execute(
            """
            select
                count(*) filter (where not is_fragment),
                count(*) filter (where is_fragment),
                count(*) filter (
                    where not is_fragment
                    and header_date_raw is not null
                    and published_date is not null
                    and published_date
                        is distinct from try_strptime(header_date_raw, '%Y-%m-%d')::date
                ),
                (select count(*) from main.quarantine)
            from main.articles
            """
        ).fetchall()[0]
    return dict(zip(("articles", "fragments", "dates_repaired", "quarantined"), row, strict=True))


def write_run_record(settings: Settings, summary: RunSummary) -> None:
    """Append the run's row to the lake, so the history outlives warehouses."""
    partition = settings.runs_dir / f"run_date={summary.started_at.date().isoformat()}"
    record = pa.Table.from_pylist([summary.record()], schema=RUNS_SCHEMA)
    write_lake_file(record, partition / f"{summary.run_id}.parquet")


@task(cache_policy=NO_CACHE)
def publish_warehouse(settings: Settings, summary: RunSummary) -> list[GateResult]:
    """Record the run, check the run log, then swap the new warehouse in atomically."""
    write_run_record(settings, summary)
    runs_model = [model for model in load_models() if model.table == "main.runs"]
    with building_connection(settings, summary.run_id) as conn:
        build_models(conn, runs_model)
    results = require_passed(validate_building(settings, summary.run_id, "publish"))
    with building_connection(settings, summary.run_id) as conn:
        drop_build_tables(conn)
        conn.execute("checkpoint")
    building = settings.building_path(summary.run_id)
    notice = recovery.move_wal_aside(settings, summary.run_id)
    if notice:
        get_run_logger().warning(notice)
    fingerprint = recovery.build_fingerprint(settings)
    recovery.record_published(
        settings, building, summary.run_id, fingerprint, summary.counts, summary.full_build_at
    )
    stage_reached("publishing")
    publish(building, settings)
    stage_reached("published")
    return results


@flow(name="nightly", log_prints=True)
def nightly(
    raw_dir: str | None = None, data_dir: str | None = None, full_rebuild: bool = False
) -> RunSummary:
    """Ingest the raw dumps, build (or update) and check every layer, and publish the warehouse."""
    settings = Settings.from_env(raw_dir, data_dir, full_rebuild)
    logger = get_run_logger()
    started_at = datetime.now(UTC)
    summary = RunSummary(run_id=new_run_id(started_at), started_at=started_at)
    files, skipped = list_raw_files(settings.raw_dir) if settings.raw_dir.is_dir() else ([], [])
    if not files:
        why = "missing folder" if not settings.raw_dir.is_dir() else "no .txt/.jsonl/.json files"
        raise RunRefused(
            f"no raw dumps to read in {settings.raw_dir} ({why});"
            " the published warehouse is unchanged"
        )
    quality = QualityContext(settings.quality_dir)
    with run_lock(settings):
        for leftover in recovery.sweep_building_leftovers(settings):
            logger.warning("removed %s, left unpublished by a killed run", leftover)
        summary.notices += recovery.stale_wal_notices(settings)
        for notice in summary.notices:
            logger.warning(notice)
        progress = current_progress()
        copying = None
        try:
            copying = start_copying_published(settings, summary.run_id)
            with progress.stage("ingest") as step:
                report = ingest_raw_dumps(settings, summary.run_id, started_at)
                step.detail = (
                    f"{report.files_listed} files, {report.documents_new} new documents,"
                    f" {report.documents_duplicate} already in the lake"
                )
            summary.ingest = report.as_dict()
            stage_reached("ingested")
            logger.info("ingested %s", {k: v for k, v in summary.ingest.items() if k != "skipped"})
            for line in report.skipped:
                logger.warning("skipped %s", line)
            if not report.reconciles():
                logger.error("ingest counts do not reconcile: %s", summary.ingest)
            # Nothing new in the lake and the published warehouse was built from it, with this
            # code: publish nothing, so every published table stays exactly as it is.
            unchanged = (
                None
                if report.added_to_lake or settings.full_rebuild
                else recovery.unchanged_since_publish(settings)
            )
            if unchanged is not None:
                if copying is not None:
                    copying.cancel()
                summary.status = "nothing_new"
                summary.message = (
                    f"nothing new since run {unchanged.run_id}; published warehouse unchanged"
                )
                summary.counts = unchanged.counts
                summary.warehouse = str(settings.warehouse_path)
                summary.ended_at = datetime.now(UTC)
                write_run_record(settings, summary)
                logger.info(summary.message)
                return summary
            summary.message = "; ".join(summary.notices)
            summary.gates += checked_gate(progress, settings, summary.run_id, "ingest")
            with progress.stage("plan build") as step:
                if copying is not None:
                    copying.wait()
                plan = plan_build(settings, summary.run_id, copied=copying is not None)
                summary.build = step.detail = plan.describe()
                summary.full_build_at = plan.full_build_at
            logger.info("build: %s", summary.build)
            built_layers(progress, settings, summary.run_id, ("staging",), plan.update)
            summary.gates += checked_gate(progress, settings, summary.run_id, "staging")
            built_layers(progress, settings, summary.run_id, ("intermediate", "marts"), plan.update)
            stage_reached("built")
            summary.gates += checked_gate(progress, settings, summary.run_id, "marts")
            summary.counts = count_outcomes(settings, summary.run_id)
            summary.status = "published"
            summary.ended_at = datetime.now(UTC)
            with progress.stage("publish") as step:
                summary.gates += [r.summary() for r in publish_warehouse(settings, summary)]
                step.detail = f"{summary.counts['articles']} articles"
            summary.warehouse = str(settings.warehouse_path)
        except Exception as error:
            summary.status = "failed"
            summary.message = str(error)
            summary.ended_at = datetime.now(UTC)
            if isinstance(error, GateFailed):
                summary.gates += [r.summary() for r in error.results]
            write_run_record(settings, summary)
            raise
        finally:
            if copying is not None:
                copying.cancel()  # stops a copy still running; the file goes just below anyway
            settings.building_path(summary.run_id).unlink(missing_ok=True)
            settings.building_path(summary.run_id).with_suffix(".duckdb.wal").unlink(
                missing_ok=True
            )
            summary.quality_report = str(build_quality_report(quality))
            summary.dashboard = build_dashboard_logged(settings, logger)
    return summary


def checked_gate(progress, settings: Settings, run_id: str, stage: str) -> list[dict]:
    """Run one stage's gate, shown as a progress stage; returns the gate summaries."""
    with progress.stage(f"check {stage}") as step:
        results = [r.summary() for r in check_gate(settings, run_id, stage)]
        step.detail = ", ".join(f"{r['suite']} {r['rows_checked']} rows" for r in results)
    return results


def built_layers(
    progress, settings: Settings, run_id: str, layers: tuple[str, ...], update: bool
) -> None:
    """Build SQL layers, shown as a progress stage."""
    with progress.stage("build " + " + ".join(layers)) as step:
        counts = build_layers(settings, run_id, layers, update)
        step.detail = f"{len(counts)} models"


def build_quality_report(quality: QualityContext) -> Path:
    """Rebuild the Data Docs from every validation kept so far."""
    return quality.build_docs()


def build_dashboard_logged(settings: Settings, logger) -> str:
    """Rebuild the quality dashboard after every run, a failed one most of all; a problem building
    it is logged, never raised over the run's own outcome."""
    from flows.dashboard import build_dashboard

    try:
        return str(build_dashboard(settings))
    except Exception as error:  # the dashboard must not turn a published run into a failure
        logger.warning("quality dashboard not built: %s", error)
        return ""
