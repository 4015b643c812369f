"""Read raw dumps (txt, jsonl, jsonl.gz, news-please json) into the Parquet lake; no Prefect."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import stat
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ftfy
import pyarrow as pa
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
    ]
)

FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".json": "json"}
MAX_FILE_BYTES = 256 * 1024 * 1024  # one article per file: anything larger is not an article
MAX_RECORD_BYTES = 64 * 1024 * 1024  # one JSONL line or one decompressed stream chunk
MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024 * 1024  # stops gzip bombs
EXCERPT_CHARS = 300
ROWS_PER_FILE = 20_000


@dataclass
class IngestReport:
    """What one ingest did with every file it listed; the counts reconcile."""

    files_listed: int = 0
    files_accepted: int = 0
    files_quarantined: int = 0
    files_skipped: int = 0
    records_read: int = 0
    records_bad: int = 0
    documents_new: int = 0
    documents_duplicate: int = 0
    skipped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


class BadRecord(Exception):
    """A record or file that cannot become a document; the message is the quarantine reason."""

    def __init__(self, reason: str, excerpt: str = ""):
        super().__init__(reason)
        self.reason = reason
        self.excerpt = excerpt


def normalize_text(text: str) -> str:
    """The text a doc_id is computed from: NFC, LF line endings, no BOM, no outer blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text)
    return text.strip("\n").rstrip()


def doc_id_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def looks_binary(data: bytes) -> bool:
    """True for bytes no news text would contain: NULs or mostly control characters."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return len(sample) > 0 and controls / len(sample) > 0.05


def decode(data: bytes) -> tuple[str, str, str]:
    """Decode raw bytes; returns (text, encoding used, repairs made)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", ""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16", ""
    if looks_binary(data):
        raise BadRecord("binary content (NUL or control bytes), not text", excerpt_of(data))
    try:
        text, encoding = data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # Not UTF-8: Windows-1252 is what news CMS exports use; latin-1 never fails.
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
    repaired = ftfy.fix_encoding(text)
    return repaired, encoding, ("mojibake" if repaired != text else "")


