"""A byte copy of the published warehouse, made in a thread while ingest runs."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path


class BackgroundCopy:
    """A byte copy of the published warehouse, made in a thread while the night's ingest runs.

    The published file is checkpointed and never written, so it can be copied while readers hold
    it. Copying is disk work (12 s for 8.5 GB here) and ingest is Python work on the CPU, so a
    night that updates the warehouse starts the copy before ingest instead of after it.
    """

    CHUNK_BYTES = 64 * 1024 * 1024  # how far the copy gets between looks at a cancel

    def __init__(self, source: Path, target: Path, chunk_bytes: int = CHUNK_BYTES):
        self.source, self.target, self.chunk_bytes = source, target, chunk_bytes
        self.error: BaseException | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._copy, name="copy-published", daemon=True)
        self._thread.start()

    def _copy(self) -> None:
        try:
            copy_until(self.source, self.target, self._cancelled, self.chunk_bytes)
        except BaseException as error:  # handed to whoever waits for the copy
            self.error = error

    def wait(self) -> Path:
        """Block until the copy is complete; raises what the copy raised."""
        self._thread.join()
        if self.error is not None:
            raise self.error
        return self.target

    def cancel(self) -> None:
        """Stop copying (within one chunk) and remove the partial copy."""
        self._cancelled.set()
        self._thread.join()
        self.target.unlink(missing_ok=True)


# What copy_file_range raises where the filesystem or kernel cannot copy in the kernel.
KERNEL_COPY_UNSUPPORTED = {errno.EXDEV, errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP}


def copy_until(source: Path, target: Path, cancelled: threading.Event, chunk_bytes: int) -> None:
    """Copy a file in chunks, in the kernel where it can (copy_file_range), until cancelled."""
    with source.open("rb") as reader, target.open("wb") as writer:
        remaining = os.fstat(reader.fileno()).st_size
        in_kernel = hasattr(os, "copy_file_range")  # Linux; elsewhere through Python buffers
        while remaining > 0 and not cancelled.is_set():
            if in_kernel:
                try:
                    copied = os.copy_file_range(reader.fileno(), writer.fileno(), chunk_bytes)
                except OSError as error:
                    if error.errno not in KERNEL_COPY_UNSUPPORTED:
                        raise
                    in_kernel = False  # this filesystem cannot: go on where it stopped
                    continue
            else:
                copied = writer.write(reader.read(chunk_bytes))
            if copied == 0:
                raise OSError(f"{source} ended {remaining} bytes early while being copied")
            remaining -= copied
