"""Read raw dumps (txt, jsonl, jsonl.gz, news-please json) into the Parquet lake; no Prefect."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
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
        # sha256 of the raw bytes (the file, or the JSONL line) when they could be read: with
        # source_id and reason it identifies a quarantined input, so a re-run never adds it twice.
        ("input_hash", pa.string()),
    ]
)

FORMATS = {".txt": "txt", ".jsonl": "jsonl", ".jsonl.gz": "jsonl", ".json": "json"}
# One article: a .txt or .json file, or one JSONL line. Nothing larger is an article, and the
# limit bounds what one record can cost in memory (a few times this, while it is decoded).
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024 * 1024  # a .jsonl.gz stream never inflates past this
# ... nor past this many times its compressed size, once it is over BOMB_FLOOR_BYTES: news JSONL
# compresses 3-15x, a gzip bomb (zeros, one repeated line) 1000x.
MAX_COMPRESSION_RATIO = 100
BOMB_FLOOR_BYTES = 32 * 1024 * 1024
EXCERPT_CHARS = 300
ROWS_PER_FILE = 20_000
BYTES_PER_FILE = 16 * 1024 * 1024  # a lake file is also flushed once its rows hold this much text
READ_CHUNK = 1024 * 1024
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
BLANK = b" \t\r\n"


@dataclass
class IngestReport:
    """What one ingest did with every file it listed; the counts reconcile exactly:

    files_listed = files_accepted + files_quarantined + files_skipped + files_duplicate
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
            and self.records_read
            == self.documents_new + self.documents_duplicate + self.records_bad
            and self.records_bad == self.quarantine_new + self.quarantine_known
        )

    @property
    def added_to_lake(self) -> bool:
        """Whether this ingest wrote anything (documents or quarantine rows) to the lake."""
        return bool(self.documents_new or self.quarantine_new)


class BadRecord(Exception):
    """A record or file that cannot become a document; the message is the quarantine reason."""

    def __init__(self, reason: str, excerpt: str = "", input_hash: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.excerpt = excerpt
        self.input_hash = input_hash


def normalize_text(text: str) -> str:
    """The text a doc_id is computed from: NFC, LF line endings, no BOM, no outer blank lines."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    text = unicodedata.normalize("NFC", text)
    return text.strip("\n").rstrip()


def doc_id_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def lake_row(text: str, source_id: str, now: datetime, run_id: str, **fields) -> dict:
    """A documents row as ingest writes it, from text in hand: for feeding the models directly
    (tests, benchmarks) without files. `fields` sets any other column (url, fetched_at...)."""
    normalized = normalize_text(text)
    row = dict.fromkeys(DOCUMENT_SCHEMA.names)
    row.update(
        doc_id=doc_id_of(normalized),
        source_id=source_id,
        source_path=source_id,
        format="txt",
        encoding="utf-8",
        byte_size=len(normalized.encode()),
        text=normalized,
        ingested_at=now,
        ingest_date=now.date(),
        run_id=run_id,
    )
    row.update(fields)
    return row


def looks_binary(data: bytes) -> bool:
    """True for bytes no news text would contain: NULs or mostly control characters."""
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return len(sample) > 0 and controls / len(sample) > 0.05


def decode(data: bytes) -> tuple[str, str, str]:
    """Decode raw bytes; returns (text, encoding used, repairs made, comma-separated)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig", ""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace"), "utf-16", ""
    repairs = []
    if b"\x00" in data:
        # A few stray NULs in otherwise clean text (a crawler's padding, a bad copy) are removed
        # and flagged; more than 5% of NULs is binary content (or UTF-16 without a BOM).
        without = data.replace(b"\x00", b"")
        if (len(data) - len(without)) * 20 <= len(data) and not looks_binary(without):
            data = without
            repairs.append("nul_bytes_removed")
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
    if repaired != text:
        repairs.append("mojibake")
    return repaired, encoding, ",".join(repairs)


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


