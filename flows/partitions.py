"""The per-document models run per lake partition on the task runner."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, task
from prefect.cache_policies import NO_CACHE

from copydesk.ingest.lake import remove_staging, staging_dir
from copydesk.settings import Settings
from copydesk.warehouse.connection import building_connection
from copydesk.warehouse.partitions import (
    PartitionJob,
    build_partition,
    loading_sql,
    plan_partitions,
)
from flows.ingest import api_url_for_workers, task_runner_for


@task(retries=1, retry_delay_seconds=1, cache_policy=NO_CACHE)
def build_lake_partition(job: PartitionJob) -> dict[str, int]:
    """One partition's prefix tables, written as Parquet; rewrites its own files on a retry."""
    return build_partition(job)


@flow(name="partitions", validate_parameters=False)
def build_lake_partitions(jobs: list[PartitionJob]) -> list[dict[str, int]]:
    """Every partition's job on this flow's task runner."""
    futures = [build_lake_partition.submit(job) for job in jobs]
    return [future.result() for future in futures]


def features_dir(settings: Settings, run_id: str) -> Path:
    """Where a run's workers leave the prefix tables: beside ingest's staging, which the next run
    sweeps if this one is killed, and at the lake's path, which remote workers share."""
    return staging_dir(settings.lake_dir, f"{run_id}.features")


def build_per_partition(settings: Settings, run_id: str) -> tuple[dict[str, str], str]:
    """Run the per-document prefix per lake partition (COPYDESK_PARTITIONED_BUILD); returns the
    selects that load its tables (build_models' `precomputed`; empty when the lake cannot be
    split) and what was done."""
    out = features_dir(settings, run_id)
    remove_staging(out)
    with building_connection(settings, run_id) as conn:
        jobs = plan_partitions(conn, settings.documents_dir, out, settings.memory_limit)
    if not jobs:
        remove_staging(out)
        why = "a document is in two lake partitions" if jobs is None else "no new documents"
        return {}, f"in one process: {why}"
    with api_url_for_workers():
        runner = task_runner_for(settings)
        fan_out = build_lake_partitions.with_options(task_runner=runner)  # type: ignore[arg-type]
        counts = fan_out(jobs)
    documents = sum(count.get("staging.stg_documents", 0) for count in counts)
    return loading_sql(out), f"{len(jobs)} partitions, {documents} documents"


def remove_features(settings: Settings, run_id: str) -> None:
    """The prefix tables are loaded into the warehouse by the build; their Parquet goes after."""
    remove_staging(features_dir(settings, run_id))
