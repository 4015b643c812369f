"""A night's ingest: read every batch, keep each document once, commit the lake files."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from copydesk.ingest.batches import (
    RawBatch,
    ReadChunk,
    StagedBatch,
    plan_batches,
    read_batch,
    staged_tables,
)
from copydesk.ingest.fields import FieldMap
from copydesk.ingest.lake import (
    DOCUMENT_SCHEMA,
    INPUTS_SCHEMA,
    QUARANTINE_KEY,
    QUARANTINE_SCHEMA,
    LakeWriter,
    existing_doc_ids,
    existing_quarantine_keys,
    file_signature,
    files_already_read,
    first_sighting,
    write_files_read,
)
from copydesk.ingest.listing import list_raw_files, log_name, printable_name, relative

FILE_SOURCES = pa.schema([("source_id", pa.string()), ("source_path", pa.string())])
DUPLICATE = "same text as a document already in the lake (doc_id)"


@dataclass
class IngestReport:
    """What one ingest did with every file it listed; the counts reconcile exactly:

    files_listed = files_accepted + files_quarantined + files_skipped + files_duplicate
                   + files_unchanged
    records_read = documents_new + documents_duplicate + records_bad
    records_bad = quarantine_new + quarantine_known

    A file is accepted when it added at least one document to the lake, quarantined when it added
    no document but at least one quarantine row, and a duplicate when everything in it (documents
    and bad records alike) was already in the lake. A file that fails as a whole (empty, binary,
    too large, unreadable) is one bad record.
    """

    files_listed: int = 0
    files_accepted: int = 0
    files_quarantined: int = 0
    files_skipped: int = 0
    files_duplicate: int = 0
    files_unchanged: int = 0
    records_read: int = 0
    records_bad: int = 0
    documents_new: int = 0
    documents_duplicate: int = 0
    quarantine_new: int = 0
    quarantine_known: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)

    def reconciles(self) -> bool:
        return (
            self.files_listed
            == self.files_accepted
            + self.files_quarantined
            + self.files_skipped
            + self.files_duplicate
            + self.files_unchanged
            and self.records_read
            == self.documents_new + self.documents_duplicate + self.records_bad
            and self.records_bad == self.quarantine_new + self.quarantine_known
        )

    def by_outcome(self) -> dict[str, int]:
        """The counts as the input ledger groups them: records for what was read tonight, files
        for what was skipped. Unchanged files are counted in the run's record, not the ledger."""
        return {
            "accepted": self.documents_new,
            "duplicate": self.documents_duplicate,
            "quarantined": self.records_bad,
            "skipped": self.files_skipped,
        }

    @property
    def added_to_lake(self) -> bool:
        """Whether this ingest wrote anything (documents or quarantine rows) to the lake."""
        return bool(self.documents_new or self.quarantine_new)


@dataclass
class SortedListing:
    """A night's listing sorted before anything is written: the files to read with their size and
    modification time, those an earlier night read through (unchanged), and the skipped."""

    to_read: list[Path]
    signatures: list[tuple[str, tuple[int, int] | None]]
    unchanged: list[str]
    skipped: list[tuple[Path, str]]


def sort_listing(
    raw_dir: Path, lake_dir: Path, listing: tuple[list[Path], list[tuple[Path, str]]]
) -> SortedListing:
    """Split the listed files into those to read tonight and those unchanged since an earlier
    night read them; reads the lake's record of files read, writes nothing."""
    files, skipped = listing
    root = raw_dir.resolve()
    # A night with nothing new must not re-read (and re-hash) every raw file it kept: 17 s for
    # a folder of 100k documents. A file whose path, size and modification time match one an
    # earlier ingest read through is left unread.
    already_read = files_already_read(lake_dir / "files")
    sorted_listing = SortedListing([], [], [], skipped)
    for path in files:
        rel = printable_name(relative(path, root))
        signature = file_signature(path)
        if signature is not None and (rel, *signature) in already_read:
            sorted_listing.unchanged.append(rel)
            continue
        sorted_listing.to_read.append(path)
        sorted_listing.signatures.append((rel, signature))
    return sorted_listing


