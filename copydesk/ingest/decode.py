"""Bytes to clean text: encoding detection, mojibake repair, NUL/control and surrogate checks."""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from datetime import UTC, datetime

import ftfy
import ftfy.chardata

EXCERPT_CHARS = 300
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
BLANK = b" \t\r\n"
CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13))  # no tab, LF, FF, CR


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


C1_CONTROLS = frozenset(chr(code) for code in range(0x80, 0xA0))