def excerpt_of(data: bytes | str) -> str:
    if isinstance(data, bytes):
        data = data[: EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    return data[:EXCERPT_CHARS]


def format_of(path: Path) -> str | None:
    name = path.name.lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    return None


def list_raw_files(raw_dir: Path) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Regular files under raw_dir, sorted, and what was skipped and why; never leaves raw_dir."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    root = raw_dir.resolve()
    stack = [root]
    while stack:
        directory = stack.pop()
        try:
            entries = list(os.scandir(directory))
        except OSError as error:
            skipped.append((directory, f"unreadable folder: {error.strerror}"))
            continue
        for entry in entries:
            path = Path(entry.path)
            if entry.name.startswith("."):
                continue
            if entry.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(root):
                    skipped.append((path, "symlink pointing outside the raw folder"))
                    continue
            try:
                mode = os.stat(path).st_mode
            except OSError as error:
                skipped.append((path, f"cannot stat: {error.strerror}"))
                continue
            if stat.S_ISDIR(mode):
                if not entry.is_symlink():
                    stack.append(path)
            elif not stat.S_ISREG(mode):
                skipped.append((path, "not a regular file (pipe, socket or device)"))
            elif format_of(path) is None:
                skipped.append(
                    (path, "unknown file type (expected .txt, .jsonl, .jsonl.gz, .json)")
                )
            else:
                files.append(path)
    return sorted(files), skipped


def parse_timestamp(value) -> datetime | None:
    """An ISO timestamp or date from metadata, as UTC; None when absent or unreadable."""
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def text_field(value) -> str | None:
    return None if value in (None, "") else str(value)


def read_txt(path: Path) -> Iterator[dict]:
    data = read_bounded(path)
    if not data.strip():
        raise BadRecord("empty file", "")
    text, encoding, repairs = decode(data)
    yield {"text": text, "encoding": encoding, "repairs": repairs, "byte_size": len(data)}


def read_json(path: Path) -> Iterator[dict]:
    """One news-please article per file."""
    data = read_bounded(path)
    text, encoding, repairs = decode(data)
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadRecord(f"invalid JSON: {error.msg} at line {error.lineno}", text) from None
    if not isinstance(record, dict):
        raise BadRecord("JSON is not an object (expected one news-please article)", text)
    yield {
        "text": record.get("maintext") or record.get("text"),
        "encoding": encoding,
        "repairs": repairs,
        "byte_size": len(data),
        "id": record.get("id"),
        "url": record.get("url"),
        "outlet": record.get("source_domain"),
        "title": record.get("title"),
        "date": record.get("date_publish"),
        "fetched_at": record.get("date_download"),
    }


def read_jsonl(path: Path) -> Iterator[dict]:
    """One record per line; a bad line becomes a quarantined record, the others are kept."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    total = 0
    with opener(path, "rb") as stream:
        line_no = 0
        while True:
            try:
                line = stream.readline(MAX_RECORD_BYTES + 1)
            except (EOFError, OSError, zlib.error) as error:
                yield {"line": line_no + 1, "error": f"compressed stream broken: {error}"}
                return
            if not line:
                return
            line_no += 1
            total += len(line)
            if total > MAX_DECOMPRESSED_BYTES:
                yield {"line": line_no, "error": "decompressed size over the limit (gzip bomb?)"}
                return
            if len(line) > MAX_RECORD_BYTES:
                yield {"line": line_no, "error": "record longer than the limit"}
                while line and not line.endswith(b"\n"):  # skip the rest of the long line
                    line = stream.readline(MAX_RECORD_BYTES)
                continue
            if not line.strip():
                continue
            try:
                text, encoding, repairs = decode(line)
                record = json.loads(text)
            except BadRecord as bad:
                yield {"line": line_no, "error": bad.reason, "excerpt": bad.excerpt}
                continue
            except json.JSONDecodeError as error:
                yield {"line": line_no, "error": f"invalid JSON: {error.msg}", "excerpt": text}
                continue
            if not isinstance(record, dict):
                yield {"line": line_no, "error": "line is not a JSON object", "excerpt": text}
                continue
            record.update(line=line_no, encoding=encoding, repairs=repairs, byte_size=len(line))
            yield record


def read_bounded(path: Path) -> bytes:
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise BadRecord(f"file larger than {MAX_FILE_BYTES // 2**20} MiB", "")
    with open(path, "rb") as stream:
        return stream.read(MAX_FILE_BYTES + 1)


READERS = {"txt": read_txt, "json": read_json, "jsonl": read_jsonl}


class LakeWriter:
    """Buffers rows and writes them as Parquet files under a partition, each via a temp name."""

    def __init__(self, directory: Path, schema: pa.Schema, run_id: str):
        self.directory, self.schema, self.run_id = directory, schema, run_id
        self.rows: list[dict] = []
        self.parts = 0
        self.written = 0

    def add(self, row: dict) -> None:
        self.rows.append(row)
        if len(self.rows) >= ROWS_PER_FILE:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        final = self.directory / f"{self.run_id}-{self.parts:05d}.parquet"
        temporary = final.with_name(f".{final.name}.tmp")
        pq.write_table(table, temporary, compression="zstd")
        os.replace(temporary, final)
        self.parts += 1
        self.written += len(self.rows)
        self.rows = []


def existing_doc_ids(documents_dir: Path) -> set[str]:
    """doc_ids already in the lake, so the same text is never ingested twice."""
    files = sorted(documents_dir.glob("*/*.parquet"))
    if not files:
        return set()
    column = pads.dataset(files, format="parquet").to_table(columns=["doc_id"]).column(0)
    return set(column.to_pylist())


def sweep_leftovers(lake_dir: Path) -> list[Path]:
    """Remove temp files a killed run left behind; they were never renamed, so never read."""
    leftovers = sorted(lake_dir.glob("**/.*.tmp"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def ingest(raw_dir: Path, lake_dir: Path, run_id: str, now: datetime | None = None) -> IngestReport:
    """Read every raw file into the lake's documents and quarantine partitions."""
    now = now or datetime.now(UTC)
    partition = f"ingest_date={now.date().isoformat()}"
    documents = LakeWriter(lake_dir / "documents" / partition, DOCUMENT_SCHEMA, run_id)
    quarantine = LakeWriter(lake_dir / "quarantine" / partition, QUARANTINE_SCHEMA, run_id)
    seen = existing_doc_ids(lake_dir / "documents")
    report = IngestReport()
    files, skipped = list_raw_files(raw_dir)
    report.files_listed = len(files) + len(skipped)
    report.files_skipped = len(skipped)
    report.skipped = [f"{relative(p, raw_dir)}: {why}" for p, why in skipped]

    def quarantine_row(source_id: str, path: Path, reason: str, excerpt: str) -> None:
        quarantine.add(
            {
                "source_id": source_id,
                "source_path": relative(path, raw_dir),
                "reason": reason,
                "raw_excerpt": excerpt[:EXCERPT_CHARS],
                "stage": "ingest",
                "quarantined_at": now,
                "run_id": run_id,
            }
        )

    for path in files:
        rel = relative(path, raw_dir)
        fmt = format_of(path)
        accepted = 0
        try:
            for record in READERS[fmt](path):
                report.records_read += 1
                source_id = str(
                    record.get("id") or (f"{rel}:{record['line']}" if "line" in record else rel)
                )
                if "error" in record:
                    report.records_bad += 1
                    quarantine_row(source_id, path, record["error"], record.get("excerpt", ""))
                    continue
                raw_text = record.get("text")
                if not isinstance(raw_text, str) or not raw_text.strip():
                    report.records_bad += 1
                    quarantine_row(source_id, path, "no article text", json.dumps(record)[:300])
                    continue
                text = normalize_text(raw_text)
                doc_id = doc_id_of(text)
                accepted += 1
                if doc_id in seen:
                    report.documents_duplicate += 1
                    continue
                seen.add(doc_id)
                documents.add(
                    {
                        "doc_id": doc_id,
                        "source_id": source_id,
                        "source_path": rel,
                        "format": fmt,
                        "encoding": record.get("encoding"),
                        "repairs": record.get("repairs") or None,
                        "byte_size": record.get("byte_size"),
                        "text": text,
                        "url": text_field(record.get("url")),
                        "outlet_hint": text_field(record.get("outlet")),
                        "title_hint": text_field(record.get("title")),
                        "date_hint": text_field(record.get("date")),
                        "fetched_at": parse_timestamp(record.get("fetched_at")),
                        "ingested_at": now,
                        "ingest_date": now.date(),
                        "run_id": run_id,
                    }
                )
                report.documents_new += 1
        except BadRecord as bad:
            quarantine_row(rel, path, bad.reason, bad.excerpt)
        except OSError as error:
            quarantine_row(rel, path, f"unreadable: {error.strerror or error}", "")
        if accepted:
            report.files_accepted += 1
        else:
            report.files_quarantined += 1
    documents.flush()
    quarantine.flush()
    return report


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.resolve()))
    except ValueError:
        return str(path)