class IngestCommit:
    """The one writer of a night's ingest. It takes read chunks in listing order, keeps the first
    occurrence of each text and of each quarantine key (against the lake and the night so far),
    writes the lake files and counts every outcome, so reading may happen anywhere, in any order,
    and the lake and report are those of one process reading file after file."""

    def __init__(
        self,
        raw_dir: Path,
        lake_dir: Path,
        run_id: str,
        now: datetime,
        listing: SortedListing,
    ):
        root = raw_dir.resolve()
        partition = f"ingest_date={now.date().isoformat()}"
        self.run_id = run_id
        self.lake_dir = lake_dir
        self.documents = LakeWriter(lake_dir / "documents" / partition, DOCUMENT_SCHEMA, run_id)
        self.quarantine = LakeWriter(lake_dir / "quarantine" / partition, QUARANTINE_SCHEMA, run_id)
        self.inputs = LakeWriter(lake_dir / "inputs" / partition, INPUTS_SCHEMA, run_id)
        self.files_dir = lake_dir / "files" / partition
        self.files_to_read = listing.to_read
        self.signatures = listing.signatures
        skipped, unchanged = listing.skipped, listing.unchanged
        skipped_paths = [printable_name(relative(path, root)) for path, _ in skipped]
        skipped_reasons = [why for _, why in skipped]
        self.record_files(skipped_paths, "skipped", skipped_reasons)
        # Unchanged files get no ledger row: their rows are those of the night that read them, and
        # the run's record counts them (files_unchanged). A row each would grow the ledger, and the
        # inputs mart rebuilt from it, by the size of a raw folder that keeps its files every night.
        self.files_read = len(self.files_to_read)
        self.files_with_documents: set[int] = set()
        self.files_with_quarantine: set[int] = set()
        self.report = IngestReport(
            files_listed=len(listing.to_read) + len(unchanged) + len(skipped),
            files_skipped=len(skipped),
            files_unchanged=len(unchanged),
            skipped=[
                f"{log_name(rel)}: {why}"
                for rel, why in zip(skipped_paths, skipped_reasons, strict=True)
            ],
        )

    @cached_property
    def seen(self) -> set[str]:
        """The lake's doc_ids, and the night's: read at the first document, so a night that reads
        no file never loads them (a million ids at 1M)."""
        return existing_doc_ids(self.lake_dir / "documents")

    @cached_property
    def quarantined(self) -> set[tuple]:
        """The lake's quarantine keys, and the night's: read at the first bad record."""
        return existing_quarantine_keys(self.lake_dir / "quarantine")

    def batches(self) -> list[RawBatch]:
        """The files to read cut into batches, weighed by the sizes the listing's check took (a
        third stat of every file was 2.5% of ingest at 100k)."""
        sizes = [signature[0] if signature else 0 for _, signature in self.signatures]
        return plan_batches(self.files_to_read, sizes=sizes)

    def record_files(self, paths: list[str], outcome: str, reasons: list[str]) -> None:
        """Ledger rows for files skipped tonight: one per file."""
        files = pa.table({"source_id": paths, "source_path": paths}, schema=FILE_SOURCES)
        outcomes = pa.array([outcome] * len(paths), pa.string())
        self.record_records(files, outcomes, pa.array(reasons, pa.string()))

    def record_records(self, rows: pa.Table, outcomes: pa.Array, reasons: pa.Array) -> None:
        """Ledger rows for records read tonight: one per document candidate or bad record."""
        count = rows.num_rows
        doc_ids = (
            rows.column("doc_id") if "doc_id" in rows.column_names else pa.nulls(count, pa.string())
        )
        self.inputs.add(
            pa.table(
                {
                    "run_id": pa.array([self.run_id] * count, pa.string()),
                    "source_id": rows.column("source_id"),
                    "source_path": rows.column("source_path"),
                    "outcome": outcomes,
                    "reason": reasons,
                    "doc_id": doc_ids,
                },
                schema=INPUTS_SCHEMA,
            )
        )

    def add(self, chunk: ReadChunk) -> None:
        self.add_documents(chunk.documents)
        self.add_bad_records(chunk.bad_records)

    def add_documents(self, candidates: pa.Table) -> None:
        """Write the candidates whose text is new to the lake and the night; count the others."""
        doc_ids = candidates.column("doc_id").to_pylist()
        keep = pa.array([first_sighting(self.seen, d) for d in doc_ids], pa.bool_())
        new = candidates.filter(keep)
        self.report.records_read += candidates.num_rows
        self.report.documents_new += new.num_rows
        self.report.documents_duplicate += candidates.num_rows - new.num_rows
        self.files_with_documents.update(new.column("file_index").to_pylist())
        self.documents.add(new.drop_columns(["file_index"]))
        outcomes = pc.if_else(keep, "accepted", "duplicate")
        reasons = pc.if_else(keep, pa.scalar(None, pa.string()), DUPLICATE)
        self.record_records(candidates, outcomes, reasons)

    def add_bad_records(self, bad: pa.Table) -> None:
        """Quarantine the bad records not quarantined before; count them all."""
        keys = zip(*(bad.column(c).to_pylist() for c in QUARANTINE_KEY), strict=True)
        keep = pa.array([first_sighting(self.quarantined, k) for k in keys], pa.bool_())
        new = bad.filter(keep)
        self.report.records_read += bad.num_rows
        self.report.records_bad += bad.num_rows
        self.report.quarantine_new += new.num_rows
        self.report.quarantine_known += bad.num_rows - new.num_rows
        self.files_with_quarantine.update(new.column("file_index").to_pylist())
        self.quarantine.add(new.drop_columns(["file_index"]))
        outcomes = pa.array(["quarantined"] * bad.num_rows, pa.string())
        self.record_records(bad, outcomes, bad.column("reason"))

    def add_staged(self, staged: StagedBatch) -> None:
        """Commit a read task's staged rows, then delete them."""
        for table in staged_tables(staged.documents):
            self.add_documents(table)
        for table in staged_tables(staged.bad_records):
            self.add_bad_records(table)
        staged.documents.unlink()
        staged.bad_records.unlink()

    def finish(self) -> IngestReport:
        """Write what is buffered and classify every file read; returns the night's report."""
        self.documents.flush()
        self.quarantine.flush()
        self.inputs.flush()
        report = self.report
        report.files_accepted = len(self.files_with_documents)
        report.files_quarantined = len(self.files_with_quarantine - self.files_with_documents)
        report.files_duplicate = self.files_read - report.files_accepted - report.files_quarantined
        # Only after the documents and quarantine rows are in the lake: a run killed before this
        # reads its files again next time, where ingest drops what the lake already holds. Files
        # that only quarantined are not recorded, so they are read again (an unreadable file
        # whose permissions are fixed keeps its modification time).
        only_quarantined = self.files_with_quarantine - self.files_with_documents
        write_files_read(
            self.files_dir,
            self.run_id,
            [
                {
                    "source_path": rel,
                    "byte_size": signature[0],
                    "modified_ns": signature[1],
                    "run_id": self.run_id,
                }
                for index, (rel, signature) in enumerate(self.signatures)
                if signature is not None and index not in only_quarantined
            ],
        )
        return report


def ingest(
    raw_dir: Path,
    lake_dir: Path,
    run_id: str,
    now: datetime | None = None,
    settle_seconds: float = 0,
    field_map: FieldMap = (),
) -> IngestReport:
    """Read every raw file into the lake's documents and quarantine partitions, in one process.

    No single file can fail the ingest: whatever goes wrong with one file becomes its quarantine
    row. Documents already in the lake (by doc_id) and inputs already quarantined are not added
    again, so re-running on the same raw folder adds nothing. The batches are read one after the
    other here; the nightly flow reads them on its task runner and commits them the same way."""
    now = now or datetime.now(UTC)
    listing = sort_listing(raw_dir, lake_dir, list_raw_files(raw_dir, settle_seconds))
    commit = IngestCommit(raw_dir, lake_dir, run_id, now, listing)
    for batch in commit.batches():
        for chunk in read_batch(batch, raw_dir, run_id, now, field_map):
            commit.add(chunk)
    return commit.finish()