def valid_text(text: str) -> str:
    """The text with lone surrogates (a JSON "\\ud83d" without its pair) replaced by U+FFFD:
    they cannot be encoded as UTF-8, so Parquet and DuckDB could not store them."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return LONE_SURROGATE.sub("\ufffd", text)
    return text


def text_field(value) -> str | None:
    return None if value in (None, "") else valid_text(str(value))


def open_regular(path: Path):
    """Open a listed file for reading without ever blocking: a file swapped for a pipe between
    listing and reading is refused, not waited on."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise BadRecord("not a regular file (pipe, socket or device)")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_article_bytes(path: Path) -> tuple[bytes, str]:
    """A one-article file's bytes and their sha256; larger than one article is a bad record,
    found without reading more than a chunk at a time."""
    with open_regular(path) as stream:
        size = os.fstat(stream.fileno()).st_size
        if size <= MAX_RECORD_BYTES:
            data = stream.read(MAX_RECORD_BYTES + 1)
            if len(data) <= MAX_RECORD_BYTES:
                return data, hashlib.sha256(data).hexdigest()
            stream.seek(0)
        digest = hashlib.sha256()
        head = stream.read(READ_CHUNK)
        chunk = head
        while chunk:
            digest.update(chunk)
            chunk = stream.read(READ_CHUNK)
    raise BadRecord(
        f"file of {size} bytes is larger than one article (limit {MAX_RECORD_BYTES // 2**20} MiB)",
        excerpt_of(head),
        digest.hexdigest(),
    )


def read_txt(path: Path) -> Iterator[dict]:
    data, digest = read_article_bytes(path)
    if not data.strip():
        raise BadRecord("empty file", "", digest)
    try:
        text, encoding, repairs = decode(data)
    except BadRecord as bad:
        bad.input_hash = digest
        raise
    yield {
        "text": text,
        "encoding": encoding,
        "repairs": repairs,
        "byte_size": len(data),
        "input_hash": digest,
    }


def read_json(path: Path) -> Iterator[dict]:
    """One news-please article per file."""
    data, digest = read_article_bytes(path)
    try:
        text, encoding, repairs = decode(data)
        try:
            record = json.loads(text)
        except json.JSONDecodeError as error:
            raise BadRecord(f"invalid JSON: {error.msg} at line {error.lineno}", text) from None
        except RecursionError:
            raise BadRecord("invalid JSON: nested too deeply", text) from None
        if not isinstance(record, dict):
            raise BadRecord("JSON is not an object (expected one news-please article)", text)
    except BadRecord as bad:
        bad.input_hash = digest
        raise
    yield {
        "text": record.get("maintext") or record.get("text"),
        "encoding": encoding,
        "repairs": repairs,
        "byte_size": len(data),
        "input_hash": digest,
        "id": record.get("id"),
        "url": record.get("url"),
        "outlet": record.get("source_domain"),
        "title": record.get("title"),
        "date": record.get("date_publish"),
        "fetched_at": record.get("date_download"),
    }


