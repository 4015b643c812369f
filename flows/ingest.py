"""The ingest flow: raw files read in batches on the task runner, committed by this process."""

from __future__ import annotations

import os
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ProcessPoolTaskRunner, TaskRunner, ThreadPoolTaskRunner

from copydesk.ingest.batches import RawBatch, StagedBatch, read_batch, stage_batch
from copydesk.ingest.commit import IngestCommit, IngestReport, sort_listing
from copydesk.ingest.fields import FieldMap
from copydesk.ingest.lake import (
    remove_staging,
    staging_dir,
    sweep_leftovers,
)
from copydesk.ingest.listing import list_raw_files
from copydesk.settings import Settings


@task(retries=2, retry_delay_seconds=1, cache_policy=NO_CACHE)
def read_raw_batch(
    batch: RawBatch,
    raw_dir: Path,
    run_id: str,
    started_at: datetime,
    staging: Path,
    field_map: FieldMap = (),
) -> StagedBatch:
    """Read one batch of raw files into batch-private staged rows; never writes the lake."""
    return stage_batch(batch, raw_dir, run_id, started_at, staging, field_map)


@flow(name="ingest", validate_parameters=False)
def ingest_batches(settings: Settings, run_id: str, started_at: datetime) -> IngestReport:
    """Read the raw folder in batches on this flow's task runner; this process alone writes the
    lake, committing the batches in listing order, so the lake is the one-process ingest's."""
    sweep_leftovers(settings.lake_dir)
    listing = sort_listing(
        settings.raw_dir,
        settings.lake_dir,
        list_raw_files(settings.raw_dir, settings.settle_seconds),
    )
    commit = IngestCommit(settings.raw_dir, settings.lake_dir, run_id, started_at, listing)
    batches = commit.batches()
    if len(batches) <= 1:
        # Nothing to fan out: reading here spares starting workers (a Dask cluster: seconds).
        for batch in batches:
            for chunk in read_batch(
                batch, settings.raw_dir, run_id, started_at, settings.field_map
            ):
                commit.add(chunk)
        return commit.finish()
    staging = staging_dir(settings.lake_dir, run_id)
    futures = [
        read_raw_batch.submit(
            batch, settings.raw_dir, run_id, started_at, staging, settings.field_map
        )
        for batch in batches
    ]
    try:
        for future in futures:  # in listing order: the first occurrence of a text wins
            commit.add_staged(future.result())
    finally:
        remove_staging(staging)
    return commit.finish()


def ingest_raw_dumps(settings: Settings, run_id: str, started_at: datetime) -> IngestReport:
    """The ingest stage, fanned out on the task runner settings name (the SQL layers fan out
    only with COPYDESK_PARTITIONED_BUILD: flows/partitions.py)."""
    with api_url_for_workers():
        runner = task_runner_for(settings)
        flow = ingest_batches.with_options(task_runner=runner)  # type: ignore[arg-type]
        return flow(settings, run_id, started_at)


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
