"""The per-document prefix of the build, run per lake partition and handed back as Parquet.

Which models form the prefix is read from their headers, never listed: a model belongs when it
updates by `@incremental <one key> = build.new_documents.<column>` (its rows are written once,
when their document is new, so nothing a later document brings changes them) and reads only the
lake's documents, the reference CSVs, the small reference models built from those alone, and
other prefix models. The first model that reads anything else (teaser matching reads every
document's openings) ends the prefix, and so does everything after it.

A worker opens its own in-memory DuckDB, reads its partition's Parquet files as raw.documents,
runs the same model files as the build, and writes each prefix table as one Parquet file per
partition; the build then loads those files where it would have run the model (`loading_sql`).
Rows that depend on a whole night (`int_header_dates` compares a run's headers) stay exact, as a
run writes all its documents into one partition (`ingest_date=` of its start).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow.dataset as pads

from copydesk.ingest.lake import DOCUMENT_SCHEMA
from copydesk.settings import REFERENCE_DIR
from copydesk.warehouse.build import build_models
from copydesk.warehouse.connection import (
    SOURCE_SCHEMA,
    load_reference_tables,
    prepare_connection,
    sql_literal,
)
from copydesk.warehouse.models import BUILD_SCHEMA, NEW_DOCUMENTS, Model, load_models

PARTITIONED_SOURCE = f"{SOURCE_SCHEMA}.documents"  # the one table a worker sees a part of


def reference_sources() -> frozenset[str]:
    """The raw.* tables of data/reference/: small, and the same for every partition."""
    return frozenset(f"{SOURCE_SCHEMA}.{path.stem}" for path in REFERENCE_DIR.glob("*.csv"))


def split_prefix(models: list[Model]) -> tuple[list[Model], list[Model]]:
    """(reference models, per-document models) among `models`, each in build order: the models
    a partition's worker builds, and of those the ones whose tables it hands back."""
    references = set(reference_sources())
    prefix: set[str] = set()
    reference_models, prefix_models = [], []
    for model in models:  # in dependency order: a model's inputs are classified before it
        if model.incremental is None and model.depends_on and model.depends_on <= references:
            references.add(model.table)
            reference_models.append(model)
            continue
        declared = model.incremental
        if declared is None or len(declared.key_columns) != 1:
            continue
        if declared.scope_table != NEW_DOCUMENTS:
            continue
        readable = references | prefix | {PARTITIONED_SOURCE, NEW_DOCUMENTS}
        if model.depends_on <= readable:
            prefix.add(model.table)
            prefix_models.append(model)
    return reference_models, prefix_models


@dataclass(frozen=True)
class PartitionJob:
    """One lake partition's share of the prefix: its files, this build's new documents (all of
    the lake's on a full build), and the folder its Parquet goes to."""

    partition: str  # the lake folder's name, e.g. ingest_date=2025-07-01
    files: tuple[str, ...]
    new_documents: str  # Parquet of build.new_documents (doc_id, doc_key), the driver's
    out_dir: str
    memory_limit: str = ""


def plan_partitions(
    conn: duckdb.DuckDBPyConnection, documents_dir: Path, out_dir: Path, memory_limit: str = ""
) -> list[PartitionJob] | None:
    """The jobs for the lake partitions holding documents this build adds; [] when it adds none,
    None when the lake cannot be split (a document in two partitions: staging keeps its first
    occurrence, which only a whole-lake build sees)."""
    if not any(documents_dir.glob("*/*.parquet")):
        return []
    # By folder, as the workers read them: a partition is the files under one lake folder.
    files = sql_literal(str(documents_dir / "*" / "*.parquet"))
    conn.execute(
        "create or replace temp table partition_documents as"  # noqa: S608
        " select distinct doc_id, parse_filename(parse_dirpath(filename)) as partition"
        f" from read_parquet({files}, filename = true, hive_partitioning = false)"
        f" semi join {NEW_DOCUMENTS} using (doc_id)"
    )
    try:
        duplicated, partitions = conn.execute(
            "select count(*) - count(distinct doc_id), list(distinct partition order by partition)"
            " from partition_documents"
        ).fetchall()[0]
    finally:
        conn.execute("drop table partition_documents")
    if duplicated:
        return None
    out_dir.mkdir(parents=True, exist_ok=True)
    new_documents = out_dir / "new_documents.parquet"
    conn.execute(
        f"copy (select doc_id, doc_key from {NEW_DOCUMENTS})"  # noqa: S608
        f" to {sql_literal(str(new_documents))} (format parquet)"
    )
    jobs = []
    for partition in partitions or []:
        paths = tuple(sorted(str(path) for path in (documents_dir / partition).glob("*.parquet")))
        jobs.append(PartitionJob(partition, paths, str(new_documents), str(out_dir), memory_limit))
    return jobs


def build_partition(job: PartitionJob) -> dict[str, int]:
    """Run the prefix over one partition in a DuckDB of its own and write each prefix table to
    <out_dir>/<table>/<partition>.parquet; returns the rows of each."""
    reference_models, prefix_models = split_prefix(load_models())
    out_dir = Path(job.out_dir)
    config: dict[str, str | bool | int | float | list[str]] = {
        "temp_directory": str(out_dir / f"{job.partition}.tmp")
    }
    if job.memory_limit:
        config["memory_limit"] = job.memory_limit
    conn = duckdb.connect(config=config)
    try:
        prepare_connection(conn)
        conn.execute(f"create schema {SOURCE_SCHEMA}")
        conn.register("lake_documents", pads.dataset(list(job.files), schema=DOCUMENT_SCHEMA))
        conn.execute(f"create view {PARTITIONED_SOURCE} as select * from lake_documents")  # noqa: S608
        load_reference_tables(conn)
        conn.execute(f"create schema {BUILD_SCHEMA}")
        conn.execute(
            f"create table {NEW_DOCUMENTS} as select * from read_parquet(?)"  # noqa: S608
            f" semi join (select doc_id from {PARTITIONED_SOURCE}) using (doc_id)",
            [job.new_documents],
        )
        counts = build_models(conn, reference_models + prefix_models)
        for model in prefix_models:
            target = out_dir / model.table / f"{job.partition}.parquet"
            target.parent.mkdir(parents=True, exist_ok=True)
            # Table names come from our own sql/ files; the path is ours too.
            conn.execute(
                f"copy {model.table} to {sql_literal(str(target))} (format parquet)"  # noqa: S608
            )
    finally:
        conn.close()
    return {model.table: counts[model.table] for model in prefix_models}


def loading_sql(out_dir: Path, models: list[Model] | None = None) -> dict[str, str]:
    """For each prefix table, the select that reads its partitions' Parquet: what the build runs
    in the model's place (build_models' `precomputed`)."""
    _, prefix_models = split_prefix(models if models is not None else load_models())
    return {
        model.table: "select * from read_parquet("  # noqa: S608
        + sql_literal(str(out_dir / model.table / "*.parquet"))
        + ")"
        for model in prefix_models
    }
