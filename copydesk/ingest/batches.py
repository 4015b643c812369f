"""Raw files grouped into batches a task reads, and the chunks a batch yields."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pyarrow as pa

from copydesk.ingest.fields import FieldMap
from copydesk.ingest.lake import BAD_RECORD_SCHEMA, BYTES_PER_FILE, CANDIDATE_SCHEMA, ROWS_PER_FILE
from copydesk.ingest.listing import printable_name, relative
from copydesk.ingest.readers import read_raw_file

# A read task's share of the raw folder: consecutive files up to this many bytes or files, so a
# night of 100k documents (80k files, 155 MiB) is 6 tasks. A Prefect task costs ~0.1-0.2 s of CPU
# on this 2-core box (measured): never one task per file.
BATCH_BYTES = 32 * 1024 * 1024
BATCH_FILES = 20_000
GZIP_WEIGHT = 8  # a .gz is weighed as what it inflates to (news JSONL compresses 3-15x)


@dataclass(frozen=True)
class RawBatch:
    """Consecutive listed files for one read task; first_file is the first one's position."""

    first_file: int
    # The paths joined by NUL, which no path holds: one string for a task runner to pass on,
    # where thousands of Path objects would each be visited by Prefect (5,000: ~60 ms a task).
    joined_paths: str

    @classmethod
    def of(cls, first_file: int, paths: list[Path]) -> RawBatch:
        return cls(first_file, "\0".join(map(str, paths)))

    @property
    def paths(self) -> list[Path]:
        return [Path(name) for name in self.joined_paths.split("\0")]


@dataclass
class ReadChunk:
    """Rows read from a batch in reading order: candidate documents and bad records."""

    documents: pa.Table
    bad_records: pa.Table


@dataclass(frozen=True)
class StagedBatch:
    """Where a read task left a batch's rows: two Arrow files, one record batch per chunk."""

    documents: Path
    bad_records: Path


def file_weight(path: Path, size: int | None = None) -> int:
    """Roughly what reading a file costs: its size (given, or looked up), or for a .gz what it
    inflates to."""
    if size is None:
        try:
            size = os.stat(path).st_size
        except OSError:
            return 0  # gone since the listing: reading it quarantines it
    return size * GZIP_WEIGHT if path.name.lower().endswith(".gz") else size


def plan_batches(
    files: list[Path],
    max_bytes: int | None = None,
    max_files: int | None = None,
    sizes: list[int] | None = None,
) -> list[RawBatch]:
    """The listed files cut, in order, into batches of at most max_bytes (a larger file is a batch
    of its own) and max_files; BATCH_BYTES and BATCH_FILES unless given. `sizes`, the files'
    sizes when the caller has them, spares looking each file up again."""
    max_bytes = max_bytes or BATCH_BYTES
    max_files = max_files or BATCH_FILES
    batches: list[RawBatch] = []
    start = weight = 0
    for index, path in enumerate(files):
        size = file_weight(path, None if sizes is None else sizes[index])
        if index > start and (weight + size > max_bytes or index - start >= max_files):
            batches.append(RawBatch.of(start, files[start:index]))
            start, weight = index, 0
        weight += size
    if start < len(files):
        batches.append(RawBatch.of(start, files[start:]))
    return batches


def chunk_of(documents: list[dict], bad_records: list[dict]) -> ReadChunk:
    return ReadChunk(
        pa.Table.from_pylist(documents, schema=CANDIDATE_SCHEMA),
        pa.Table.from_pylist(bad_records, schema=BAD_RECORD_SCHEMA),
    )


def read_batch(
    batch: RawBatch, raw_dir: Path, run_id: str, now: datetime, field_map: FieldMap = ()
) -> Iterator[ReadChunk]:
    """Read a batch's files in order into chunks of candidate rows, writing nothing; a chunk is
    cut at a lake file's limits, so memory stays bounded by one chunk however large a file is."""
    documents: list[dict] = []
    bad_records: list[dict] = []
    buffered = 0
    root = raw_dir.resolve()
    # The names as they are: a Path made of each costs more than reading a small file's bytes.
    names = batch.joined_paths.split("\0")
    for file_index, path in enumerate(names, start=batch.first_file):
        rel = printable_name(relative(path, root))
        for is_document, row in read_raw_file(path, rel, run_id, now, field_map):
            row["file_index"] = file_index
            (documents if is_document else bad_records).append(row)
            buffered += len(row.get("text") or row["raw_excerpt"])
            if len(documents) + len(bad_records) >= ROWS_PER_FILE or buffered >= BYTES_PER_FILE:
                yield chunk_of(documents, bad_records)
                documents, bad_records, buffered = [], [], 0
    if documents or bad_records:
        yield chunk_of(documents, bad_records)


def stage_batch(
    batch: RawBatch,
    raw_dir: Path,
    run_id: str,
    now: datetime,
    staging: Path,
    field_map: FieldMap = (),
) -> StagedBatch:
    """Read a batch into batch-private Arrow files under staging, never into the lake; the names
    are unique per call, so a retried or lost task never mixes its rows with another's."""
    staging.mkdir(parents=True, exist_ok=True)
    stem = f"batch-{batch.first_file:09d}-{uuid.uuid4().hex[:8]}"
    staged = StagedBatch(staging / f"{stem}.documents.arrow", staging / f"{stem}.bad.arrow")
    options = pa.ipc.IpcWriteOptions(compression="lz4")
    with (
        pa.ipc.new_file(staged.documents, CANDIDATE_SCHEMA, options=options) as documents,
        pa.ipc.new_file(staged.bad_records, BAD_RECORD_SCHEMA, options=options) as bad_records,
    ):
        for chunk in read_batch(batch, raw_dir, run_id, now, field_map):
            documents.write_table(chunk.documents)
            bad_records.write_table(chunk.bad_records)
    return staged


def staged_tables(path: Path) -> Iterator[pa.Table]:
    """The chunks of one staged file, one at a time."""
    with pa.OSFile(str(path)) as source:
        reader = pa.ipc.open_file(source)
        for number in range(reader.num_record_batches):
            yield pa.Table.from_batches([reader.get_batch(number)])
