"""The scale benchmark's bookkeeping: ratios to the floor, CPU of other processes, old results."""

import os
import subprocess
import sys

from bench.scale import add_floor_ratios, print_table, target_checks
from bench.stages import BODY_SCANS, evict_page_cache, process_cpu_seconds


def stage(name: str, inner: float | None, **more) -> dict:
    return {
        "stage": name,
        "wall_seconds": (inner or 0) + 0.7,
        "inner_seconds": inner,
        "cpu_seconds": 1.0,
        "peak_rss_mb": 100.0,
        **more,
    }


def result(**more) -> dict:
    stages = [stage("ingest", 8.0), stage("staging", 4.0), stage("floor", 0.5)]
    return {"articles": 1000, "stages": stages, "model_seconds": {}, "slowest_models": [], **more}


def test_every_stage_and_the_night_get_their_ratio_to_the_floor():
    night = {
        "articles": 100,
        "stages": [stage("ingest", 1.0, concurrent_with=["copy"]), stage("staging", 2.0)],
        "total_stage_seconds": 3.0,
        "nothing_new_ingest": stage("ingest", 0.25),
        "nothing_new_run": stage("run", 12.0),
    }
    measured = result(next_night=night)
    add_floor_ratios(measured)
    assert measured["floor_seconds"] == 0.5
    assert [s["x_floor"] for s in measured["stages"]] == [16.0, 8.0, 1.0]
    assert [s["x_floor"] for s in night["stages"]] == [2.0, 4.0]
    assert (night["nothing_new_ingest"]["x_floor"], night["nothing_new_run"]["x_floor"]) == (
        0.5,
        24.0,
    )
    assert night["x_floor"] == 6.0


def test_without_a_floor_there_is_no_ratio():
    measured = result()
    measured["stages"].pop()  # the floor stage failed or was never run
    add_floor_ratios(measured)
    assert [s["x_floor"] for s in measured["stages"]] == [None, None]


def test_the_nothing_new_night_is_checked_end_to_end_when_it_ran():
    night = {
        "articles": 100,
        "stages": [],
        "total_stage_seconds": 3.0,
        "nothing_new_ingest": stage("ingest", 2.0),
        "nothing_new_run": stage("run", 20.0, exit_code=0),
    }
    checks = {c["target"]: c for c in target_checks(result(next_night=night))}
    assert checks["nothing-new ingest seconds"]["met"]
    assert checks["nothing-new night seconds"]["measured"] == 20.7  # wall: start included
    assert not checks["nothing-new night seconds"]["met"]
    failed = {**night, "nothing_new_run": stage("run", 1.0, exit_code=1)}
    assert "nothing-new night seconds" not in {
        c["target"] for c in target_checks(result(next_night=failed))
    }


def test_the_query_target_holds_every_query_but_the_scans_the_search_mart_replaces():
    medians = {"articles per day": 0.02, "search, 1 word": 0.3}
    medians |= dict.fromkeys(BODY_SCANS, 1.4)
    measured = result()
    measured["stages"].append({**stage("queries", 9.0), "median_seconds": medians})
    checks = {c["target"]: c for c in target_checks(measured)}
    assert checks["slowest ad-hoc query seconds"]["measured"] == 0.3
    medians["search, 1 word"] = 1.2
    checks = {c["target"]: c for c in target_checks(measured)}
    assert not checks["slowest ad-hoc query seconds"]["met"]


def test_a_report_of_results_saved_before_the_ratios_still_prints_them(capsys):
    # Saved by the bench before x_floor and the stage CPU: the ratio is worked out again.
    print_table([result()])
    lines = capsys.readouterr().out.splitlines()
    ingest = next(line for line in lines if line.startswith("ingest "))
    assert ingest.split()[-1] == "16.0"
    assert ingest.split()[-3] == "-"  # no stage CPU was saved


def test_the_cpu_of_another_process_is_read_while_it_runs():
    spin = "import time\nend = time.process_time() + 0.3\nwhile time.process_time() < end: pass\n"
    child = subprocess.Popen([sys.executable, "-c", spin + "input()"], stdin=subprocess.PIPE)
    try:
        while process_cpu_seconds(child.pid) < 0.25:
            assert child.poll() is None
        assert process_cpu_seconds(child.pid) < 5
    finally:
        child.communicate(b"\n")
    assert process_cpu_seconds(child.pid) == 0.0  # reaped: gone
    assert process_cpu_seconds(None) == 0.0


def test_evicting_a_folder_from_the_page_cache_touches_every_file_and_changes_none(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.txt").write_text("one")
    (tmp_path / "two.jsonl").write_text("{}\n")
    assert evict_page_cache(tmp_path) == 2
    assert (tmp_path / "a" / "one.txt").read_text() == "one"
    assert os.listdir(tmp_path / "a") == ["one.txt"]