def read_jsonl(path: Path) -> Iterator[dict]:
    """One record per line; a bad line becomes a quarantined record, the others are kept.

    Memory is bounded by one line (at most MAX_RECORD_BYTES are read for it); a .gz stream stops
    at MAX_DECOMPRESSED_BYTES or MAX_COMPRESSION_RATIO times its compressed size."""
    compressed = path.name.lower().endswith(".gz")
    with open_regular(path) as raw_stream:
        compressed_size = os.fstat(raw_stream.fileno()).st_size
        stream = gzip.GzipFile(fileobj=raw_stream, mode="rb") if compressed else raw_stream
        total = 0
        line_no = 0

        def inflated_too_far() -> str | None:
            if not compressed:
                return None
            if total > MAX_DECOMPRESSED_BYTES or (
                total > BOMB_FLOOR_BYTES and total > MAX_COMPRESSION_RATIO * compressed_size
            ):
                return (
                    f"decompressed size over the limit ({total} bytes from {compressed_size}"
                    " compressed): gzip bomb?"
                )
            return None

        while True:
            try:
                line = stream.readline(MAX_RECORD_BYTES + 1)
                total += len(line)
                if len(line) > MAX_RECORD_BYTES:  # skip the rest of the long line, counting it
                    rest = line
                    while rest and not rest.endswith(b"\n") and not inflated_too_far():
                        rest = stream.readline(READ_CHUNK)
                        total += len(rest)
            except (EOFError, OSError, zlib.error) as error:
                yield {"line": line_no + 1, "error": f"compressed stream broken: {error}"}
                return
            if not line:
                return
            line_no += 1
            too_far = inflated_too_far()
            if too_far:
                yield {"line": line_no, "error": too_far, "excerpt": excerpt_of(line)}
                return
            input_hash = hashlib.sha256(line).hexdigest()
            if len(line) > MAX_RECORD_BYTES:
                yield {
                    "line": line_no,
                    "error": f"record longer than the limit ({MAX_RECORD_BYTES // 2**20} MiB)",
                    "excerpt": excerpt_of(line),
                    "input_hash": input_hash,
                }
                continue
            if not line.strip():
                # Skip a run of blank lines in bulk: a bomb of newlines must not cost a Python
                # loop turn per byte.
                try:
                    while ahead := stream.peek(READ_CHUNK)[:READ_CHUNK]:
                        blank = len(ahead) - len(ahead.lstrip(BLANK))
                        if not blank:
                            break
                        run = stream.read(blank)
                        total += len(run)
                        line_no += run.count(b"\n")
                        if inflated_too_far():
                            break
                except (EOFError, OSError, zlib.error):
                    pass  # the next readline reports the broken stream
                continue
            try:
                text, encoding, repairs = decode(line)
                record = json.loads(text)
            except BadRecord as bad:
                yield {
                    "line": line_no,
                    "error": bad.reason,
                    "excerpt": bad.excerpt,
                    "input_hash": input_hash,
                }
                continue
            except (json.JSONDecodeError, RecursionError) as error:
                reason = getattr(error, "msg", "nested too deeply")
                yield {
                    "line": line_no,
                    "error": f"invalid JSON: {reason}",
                    "excerpt": text,
                    "input_hash": input_hash,
                }
                continue
            if not isinstance(record, dict):
                yield {
                    "line": line_no,
                    "error": "line is not a JSON object",
                    "excerpt": text,
                    "input_hash": input_hash,
                }
                continue
            record.update(
                line=line_no,
                encoding=encoding,
                repairs=repairs,
                byte_size=len(line),
                input_hash=input_hash,
            )
            record.pop("error", None)
            yield record


READERS = {"txt": read_txt, "json": read_json, "jsonl": read_jsonl}


class LakeWriter:
    """Buffers rows and writes them as Parquet files under a partition, each via a temp name."""

    def __init__(self, directory: Path, schema: pa.Schema, run_id: str):
        self.directory, self.schema, self.run_id = directory, schema, run_id
        self.rows: list[dict] = []
        self.buffered_bytes = 0
        self.parts = 0
        self.written = 0

    def add(self, row: dict) -> None:
        self.rows.append(row)
        self.buffered_bytes += len(row.get("text") or "") + len(row.get("raw_excerpt") or "")
        if len(self.rows) >= ROWS_PER_FILE or self.buffered_bytes >= BYTES_PER_FILE:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pylist(self.rows, schema=self.schema)
        final = self.directory / f"{self.run_id}-{self.parts:05d}.parquet"
        temporary = final.with_name(f".{final.name}.tmp")
        with open(temporary, "wb") as sink:
            pq.write_table(table, sink, compression="zstd")
            sink.flush()
            os.fsync(sink.fileno())
        os.replace(temporary, final)  # readers see the whole file or none of it
        self.parts += 1
        self.written += len(self.rows)
        self.rows = []
        self.buffered_bytes = 0


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


