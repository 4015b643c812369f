"""The three raw formats (text, news-please JSON, JSONL) read into lake rows or bad records."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import zlib
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from copydesk.ingest.decode import (
    BLANK,
    BadRecord,
    decode,
    doc_id_of,
    excerpt_of,
    normalize_text,
    parse_timestamp,
    text_field,
    valid_text,
)
from copydesk.ingest.fields import FieldMap, fields_named, record_fields
from copydesk.ingest.lake import DOCUMENT_SCHEMA
from copydesk.ingest.listing import format_of, open_regular

# One article: a .txt or .json file, or one JSONL line. Nothing larger is an article, and the
# limit bounds what one record can cost in memory (a few times this, while it is decoded).
MAX_RECORD_BYTES = 16 * 1024 * 1024
MAX_DECOMPRESSED_BYTES = 4 * 1024 * 1024 * 1024  # a .jsonl.gz stream never inflates past this


# ... nor past this many times its compressed size, once it is over BOMB_FLOOR_BYTES: news JSONL
# compresses 3-15x, a gzip bomb (zeros, one repeated line) 1000x.
MAX_COMPRESSION_RATIO = 100
BOMB_FLOOR_BYTES = 32 * 1024 * 1024
READ_CHUNK = 1024 * 1024


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


def read_article_bytes(path: str | Path) -> tuple[bytes, str]:
    """A one-article file's bytes and their sha256; larger than one article is a bad record,
    found without reading more than a chunk at a time."""
    if os.fspath(path).lower().endswith(".gz"):
        return read_gzipped_article(path)
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


def read_gzipped_article(path: str | Path) -> tuple[bytes, str]:
    """A gzipped one-article file's inflated bytes and their sha256; it may not inflate past one
    article (a gzip bomb stops there), and a broken stream is a bad record."""
    with open_regular(path) as raw_stream:
        try:
            with gzip.GzipFile(fileobj=raw_stream, mode="rb") as stream:
                data = stream.read(MAX_RECORD_BYTES + 1)
        except (EOFError, OSError, zlib.error) as error:
            raise BadRecord(f"compressed stream broken: {error}") from None
    digest = hashlib.sha256(data).hexdigest()
    if len(data) > MAX_RECORD_BYTES:
        raise BadRecord(
            f"file inflates to more than one article (limit {MAX_RECORD_BYTES // 2**20} MiB):"
            " gzip bomb?",
            excerpt_of(data[:READ_CHUNK]),
            digest,
        )
    return data, digest


def read_txt(path: str | Path) -> Iterator[dict]:
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


def read_json(path: str | Path) -> Iterator[dict]:
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
        "fields": record,
        "encoding": encoding,
        "repairs": repairs,
        "byte_size": len(data),
        "input_hash": digest,
    }


def read_jsonl(path: str | Path) -> Iterator[dict]:
    """One record per line; a bad line becomes a quarantined record, the others are kept.

    Memory is bounded by one line (at most MAX_RECORD_BYTES are read for it); a .gz stream stops
    at MAX_DECOMPRESSED_BYTES or MAX_COMPRESSION_RATIO times its compressed size."""
    compressed = os.fspath(path).lower().endswith(".gz")
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
            yield {
                "fields": record,
                "line": line_no,
                "encoding": encoding,
                "repairs": repairs,
                "byte_size": len(line),
                "input_hash": input_hash,
            }


READERS = {"txt": read_txt, "json": read_json, "jsonl": read_jsonl}


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


def no_text_reason(own: dict | None) -> str:
    """The reason for a record without text, naming the fields a JSON record did have (a field
    map may be missing); only worked out for such a record, as listing fields is not free."""
    if own is None:
        return "no article text"
    return f"no article text (fields: {fields_named(own)})"


def read_raw_file(
    path: str | Path, rel: str, run_id: str, now: datetime, field_map: FieldMap = ()
) -> Iterator[tuple[bool, dict]]:
    """Every record of one raw file in order, as (True, document row) or (False, quarantine row);
    a JSON record's fields are read by their aliases, field_map's names first.

    Never raises: whatever goes wrong with the file becomes a bad record, after the records
    read before it."""
    fmt = format_of(path) or ""  # listed files have a known format
    try:
        for record in READERS[fmt](path):
            own = record.get("fields")
            values = record_fields(own, field_map) if own is not None else record
            source_id = valid_text(
                values.get("id") or (f"{rel}:{record['line']}" if "line" in record else rel)
            )
            input_hash = record.get("input_hash")
            if "error" in record:
                reason, excerpt = record["error"], record.get("excerpt")
                yield False, bad_row(source_id, rel, reason, excerpt, input_hash, run_id, now)
                continue
            raw_text = values.get("text")
            if not isinstance(raw_text, str) or not raw_text.strip():
                no_text = no_text_reason(own)
                excerpt = json.dumps(own, default=str) if own is not None else raw_text
                yield False, bad_row(source_id, rel, no_text, excerpt, input_hash, run_id, now)
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
                no_text = no_text_reason(own)
                yield False, bad_row(source_id, rel, no_text, raw_text, input_hash, run_id, now)
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
                "url": text_field(values.get("url")),
                "outlet_hint": text_field(values.get("outlet")),
                "title_hint": text_field(values.get("title")),
                "date_hint": text_field(values.get("date")),
                "fetched_at": parse_timestamp(values.get("fetched_at")),
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
