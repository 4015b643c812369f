"""Which raw files a night reads: formats by suffix, safe listing, regular-file opening."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

from copydesk.ingest.decode import BadRecord

FORMATS = {
    ".txt": "txt",
    ".txt.gz": "txt",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".json": "json",
}


def format_of(path: str | Path) -> str | None:
    name = os.path.basename(path).lower()
    for suffix, fmt in FORMATS.items():
        if name.endswith(suffix):
            return fmt
    return None


PARTIAL_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")


def list_raw_files(
    raw_dir: Path, settle_seconds: float = 0
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Regular files under raw_dir, sorted, and what was skipped and why; never leaves raw_dir.
    A file modified within the last settle_seconds is skipped: a crawler may still be writing it."""
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    settled_before = time.time() - settle_seconds
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
                skipped.append((path, "hidden name (an editor's or a download's partial file)"))
                continue
            if entry.name.endswith(PARTIAL_SUFFIXES):
                skipped.append((path, "partial file, still being written (.part, .tmp)"))
                continue
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError) as error:  # 3.11 raises RuntimeError on a loop
                    reason = "loop" if isinstance(error, RuntimeError) else error.strerror
                    skipped.append((path, f"broken symlink: {reason}"))
                    continue
                if not target.is_relative_to(root):
                    skipped.append((path, "symlink pointing outside the raw folder"))
                    continue
            try:
                info = os.stat(path)
            except OSError as error:
                skipped.append((path, f"cannot stat: {error.strerror}"))
                continue
            mode = info.st_mode
            if stat.S_ISDIR(mode):
                if not entry.is_symlink():
                    stack.append(path)
            elif not stat.S_ISREG(mode):
                skipped.append((path, "not a regular file (pipe, socket or device)"))
            elif format_of(path) is None:
                expected = ", ".join(FORMATS)
                skipped.append((path, f"unknown file type (expected {expected})"))
            elif settle_seconds and info.st_mtime > settled_before:
                why = f"modified in the last {settle_seconds:g} s: still being written?"
                skipped.append((path, why))
            else:
                files.append(path)
    return sorted(files, key=path_order), skipped


def path_order(path: Path) -> list[str]:
    """A sort key giving Path's own order (part by part, not character by character: "a/b"
    before "a-b/c"), without Path's comparisons: a fifth of a large folder's listing."""
    return str(path).split(os.sep)


def open_regular(path: str | Path):
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


def printable_name(name: str) -> str:
    """A file name as text that can be stored and logged: undecodable bytes (os.fsdecode's
    surrogates) become \\xNN escapes; everything else, newlines included, is kept as it is."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def log_name(name: str) -> str:
    """A name for a one-line log message: control characters (a newline in a name) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def relative(path: str | Path, root: Path) -> str:
    """A listed path relative to the resolved raw folder it was listed from."""
    # String slicing, not Path.relative_to: this runs twice per raw file, and relative_to's
    # parsing was a sixth of the ingest's time on a folder of small files.
    text, prefix = str(path), str(root).rstrip(os.sep) + os.sep
    return text[len(prefix) :] if text.startswith(prefix) else text
