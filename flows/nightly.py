"""The nightly flow: ingest → check → build staging → check → build marts → check → publish."""

from __future__ import annotations

from datetime import UTC, datetime

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from copydesk.ingest.listing import list_raw_files
from copydesk.nothing_new import record_nothing_new
from copydesk.notify import failure_notice, send
from copydesk.progress import current as current_progress
from copydesk.quality.gates import (
    GateFailed,
    GateResult,
    enforce,
    reconcile_inputs,
    validate_stage,
)
from copydesk.quality.gx_context import QualityContext
from copydesk.quality.reports import reports_after
from copydesk.quality.suites import missing_suites
from copydesk.settings import Settings
from copydesk.warehouse.build import build_models, drop_build_tables, record_table_counts
from copydesk.warehouse.connection import building_connection
from copydesk.warehouse.models import load_models
from copydesk.warehouse.plan import NightPlan
from copydesk.warehouse.publishing import publish_generation
from copydesk.warehouse.runs import (
    RunLocked,
    RunRefused,
    RunSummary,
    new_run_id,
    run_lock,
    stage_reached,
    write_run_record,
)
from flows.ingest import ingest_raw_dumps
from flows.partitions import build_per_partition, remove_features


@flow(name="nightly", log_prints=True)
def nightly(
    raw_dir: str | None = None, data_dir: str | None = None, full_rebuild: bool = False
) -> RunSummary:
    """Ingest the raw dumps, build (or update) and check every layer, and publish the warehouse."""
    settings = Settings.from_env(raw_dir, data_dir, full_rebuild)
    started_at = datetime.now(UTC)
    summary = RunSummary(run_id=new_run_id(started_at), started_at=started_at)
    try:
        return run_night(settings, summary)
    except RunLocked:
        raise  # the run holding the lock is tonight's, and reports its own outcome
    except Exception as error:
        report_failure(settings, summary, error)
        raise


def run_night(settings: Settings, summary: RunSummary) -> RunSummary:
    """The night itself: refuse it, or plan, ingest, build, check and publish under the lock."""
    logger = get_run_logger()
    started_at = summary.started_at
    refuse_without_input(settings)
    refuse_without_suites(settings)
    progress = current_progress()
    with run_lock(settings):
        plan = None
        try:
            plan = NightPlan.make(settings, summary.run_id)
            for leftover in plan.leftovers:
                logger.warning("removed %s, left unpublished by a killed run", leftover)
            summary.notices += plan.notices
            for notice in plan.notices:
                logger.warning(notice)
            plan.start_copy()
            with progress.stage("ingest") as step:
                report = ingest_raw_dumps(settings, summary.run_id, started_at)
                step.detail = (
                    f"{report.files_listed} files, {report.documents_new} new documents,"
                    f" {report.documents_duplicate} already in the lake"
                )
            summary.ingest = report.as_dict()
            summary.inputs = report.by_outcome()
            stage_reached("ingested")
            logger.info("ingested %s", {k: v for k, v in summary.ingest.items() if k != "skipped"})
            for line in report.skipped:
                logger.warning("skipped %s", line)
            if not report.reconciles():
                logger.error("ingest counts do not reconcile: %s", summary.ingest)
            if plan.nothing_new(report):
                assert plan.published is not None  # nothing is new only against a publish
                record_nothing_new(settings, summary, plan.published)
                logger.info(summary.message)
                export_published(progress, settings, summary, plan.published.run_id)
                return summary
            summary.message = "; ".join(summary.notices)

            with progress.stage("plan build") as step:
                build = plan.build()
                summary.build = step.detail = build.describe()
                summary.full_build_at = build.full_build_at
            logger.info("build: %s", summary.build)
            # The lake gate checks every document the build would add, not only tonight's: a
            # document it rejected stays in the lake, and a retry must reject it again.
            gate(progress, settings, summary, "ingest")
            precomputed: dict[str, str] = {}
            if settings.partitioned_build:
                with progress.stage("build per partition") as step:
                    precomputed, step.detail = build_per_partition(settings, summary.run_id)
            build_layers(
                progress, settings, summary.run_id, ("staging",), build.update, precomputed
            )
            gate(progress, settings, summary, "staging")
            built = build_layers(
                progress,
                settings,
                summary.run_id,
                ("intermediate", "marts"),
                build.update,
                precomputed,
            )
            remove_features(settings, summary.run_id)
            stage_reached("built")
            gate(progress, settings, summary, "marts")
            summary.counts = count_outcomes(settings, summary.run_id)
            reconciled = enforce([reconcile_inputs(summary.inputs, summary.counts.pop("inputs"))])
            summary.gates += [r.summary() for r in reconciled]
            summary.status = "published"
            summary.ended_at = datetime.now(UTC)
            with progress.stage("publish") as step:
                verdicts, notice = publish(settings, summary, built)
                summary.gates += verdicts
                step.detail = f"{summary.counts['articles']} articles"
            # The record written before the publish gate lacks its verdicts: the lake's copy (the
            # dashboard's gate history, the next night's runs table) gets them now.
            write_run_record(settings, summary)
            if notice:
                logger.warning(notice)
            summary.warehouse = str(settings.warehouse_path)
            export_published(progress, settings, summary)
        except Exception as error:
            summary.status = "failed"
            summary.message = str(error)
            summary.ended_at = datetime.now(UTC)
            if isinstance(error, GateFailed):
                summary.gates += [r.summary() for r in error.results]
            write_run_record(settings, summary)
            raise
        finally:
            if plan is not None:
                plan.cancel()
            settings.building_path(summary.run_id).unlink(missing_ok=True)
            remove_features(settings, summary.run_id)
            settings.building_path(summary.run_id).with_suffix(".duckdb.wal").unlink(
                missing_ok=True
            )
            # A night with nothing new keeps the reports when they are current.
            summary.quality_report, summary.dashboard = reports_after(
                settings, summary.status, logger.warning
            )
    return summary