def printable_name(name: str) -> str:
    """A file name as text that can be stored and logged: undecodable bytes (os.fsdecode's
    surrogates) become \\xNN escapes; everything else, newlines included, is kept as it is."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def log_name(name: str) -> str:
    """A name for a one-line log message: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def ingest(raw_dir: Path, lake_dir: Path, run_id: str, now: datetime | None = None) -> IngestReport:
    """Read every raw file into the lake's documents and quarantine partitions.

    No single file can fail the ingest: whatever goes wrong with one file becomes its quarantine
    row. Documents already in the lake (by doc_id) and inputs already quarantined are not added
    again, so re-running on the same raw folder adds nothing."""
    now = now or datetime.now(UTC)
    partition = f"ingest_date={now.date().isoformat()}"
    documents = LakeWriter(lake_dir / "documents" / partition, DOCUMENT_SCHEMA, run_id)
    quarantine = LakeWriter(lake_dir / "quarantine" / partition, QUARANTINE_SCHEMA, run_id)
    seen = existing_doc_ids(lake_dir / "documents")
    quarantined = existing_quarantine_keys(lake_dir / "quarantine")
    report = IngestReport()
    files, skipped = list_raw_files(raw_dir)
    report.files_listed = len(files) + len(skipped)
    report.files_skipped = len(skipped)
    report.skipped = [
        f"{log_name(printable_name(relative(p, raw_dir)))}: {why}" for p, why in skipped
    ]

    def bad_record(source_id: str, rel: str, reason: str, excerpt, input_hash) -> bool:
        """Count a bad record and quarantine it unless it already is; True when it is new."""
        report.records_read += 1
        report.records_bad += 1
        key = (source_id, reason, input_hash)
        if key in quarantined:
            report.quarantine_known += 1
            return False
        quarantined.add(key)
        report.quarantine_new += 1
        quarantine.add(
            {
                "source_id": source_id,
                "source_path": rel,
                "reason": reason,
                "raw_excerpt": excerpt_of(excerpt or ""),
                "stage": "ingest",
                "quarantined_at": now,
                "run_id": run_id,
                "input_hash": input_hash,
            }
        )
        return True

    for path in files:
        rel = printable_name(relative(path, raw_dir))
        fmt = format_of(path)
        added_documents = added_quarantine = 0
        try:
            for record in READERS[fmt](path):
                source_id = valid_text(
                    str(
                        record.get("id") or (f"{rel}:{record['line']}" if "line" in record else rel)
                    )
                )
                if "error" in record:
                    added_quarantine += bad_record(
                        source_id,
                        rel,
                        record["error"],
                        record.get("excerpt"),
                        record.get("input_hash"),
                    )
                    continue
                raw_text = record.get("text")
                if not isinstance(raw_text, str) or not raw_text.strip():
                    excerpt = json.dumps(
                        {k: v for k, v in record.items() if k != "input_hash"}, default=str
                    )
                    added_quarantine += bad_record(
                        source_id, rel, "no article text", excerpt, record.get("input_hash")
                    )
                    continue
                repairs = record.get("repairs") or ""
                if valid_text(raw_text) != raw_text:
                    raw_text = valid_text(raw_text)
                    repairs = ",".join(filter(None, [repairs, "invalid_unicode_replaced"]))
                if "\x00" in raw_text:  # a JSON "\u0000": DuckDB and the shell choke on NULs
                    raw_text = raw_text.replace("\x00", "")
                    repairs = ",".join(filter(None, [repairs, "nul_bytes_removed"]))
                text = normalize_text(raw_text)
                if not text:
                    added_quarantine += bad_record(
                        source_id, rel, "no article text", raw_text, record.get("input_hash")
                    )
                    continue
                report.records_read += 1
                doc_id = doc_id_of(text)
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
                        "repairs": repairs or None,
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
                added_documents += 1
        except BadRecord as bad:
            added_quarantine += bad_record(rel, rel, bad.reason, bad.excerpt, bad.input_hash)
        except OSError as error:
            reason = f"unreadable: {error.strerror or error}"
            added_quarantine += bad_record(rel, rel, reason, "", None)
        except Exception as error:  # one file must never fail the run
            reason = f"unexpected error reading the file: {type(error).__name__}: {error}"
            added_quarantine += bad_record(rel, rel, reason[:500], "", None)
        if added_documents:
            report.files_accepted += 1
        elif added_quarantine:
            report.files_quarantined += 1
        else:
            report.files_duplicate += 1
    documents.flush()
    quarantine.flush()
    return report


def relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.resolve()))
    except ValueError:
        return str(path)
