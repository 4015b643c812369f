"""The Parquet lake: its schemas, staging area, writer, and the manifest of files already read."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq

DOCUMENT_SCHEMA = pa.schema(
    [
        ("doc_id", pa.string()),
        ("source_id", pa.string()),
        ("source_path", pa.string()),
        ("format", pa.string()),
        ("encoding", pa.string()),
        ("repairs", pa.string()),
        ("byte_size", pa.int64()),
        ("text", pa.string()),
        ("url", pa.string()),
        ("outlet_hint", pa.string()),
        ("title_hint", pa.string()),
        ("date_hint", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("ingested_at", pa.timestamp("us", tz="UTC")),
        ("ingest_date", pa.date32()),
        ("run_id", pa.string()),
    ]
)

QUARANTINE_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("source_path", pa.string()),
        ("reason", pa.string()),
        ("raw_excerpt", pa.string()),
        ("stage", pa.string()),
        ("quarantined_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
        # sha256 of the raw bytes (the file, or the JSONL line) when they could be read: with
        # source_id and reason it identifies a quarantined input, so a re-run never adds it twice.
        ("input_hash", pa.string()),
    ]
)

# The input ledger: one row per raw file a run skipped and per record it read, with its outcome.
INPUTS_SCHEMA = pa.schema(
    [
        ("run_id", pa.string()),
        ("source_id", pa.string()),  # the record's id, or the raw file path (with :LINE for JSONL)
        ("source_path", pa.string()),  # the raw file, relative to the raw folder
        ("outcome", pa.string()),  # one of OUTCOMES
        ("reason", pa.string()),  # why it was not accepted; null when it was
        ("doc_id", pa.string()),  # the document it became, or the one it duplicates
    ]
)
OUTCOMES = ("accepted", "duplicate", "quarantined", "skipped")
# Lakes written before unchanged files were left out of the ledger also hold "unchanged" rows: one
# per file a night left unread because an earlier night had read it. The run's record counts them.

ROWS_PER_FILE = 20_000
BYTES_PER_FILE = 16 * 1024 * 1024  # a lake file is also flushed once its rows hold this much text


# What the read step hands the commit step: the lake's rows plus the position of each row's raw
# file in the listing, which tells the commit which files added something.
FILE_INDEX = pa.field("file_index", pa.int32())
CANDIDATE_SCHEMA = DOCUMENT_SCHEMA.append(FILE_INDEX)
BAD_RECORD_SCHEMA = QUARANTINE_SCHEMA.append(FILE_INDEX)
STAGING = ".staging"  # lake/.staging/<run_id>/: read tasks' rows, never read as lake data
QUARANTINE_KEY = ("source_id", "reason", "input_hash")  # one quarantined input, never added twice


def staging_dir(lake_dir: Path, run_id: str) -> Path:
    """Where a run's read tasks leave their rows for the committing driver."""
    return lake_dir / STAGING / run_id


def remove_staging(staging: Path) -> None:
    """Delete a run's staged rows, then the staging folder unless another run's rows are there."""
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()


def text_sizes(table: pa.Table) -> list[int]:
    """Characters of text (documents), raw excerpt (quarantine) or reason (inputs) per row, as a
    lake file's size limit counts them."""
    column = next(c for c in ("text", "raw_excerpt", "reason") if c in table.column_names)
    return pc.fill_null(pc.utf8_length(table.column(column)), 0).to_pylist()


