"""kill -9 at stage boundaries and at a random point of a real `copydesk run` subprocess: the
published warehouse is always the previous or the new one and opens cleanly, and the next run
ends with the same content as an uninterrupted run, no row lost or duplicated."""

import os
import random
import shutil
import signal
import subprocess
import sys
import threading

import pyarrow.dataset as pads
import pytest

from flows.nightly import nightly
from tests.conftest import SEEDS_DIR
from tests.test_recovery import table_contents, write_day_two

pytestmark = pytest.mark.usefixtures("prefect_server")


def copydesk_run(raw, data, pause_at=None):
    """`copydesk run` in its own process, against the session's Prefect test server."""
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ, PREFECT_API_URL=PREFECT_API_URL.value())
    env.pop("COPYDESK_PAUSE_AT", None)
    if pause_at:
        env["COPYDESK_PAUSE_AT"] = pause_at
    return subprocess.Popen(
        [sys.executable, "-m", "copydesk.cli", "run", "--raw", str(raw), "--data", str(data)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill_at(raw, data, stage):
    process = copydesk_run(raw, data, pause_at=stage)
    watchdog = threading.Timer(120, process.kill)  # never hang the suite
    watchdog.start()
    try:
        for line in process.stderr:  # the run announces the stage, then waits there
            if f"paused at {stage}" in line:
                break
        else:
            pytest.fail(f"the run ended without reaching {stage}: exit {process.wait()}")
    finally:
        watchdog.cancel()
        process.send_signal(signal.SIGKILL)
        process.wait()


def lake_keys(data):
    def rows(kind, columns):
        files = sorted((data / "lake" / kind).glob("*/*.parquet"))
        table = pads.dataset(files, format="parquet").to_table(columns=columns)
        return list(zip(*(table.column(c).to_pylist() for c in columns), strict=True))

    return (
        rows("documents", ["doc_id"]),
        rows("quarantine", ["source_id", "reason", "input_hash"]),
    )


@pytest.fixture(scope="module")
def generations(tmp_path_factory):
    """Contents of the two generations an uninterrupted night 1 (seeds) and night 2 (day two's
    input too) publish, and a folder holding night 1's raw and data folders."""
    root = tmp_path_factory.mktemp("crash")
    raw, data = root / "raw", root / "data"
    shutil.copytree(SEEDS_DIR, raw)
    nightly(raw_dir=str(raw), data_dir=str(data))
    first = table_contents(data / "warehouse.duckdb")
    reference = root / "reference"
    shutil.copytree(raw, reference / "raw")
    write_day_two(reference / "raw")
    nightly(raw_dir=str(reference / "raw"), data_dir=str(reference / "data"))
    second = table_contents(reference / "data" / "warehouse.duckdb")
    return root, first, second


def night_one(generations, tmp_path):
    """A copy of the folder as night 1 left it, with day two's input added."""
    root = generations[0]
    shutil.copytree(root / "raw", tmp_path / "raw")
    shutil.copytree(root / "data", tmp_path / "data")
    write_day_two(tmp_path / "raw")
    return tmp_path / "raw", tmp_path / "data"


def assert_previous_or_new(data, first, second):
    contents = table_contents(data / "warehouse.duckdb")  # opens cleanly, or this raises
    assert contents in (first, second)
    return contents


def test_kill_9_at_every_stage_boundary_then_a_clean_run(generations, tmp_path):
    _, first, second = generations
    raw, data = night_one(generations, tmp_path)
    seen = []
    for stage in ("ingested", "built", "publishing", "published"):
        kill_at(raw, data, stage)
        seen.append(assert_previous_or_new(data, first, second))
    # Killed before the swap, the old generation stays; killed after it, the new one is in place.
    assert seen == [first, first, first, second]
    summary = nightly(raw_dir=str(raw), data_dir=str(data))
    assert summary.status in ("published", "nothing_new")
    assert table_contents(data / "warehouse.duckdb") == second
    documents, quarantined = lake_keys(data)
    assert len(documents) == len(set(documents)) == 7  # 5 seeds, the feed story, extra.txt
    assert len(quarantined) == len(set(quarantined)) == 2  # the broken line, empty.txt
    assert not list(data.glob(".warehouse.*.building.duckdb*"))
    assert not list((data / "lake").glob("**/.*.tmp"))


def test_kill_9_at_a_random_point_then_a_clean_run(generations, tmp_path):
    _, first, second = generations
    raw, data = night_one(generations, tmp_path)
    seed = int(os.environ.get("COPYDESK_CRASH_SEED", random.randrange(10**6)))
    delay = random.Random(seed).uniform(1.0, 9.0)  # a run takes about 8-12 s in a subprocess
    process = copydesk_run(raw, data)
    try:
        process.wait(timeout=delay)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert_previous_or_new(data, first, second)
    summary = nightly(raw_dir=str(raw), data_dir=str(data))
    assert summary.status in ("published", "nothing_new"), f"COPYDESK_CRASH_SEED={seed}"
    assert table_contents(data / "warehouse.duckdb") == second, f"COPYDESK_CRASH_SEED={seed}"
    documents, quarantined = lake_keys(data)
    assert len(documents) == len(set(documents)) == 7, f"COPYDESK_CRASH_SEED={seed}"
    assert len(quarantined) == len(set(quarantined)) == 2, f"COPYDESK_CRASH_SEED={seed}"