def report_failure(settings: Settings, summary: RunSummary, error: Exception) -> None:
    """Tell COPYDESK_NOTIFY that the night failed or was refused; a notifier that fails is a
    warning, never an error over the night's own."""
    if not settings.notify:
        return
    logger = get_run_logger()
    try:
        problem = send(settings.notify, failure_notice(settings, summary, error))
    except Exception as unexpected:  # the night's own error is the one to raise
        problem = f"COPYDESK_NOTIFY not told: {unexpected!r}"
    if problem:
        logger.warning(problem)
    else:
        logger.info("told COPYDESK_NOTIFY that run %s did not publish", summary.run_id)


def refuse_without_input(settings: Settings) -> None:
    """A night without raw dumps to read publishes nothing and says why."""
    files, skipped = (
        list_raw_files(settings.raw_dir, settings.settle_seconds)
        if settings.raw_dir.is_dir()
        else ([], [])
    )
    settling = sum("still being written" in why for _, why in skipped)
    if not files:
        why = "missing folder" if not settings.raw_dir.is_dir() else "no .txt/.jsonl/.json files"
        if settling:
            why = (
                f"{settling} files modified in the last {settings.settle_seconds:g} s, maybe still"
                " being written; COPYDESK_SETTLE_SECONDS=0 reads them now"
            )
        raise RunRefused(
            f"no raw dumps to read in {settings.raw_dir} ({why});"
            " the published warehouse is unchanged"
        )


def refuse_without_suites(settings: Settings) -> None:
    """A night whose gates would check nothing (COPYDESK_EXPECTATIONS missing or misspelled, a
    stage or a mart without its suite) reads nothing, publishes nothing and says why."""
    marts = [model.table for model in load_models() if model.layer == "marts"]
    problems = missing_suites(settings.expectations_dir, marts)
    if problems:
        raise RunRefused(
            "the quality gates are incomplete, so nothing was read: " + "; ".join(problems)
        )


@task(cache_policy=NO_CACHE)
def check_stage(settings: Settings, run_id: str, stage: str) -> list[GateResult]:
    """Validate one stage's suites against this run's unpublished warehouse; raises GateFailed
    on a critical failure."""
    with building_connection(settings, run_id) as conn:
        quality = QualityContext(settings.quality_dir)
        results = validate_stage(conn, stage, run_id, quality, settings.expectations_dir)
    # Raised outside the connection's frame, so the failure (which Prefect keeps) holds no
    # DuckDB objects alive.
    return enforce(results)


def gate(progress, settings: Settings, summary: RunSummary, stage: str) -> None:
    """Check one stage, shown as a progress stage; its verdicts go into the run's record."""
    with progress.stage(f"check {stage}") as step:
        results = [r.summary() for r in check_stage(settings, summary.run_id, stage)]
        step.detail = ", ".join(f"{r['suite']} {r['rows_checked']} rows" for r in results)
    summary.gates += results