def write_lake_file(table: pa.Table, final: Path) -> None:
    """Write one lake Parquet file via a temp name, synced before the rename: readers see the
    whole file or none of it, and a killed run leaves only a `.tmp` for sweep_leftovers."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f".{final.name}.tmp")
    with open(temporary, "wb") as sink:
        pq.write_table(table, sink, compression="zstd")
        sink.flush()
        os.fsync(sink.fileno())
    os.replace(temporary, final)


class LakeWriter:
    """Buffers rows and writes them as Parquet files under a partition, each via a temp name; a
    file holds at most ROWS_PER_FILE rows or BYTES_PER_FILE of text."""

    def __init__(self, directory: Path, schema: pa.Schema, run_id: str):
        self.directory, self.schema, self.run_id = directory, schema, run_id
        self.tables: list[pa.Table] = []
        self.buffered_rows = 0
        self.buffered_bytes = 0
        self.parts = 0
        self.written = 0

    def add(self, table: pa.Table) -> None:
        """Buffer a table's rows, writing a file each time the buffer reaches a file's limits."""
        start = 0
        for end, size in enumerate(text_sizes(table), start=1):
            self.buffered_rows += 1
            self.buffered_bytes += size
            if self.buffered_rows >= ROWS_PER_FILE or self.buffered_bytes >= BYTES_PER_FILE:
                self.tables.append(table.slice(start, end - start))
                start = end
                self.flush()
        if start < table.num_rows:
            self.tables.append(table.slice(start))

    def flush(self) -> None:
        if not self.buffered_rows:
            return
        table = pa.concat_tables(self.tables).select(self.schema.names).cast(self.schema)
        write_lake_file(table, self.directory / f"{self.run_id}-{self.parts:05d}.parquet")
        self.parts += 1
        self.written += table.num_rows
        self.tables = []
        self.buffered_rows = 0
        self.buffered_bytes = 0


def existing_doc_ids(documents_dir: Path) -> set[str]:
    """doc_ids already in the lake, so the same text is never ingested twice."""
    files = sorted(documents_dir.glob("*/*.parquet"))
    if not files:
        return set()
    column = pads.dataset(files, format="parquet").to_table(columns=["doc_id"]).column(0)
    return set(column.to_pylist())


def sweep_leftovers(lake_dir: Path) -> list[Path]:
    """Remove what a killed run left behind: temp files never renamed and read tasks' staged rows,
    neither of which is ever read as lake data."""
    leftovers = sorted(lake_dir.glob("**/.*.tmp"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    staging = lake_dir / STAGING
    if staging.exists():
        leftovers.append(staging)
        shutil.rmtree(staging, ignore_errors=True)
    return leftovers


def existing_quarantine_keys(quarantine_dir: Path) -> set[tuple]:
    """(source_id, reason, input_hash) of the inputs already quarantined at ingest, so a re-run
    (or a retry after a crash) never quarantines the same input twice."""
    files = sorted(quarantine_dir.glob("*/*.parquet"))
    if not files:
        return set()
    table = pads.dataset(files, schema=QUARANTINE_SCHEMA, format="parquet").to_table(
        columns=["source_id", "reason", "input_hash"], filter=pads.field("stage") == "ingest"
    )
    return set(zip(*(table.column(i).to_pylist() for i in range(3)), strict=True))


def first_sighting(seen: set, key) -> bool:
    """True the first time a key comes by (and remember it), False ever after."""
    if key in seen:
        return False
    seen.add(key)
    return True


FILES_SCHEMA = pa.schema(
    [
        ("source_path", pa.string()),  # relative to the raw folder, as documents.source_path
        ("byte_size", pa.int64()),
        ("modified_ns", pa.int64()),
        ("run_id", pa.string()),
    ]
)


def file_signature(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time, or None when it cannot be looked at."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def files_already_read(files_dir: Path) -> set[tuple[str, int, int]]:
    """(source_path, byte_size, modified_ns) of every raw file an earlier ingest read through."""
    parts = sorted(files_dir.glob("*/*.parquet"))
    if not parts:
        return set()
    table = pads.dataset(parts, schema=FILES_SCHEMA, format="parquet").to_table(
        columns=["source_path", "byte_size", "modified_ns"]
    )
    return set(zip(*(table.column(i).to_pylist() for i in range(3)), strict=True))


def write_files_read(directory: Path, run_id: str, rows: list[dict]) -> None:
    """Record the files this ingest read through, in one lake file."""
    if rows:
        write_lake_file(
            pa.Table.from_pylist(rows, schema=FILES_SCHEMA), directory / f"{run_id}.parquet"
        )
