"""Progress of a run: a live line per stage on a terminal, plain log lines everywhere else."""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Reports each stage as it starts and ends, with what it counted."""

    def __init__(self, stream: TextIO | None = None, live: bool | None = None):
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() if live is None else live
        self.stages_done = 0

    @contextmanager
    def stage(self, name: str):
        """Time one stage; the block sets `.detail` on the yielded object to say what it did."""
        step = _Step(name)
        if self.live:
            self.stream.write(f"\r  … {name}")
            self.stream.flush()
        started = time.perf_counter()
        try:
            yield step
        except BaseException:
            self._finish(step, time.perf_counter() - started, ok=False)
            raise
        self._finish(step, time.perf_counter() - started, ok=True)

    def _finish(self, step: _Step, seconds: float, ok: bool) -> None:
        self.stages_done += 1
        mark = "✓" if ok else "✗"
        detail = f": {step.detail}" if step.detail else ""
        line = f"{step.name}{detail} ({seconds:.1f} s)"
        if self.live:
            self.stream.write(f"\r\033[K  {mark} {line}\n")
            self.stream.flush()
        else:
            stamp = time.strftime("%H:%M:%S")
            self.stream.write(f"{stamp} copydesk {'done' if ok else 'FAILED'} {line}\n")
            self.stream.flush()


class _Step:
    def __init__(self, name: str):
        self.name = name
        self.detail = ""


_current = Progress(live=False)  # plain lines on stderr


def current() -> Progress:
    """The reporter of this process: plain log lines unless the CLI installed a live one."""
    return _current


def install(progress: Progress) -> None:
    global _current
    _current = progress