@task(cache_policy=NO_CACHE)
def build_models_of(
    settings: Settings,
    run_id: str,
    layers: tuple[str, ...],
    update: bool = False,
    precomputed: dict[str, str] | None = None,
) -> dict[str, int]:
    """Build the SQL models of the given layers in dependency order, the tables of `precomputed`
    from the per-partition prefix's Parquet; returns row counts."""
    models = [model for model in load_models() if model.layer in layers]
    with building_connection(settings, run_id) as conn:
        return build_models(conn, models, incremental=update, precomputed=precomputed)


def build_layers(
    progress,
    settings: Settings,
    run_id: str,
    layers: tuple[str, ...],
    update: bool,
    precomputed: dict[str, str] | None = None,
) -> dict[str, int]:
    """Build SQL layers, shown as a progress stage; returns each table's rows after the build."""
    with progress.stage("build " + " + ".join(layers)) as step:
        counts = build_models_of(settings, run_id, layers, update, precomputed)
        step.detail = f"{len(counts)} models"
    return counts


@task(cache_policy=NO_CACHE)
def count_outcomes(settings: Settings, run_id: str) -> dict:
    """The figures the summary reports, read from the new warehouse, and the run's rows of the
    input ledger by outcome."""
    with building_connection(settings, run_id) as conn:
        row = conn.execute(
            """
            select
                count(*),
                (select count(*) from main.article_fragments),
                count(*) filter (where date_outcome like 'repaired%'),
                (select count(*) from main.quarantine)
            from main.articles
            """
        ).fetchall()[0]
        inputs = conn.execute(
            "select outcome, count(*) from main.inputs where run_id = ? group by outcome", [run_id]
        ).fetchall()
    names = ("articles", "fragments", "dates_repaired", "quarantined")
    return {**dict(zip(names, row, strict=True)), "inputs": dict(inputs)}


@task(cache_policy=NO_CACHE)
def publish(
    settings: Settings, summary: RunSummary, built: dict[str, int]
) -> tuple[list[dict], str]:
    """Record the run, check the run log and every mart's rows against what the build wrote and
    what is published, then swap the new warehouse in atomically; returns the publish gate's
    verdicts and a notice when a stale WAL was moved aside."""
    write_run_record(settings, summary)
    models = load_models()
    marts = {model.table for model in models if model.layer == "marts"}
    runs_model = [model for model in models if model.table == "main.runs"]
    published = settings.warehouse_path if settings.warehouse_path.exists() else None
    with building_connection(settings, summary.run_id) as conn:
        counts = {table: rows for table, rows in built.items() if table in marts}
        counts |= build_models(conn, runs_model)
        # Before the publish gate, which checks them, and before drop_build_tables.
        record_table_counts(conn, counts, published, settings.shrink_allowed)
    verdicts = [r.summary() for r in check_stage.fn(settings, summary.run_id, "publish")]
    with building_connection(settings, summary.run_id) as conn:
        drop_build_tables(conn)
        conn.execute("checkpoint")
    notice = publish_generation(settings, summary.run_id, summary.counts, summary.full_build_at)
    return verdicts, notice


@task(cache_policy=NO_CACHE)
def export_parquet(settings: Settings) -> str:
    """The published marts as Parquet in the export folder; returns what was written."""
    from copydesk.warehouse.export import export_marts

    out, manifest = export_marts(settings)
    return f"{len(manifest.tables)} marts of run {manifest.run_id} to {out}"


def export_published(
    progress, settings: Settings, summary: RunSummary, unless_run: str | None = None
) -> None:
    """With COPYDESK_EXPORT, write the marts as Parquet after a publish (and on a night with
    nothing new, unless the export already holds run `unless_run`'s generation). A failed export
    is a warning and a notice: the warehouse stays published, and the next night retries."""
    if not settings.export_at_publish:
        return
    from copydesk.warehouse.export import read_manifest

    exported = read_manifest(settings.export_path)
    if unless_run is not None and exported is not None and exported.get("run_id") == unless_run:
        return
    logger = get_run_logger()
    try:
        with progress.stage("export") as step:
            step.detail = export_parquet(settings)
        logger.info("Parquet export: %s", step.detail)
    except Exception as error:  # the published warehouse stands; the export is retried
        notice = (
            f"Parquet export failed ({error}); the warehouse is published,"
            f" {settings.export_path} still holds the export before; `copydesk export` retries"
        )
        summary.notices.append(notice)
        logger.warning(notice)
