"""Hostile-input benchmark: peak memory of a whole nightly run over documents built to hurt.

Writes a raw folder of a 10 MB single-line .txt (words and date expressions, no line break), a
JSONL file whose one record is a 10 MB single-line text between two normal ones, a .txt of 10 MB
in short dated lines (each a byline the date models read), and the bundled seed articles; runs
`copydesk run` on it in a child process with its own temp data folder and Prefect home; polls the
resident memory of the whole process tree (the run and every child it starts) and reports the
peak against the 2 GiB target. A tree above --kill-above GiB is killed, so a regression cannot
take the machine down. Results go to bench/out/hostile_results.json.

Usage: python bench/hostile.py [--megabytes 10] [--kill-above 6] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "data" / "raw"
OUT = ROOT / "bench" / "out" / "hostile_results.json"
LOG = OUT.with_name("hostile_run.log")  # the run's whole output
TARGET_BYTES = 2 * 2**30
# Date mentions, weekdays and words that shingle: every text model has work on every sentence.
SENTENCE = "Officials met on Monday, June 2, and again on Tuesday to discuss the plan in Istanbul. "


def write_inputs(raw: Path, megabytes: int) -> dict[str, int]:
    """The hostile raw folder; returns each file's size in bytes."""
    raw.mkdir(parents=True)
    for seed in sorted(SEEDS.iterdir()):
        shutil.copy(seed, raw / seed.name)
    size = megabytes * 10**6
    line = (SENTENCE * (size // len(SENTENCE) + 1))[:size]
    (raw / "one-line.txt").write_text(" date 2025-06-02 ISTANBUL: " + line, encoding="utf-8")
    byline = "Updated 8 May 2025\n"
    (raw / "many-lines.txt").write_text(
        " date 2025-05-08 Bylines\n\n" + byline * (size // len(byline)), encoding="utf-8"
    )
    words = " ".join(f"word{number % 5000}" for number in range(size // 9))[:size]
    with open(raw / "one-record.jsonl", "w", encoding="utf-8") as sink:
        sink.write(json.dumps({"id": "before", "text": "A short story before. " * 20}) + "\n")
        sink.write(json.dumps({"id": "huge", "text": "On Friday " + words}) + "\n")
        sink.write(json.dumps({"id": "after", "text": "A short story after it. " * 20}) + "\n")
    return {path.name: path.stat().st_size for path in sorted(raw.iterdir())}


def tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (those that vanish count 0)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:
            continue
    return total


def run_night(raw: Path, data: Path, prefect_home: Path, kill_above: int) -> dict:
    """`copydesk run` in a child process; its exit code, wall time and the tree's peak RSS."""
    environment = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PREFECT_LOGGING_LEVEL": "WARNING",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "GX_ANALYTICS_ENABLED": "false",
        "COPYDESK_SETTLE_SECONDS": "0",  # the folder was written a moment ago, on purpose
    }
    command = [sys.executable, "-m", "copydesk.cli", "run", "--raw", str(raw), "--data", str(data)]
    started = time.perf_counter()
    child = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
        command, cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    process = psutil.Process(child.pid)
    peak = 0
    killed = False
    while child.poll() is None:
        peak = max(peak, tree_rss(process))
        if peak > kill_above and not killed:
            killed = True
            for member in [*process.children(recursive=True), process]:
                try:
                    member.kill()
                except psutil.Error:
                    continue
        time.sleep(0.05)
    output = child.stdout.read().decode("utf-8", "replace") if child.stdout else ""
    LOG.parent.mkdir(parents=True, exist_ok=True)
    LOG.write_text(output, encoding="utf-8")
    # The summary copydesk prints, without the interpreter's noise at exit.
    summary = [
        line for line in output.splitlines() if "leaked" not in line and "nanobind" not in line
    ]
    return {
        "exit_code": child.returncode,
        "seconds": round(time.perf_counter() - started, 1),
        "peak_rss_bytes": peak,
        "peak_rss_gib": round(peak / 2**30, 2),
        "killed_above_gib": round(kill_above / 2**30, 2) if killed else None,
        "output_tail": summary[-25:],
    }


def main(argv: list[str] | None = None) -> int:
    """Write the hostile inputs, run one night on them, report and record the peak memory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=10, help="size of each huge text")
    parser.add_argument("--kill-above", type=float, default=6.0, help="GiB at which to stop it")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="copydesk-hostile-"))
    try:
        sizes = write_inputs(work / "raw", args.megabytes)
        result = run_night(
            work / "raw", work / "data", work / "prefect", int(args.kill_above * 2**30)
        )
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    under = result["peak_rss_bytes"] < TARGET_BYTES and result["killed_above_gib"] is None
    completed = result["exit_code"] == 0
    record = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "memory_limit": os.environ.get("COPYDESK_MEMORY_LIMIT", ""),
        "inputs": sizes,
        **result,
        "target_gib": TARGET_BYTES / 2**30,
        "under_target": under,
        "completed": completed,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print("\n".join(result["output_tail"]))
    verdict = "met" if under else "MISSED"
    stopped = (
        f", killed above {result['killed_above_gib']} GiB" if result["killed_above_gib"] else ""
    )
    print(
        f"hostile night: exit {result['exit_code']} in {result['seconds']} s, peak RSS of the"
        f" process tree {result['peak_rss_gib']} GiB{stopped}: target < 2 GiB {verdict}"
        f"; the night {'completed' if completed else 'FAILED'} ({OUT.relative_to(ROOT)})"
    )
    return 0 if under and completed else 1


if __name__ == "__main__":
    sys.exit(main())
