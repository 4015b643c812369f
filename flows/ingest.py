"""Read raw dumps (txt, jsonl, jsonl.gz, news-please json) into the Parquet lake; no Prefect."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import shutil
import stat
import unicodedata
import uuid
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import ftfy
import ftfy.chardata
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
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))  # no tab, LF, FF, CR


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
    controls = len(sample) - len(sample.translate(None, CONTROL_BYTES))  # not a loop per byte
    return len(sample) > 0 and controls / len(sample) > 0.05


def mojibake_continuations() -> dict[str, frozenset[str]]:
    """For each character a single-byte encoding ftfy tries decodes a UTF-8 lead byte to, the
    characters the same encodings decode continuation bytes to (plus the space ftfy reads as a
    lost no-break space, and the replacement character of its lossy repairs)."""
    continuations: dict[str, set[str]] = {}
    for encoding in ftfy.chardata.CHARMAP_ENCODINGS:
        follows = set()
        for byte in range(0x80, 0xC0):
            with contextlib.suppress(UnicodeDecodeError):
                follows.add(bytes([byte]).decode(encoding))
        if encoding != "macroman":  # ftfy restores a 0xA0 byte lost as a space except in macroman
            follows.add(" ")
        if encoding.startswith("sloppy"):
            follows.update(("\x1a", "\ufffd"))
        for byte in range(0xC0, 0xF5):  # UTF-8 leads, with the 0xC0 of modified UTF-8
            with contextlib.suppress(UnicodeDecodeError):
                continuations.setdefault(bytes([byte]).decode(encoding), set()).update(follows)
    return {lead: frozenset(follows) for lead, follows in continuations.items()}


MOJIBAKE_CONTINUATIONS = mojibake_continuations()
NON_ASCII = re.compile(r"[^\x00-\x7f]")
C1_CONTROLS = frozenset(chr(code) for code in range(0x80, 0xA0))


def may_be_mojibake(text: str) -> bool:
    """False when ftfy.fix_encoding cannot change the text, so the call can be skipped.

    ftfy re-encodes the text in a single-byte encoding and decodes it as UTF-8, which changes
    it only where a character that encoding maps to a UTF-8 lead byte is followed by one it maps
    to a continuation byte; else it only replaces C1 control characters. Its own check runs a
    large regex over the whole text (about 1 ms for a 3.7 kB article with curly quotes, most of
    ingest's time on real news); this looks at the non-ASCII characters alone.
    """
    if text.isascii():
        return False
    for match in NON_ASCII.finditer(text):
        character = match.group()
        if character in C1_CONTROLS:
            return True
        follows = MOJIBAKE_CONTINUATIONS.get(character)
        if follows and text[match.end() : match.end() + 1] in follows:
            return True
    return False


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
    repaired = ftfy.fix_encoding(text) if may_be_mojibake(text) else text
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


# A read task's share of the raw folder: consecutive files up to this many bytes or files, so a
# night of 100k documents (80k files, 155 MiB) is 6 tasks. A Prefect task costs ~0.1-0.2 s of CPU
# on this 2-core box (measured): never one task per file.
BATCH_BYTES = 32 * 1024 * 1024
BATCH_FILES = 20_000
GZIP_WEIGHT = 8  # a .gz is weighed as what it inflates to (news JSONL compresses 3-15x)

# What the read step hands the commit step: the lake's rows plus the position of each row's raw
# file in the listing, which tells the commit which files added something.
FILE_INDEX = pa.field("file_index", pa.int32())
CANDIDATE_SCHEMA = DOCUMENT_SCHEMA.append(FILE_INDEX)
BAD_RECORD_SCHEMA = QUARANTINE_SCHEMA.append(FILE_INDEX)
STAGING = ".staging"  # lake/.staging/<run_id>/: read tasks' rows, never read as lake data
QUARANTINE_KEY = ("source_id", "reason", "input_hash")  # one quarantined input, never added twice


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


def file_weight(path: Path) -> int:
    """Roughly what reading a file costs: its size, or for a .gz what it inflates to."""
    try:
        size = os.stat(path).st_size
    except OSError:
        return 0  # gone since the listing: reading it quarantines it
    return size * GZIP_WEIGHT if path.name.lower().endswith(".gz") else size


def plan_batches(
    files: list[Path], max_bytes: int | None = None, max_files: int | None = None
) -> list[RawBatch]:
    """The listed files cut, in order, into batches of at most max_bytes (a larger file is a batch
    of its own) and max_files; BATCH_BYTES and BATCH_FILES unless given."""
    max_bytes = max_bytes or BATCH_BYTES
    max_files = max_files or BATCH_FILES
    batches: list[RawBatch] = []
    start = weight = 0
    for index, path in enumerate(files):
        size = file_weight(path)
        if index > start and (weight + size > max_bytes or index - start >= max_files):
            batches.append(RawBatch.of(start, files[start:index]))
            start, weight = index, 0
        weight += size
    if start < len(files):
        batches.append(RawBatch.of(start, files[start:]))
    return batches


def bad_row(
    source_id: str, rel: str, reason: str, excerpt, input_hash, run_id: str, now: datetime
) -> dict:
    """A quarantine row for a record or file that cannot become a document."""
    return {
        "source_id": source_id,
        "source_path": rel,
        "reason": reason,
        "raw_excerpt": excerpt_of(excerpt or ""),
        "stage": "ingest",
        "quarantined_at": now,
        "run_id": run_id,
        "input_hash": input_hash,
    }


def read_raw_file(path: Path, rel: str, run_id: str, now: datetime) -> Iterator[tuple[bool, dict]]:
    """Every record of one raw file in order, as (True, document row) or (False, quarantine row).

    Never raises: whatever goes wrong with the file becomes a bad record, after the records
    read before it."""
    fmt = format_of(path)
    try:
        for record in READERS[fmt](path):
            source_id = valid_text(
                str(record.get("id") or (f"{rel}:{record['line']}" if "line" in record else rel))
            )
            input_hash = record.get("input_hash")
            if "error" in record:
                reason, excerpt = record["error"], record.get("excerpt")
                yield False, bad_row(source_id, rel, reason, excerpt, input_hash, run_id, now)
                continue
            raw_text = record.get("text")
            if not isinstance(raw_text, str) or not raw_text.strip():
                excerpt = json.dumps(
                    {k: v for k, v in record.items() if k != "input_hash"}, default=str
                )
                reason = "no article text"
                yield False, bad_row(source_id, rel, reason, excerpt, input_hash, run_id, now)
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
                reason = "no article text"
                yield False, bad_row(source_id, rel, reason, raw_text, input_hash, run_id, now)
                continue
            document = {
                "doc_id": doc_id_of(text),
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
            yield True, document
    except BadRecord as bad:
        yield False, bad_row(rel, rel, bad.reason, bad.excerpt, bad.input_hash, run_id, now)
    except OSError as error:
        reason = f"unreadable: {error.strerror or error}"
        yield False, bad_row(rel, rel, reason, "", None, run_id, now)
    except Exception as error:  # one file must never fail the run
        reason = f"unexpected error reading the file: {type(error).__name__}: {error}"
        yield False, bad_row(rel, rel, reason[:500], "", None, run_id, now)


def chunk_of(documents: list[dict], bad_records: list[dict]) -> ReadChunk:
    return ReadChunk(
        pa.Table.from_pylist(documents, schema=CANDIDATE_SCHEMA),
        pa.Table.from_pylist(bad_records, schema=BAD_RECORD_SCHEMA),
    )


def read_batch(batch: RawBatch, raw_dir: Path, run_id: str, now: datetime) -> Iterator[ReadChunk]:
    """Read a batch's files in order into chunks of candidate rows, writing nothing; a chunk is
    cut at a lake file's limits, so memory stays bounded by one chunk however large a file is."""
    documents: list[dict] = []
    bad_records: list[dict] = []
    buffered = 0
    root = raw_dir.resolve()
    for file_index, path in enumerate(batch.paths, start=batch.first_file):
        rel = printable_name(relative(path, root))
        for is_document, row in read_raw_file(path, rel, run_id, now):
            row["file_index"] = file_index
            (documents if is_document else bad_records).append(row)
            buffered += len(row.get("text") or row["raw_excerpt"])
            if len(documents) + len(bad_records) >= ROWS_PER_FILE or buffered >= BYTES_PER_FILE:
                yield chunk_of(documents, bad_records)
                documents, bad_records, buffered = [], [], 0
    if documents or bad_records:
        yield chunk_of(documents, bad_records)


def staging_dir(lake_dir: Path, run_id: str) -> Path:
    """Where a run's read tasks leave their rows for the committing driver."""
    return lake_dir / STAGING / run_id


def remove_staging(staging: Path) -> None:
    """Delete a run's staged rows, then the staging folder unless another run's rows are there."""
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        staging.parent.rmdir()


def stage_batch(
    batch: RawBatch, raw_dir: Path, run_id: str, now: datetime, staging: Path
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
        for chunk in read_batch(batch, raw_dir, run_id, now):
            documents.write_table(chunk.documents)
            bad_records.write_table(chunk.bad_records)
    return staged


def staged_tables(path: Path) -> Iterator[pa.Table]:
    """The chunks of one staged file, one at a time."""
    with pa.OSFile(str(path)) as source:
        reader = pa.ipc.open_file(source)
        for number in range(reader.num_record_batches):
            yield pa.Table.from_batches([reader.get_batch(number)])


def text_sizes(table: pa.Table) -> list[int]:
    """Characters of text (documents) or raw excerpt (quarantine) per row, as a lake file's size
    limit counts them."""
    column = "text" if "text" in table.column_names else "raw_excerpt"
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


def printable_name(name: str) -> str:
    """A file name as text that can be stored and logged: undecodable bytes (os.fsdecode's
    surrogates) become \\xNN escapes; everything else, newlines included, is kept as it is."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def log_name(name: str) -> str:
    """A name for a one-line log message: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


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
        listing: tuple[list[Path], list[tuple[Path, str]]],
    ):
        files, skipped = listing
        root = raw_dir.resolve()
        partition = f"ingest_date={now.date().isoformat()}"
        self.run_id = run_id
        self.documents = LakeWriter(lake_dir / "documents" / partition, DOCUMENT_SCHEMA, run_id)
        self.quarantine = LakeWriter(lake_dir / "quarantine" / partition, QUARANTINE_SCHEMA, run_id)
        self.files_dir = lake_dir / "files" / partition
        # A night with nothing new must not re-read (and re-hash) every raw file it kept: 17 s for
        # a folder of 100k documents. A file whose path, size and modification time match one an
        # earlier ingest read through is left unread.
        already_read = files_already_read(lake_dir / "files")
        self.files_to_read: list[Path] = []
        self.signatures: list[tuple[str, tuple[int, int] | None]] = []
        unchanged = 0
        for path in files:
            rel = printable_name(relative(path, root))
            signature = file_signature(path)
            if signature is not None and (rel, *signature) in already_read:
                unchanged += 1
                continue
            self.files_to_read.append(path)
            self.signatures.append((rel, signature))
        self.seen = existing_doc_ids(lake_dir / "documents")
        self.quarantined = existing_quarantine_keys(lake_dir / "quarantine")
        self.files_read = len(self.files_to_read)
        self.files_with_documents: set[int] = set()
        self.files_with_quarantine: set[int] = set()
        self.report = IngestReport(
            files_listed=len(files) + len(skipped),
            files_skipped=len(skipped),
            files_unchanged=unchanged,
            skipped=[f"{log_name(printable_name(relative(p, root)))}: {why}" for p, why in skipped],
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


def ingest(raw_dir: Path, lake_dir: Path, run_id: str, now: datetime | None = None) -> IngestReport:
    """Read every raw file into the lake's documents and quarantine partitions, in one process.

    No single file can fail the ingest: whatever goes wrong with one file becomes its quarantine
    row. Documents already in the lake (by doc_id) and inputs already quarantined are not added
    again, so re-running on the same raw folder adds nothing. The batches are read one after the
    other here; the nightly flow reads them on its task runner and commits them the same way."""
    now = now or datetime.now(UTC)
    listing = list_raw_files(raw_dir)
    commit = IngestCommit(raw_dir, lake_dir, run_id, now, listing)
    for batch in plan_batches(commit.files_to_read):
        for chunk in read_batch(batch, raw_dir, run_id, now):
            commit.add(chunk)
    return commit.finish()


def relative(path: Path, root: Path) -> str:
    """A listed path relative to the resolved raw folder it was listed from."""
    # String slicing, not Path.relative_to: this runs twice per raw file, and relative_to's
    # parsing was a sixth of the ingest's time on a folder of small files.
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text
