"""Scale benchmark: how each stage of a night grows with the corpus, against a floor.

For each size, `copydesk synth` writes a synthetic night into a temp folder; then each stage runs in
its own child process, so its wall time, CPU time (user + system) and peak RSS are its own:
ingest (the nightly flow's ingest subflow into a temp lake, with the Prefect server it reports to,
the raw files first dropped from the page cache), the staging, intermediate and marts layers (the
warehouse build on a DuckDB file, the lake attached as raw.* as a nightly run does), each model
timed on its own, every stage's expectation suites (copydesk.quality.gates), publishing (checkpoint
and the atomic swap), the reports the flow rebuilds after publishing (Data Docs, the dashboard),
typical ad-hoc queries through `copydesk sql`'s read-only connection and `copydesk search` for 1,
2 and 3 words (median of five), and the floor: one DuckDB scan of the lake's text column; every
stage is also given as a ratio to that floor, which moves with the machine as the stages do. With
--night N, a next night of N new documents then runs every stage again onto the same lake, its raw
folder is ingested once more (nothing new), and `copydesk run` runs on it end to end (nothing new:
listing, plan and the run's record, the night's reports kept, without the flow).
Results go to bench/out/scale_results.json, and per size to bench/results.json under "scale"
(bench/sidebyside.py adds "side_by_side").

Usage: python bench/scale.py --articles 10000 100000 [--night N] [--seed S] [--keep]
       [--stage-timeout SEC] [--warm-cache]
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

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/scale.py` puts bench/, not the project, on the path
    sys.path.insert(0, str(ROOT))

from bench.stages import (  # noqa: E402
    BODY_SCANS,
    LAYERS,
    RUN_ID_VARIABLE,
    UPDATE_VARIABLE,
    evict_page_cache,
    run_child,
)
from copydesk.settings import quiet_environment  # noqa: E402
from copydesk.synth import synth  # noqa: E402

# The pair models: candidate generation must stay near-linear in the corpus (issue 4).
PAIR_MODELS = (
    "intermediate.int_copy_candidates",
    "intermediate.int_copy_pairs",
    "intermediate.int_story_pairs",
    "intermediate.int_teaser_matches",
)

OUT = ROOT / "bench" / "out" / "scale_results.json"
RESULTS = ROOT / "bench" / "results.json"  # every benchmark's latest result per size


def measure(
    stage: str,
    raw: Path,
    data: Path,
    timeout: float | None,
    update: bool = False,
    run_id: str = "",
) -> dict:
    """Run one stage in a child process; its wall, CPU and peak RSS, and what it reported."""
    result = data.parent / f"{stage}.json"
    if stage in ("ingest", "run") and not WARM_CACHE:
        evict_page_cache(raw)
    command = [sys.executable, __file__, "--child", stage, str(raw), str(data), str(result)]
    started = time.perf_counter()
    environment = {**os.environ, UPDATE_VARIABLE: "1" if update else "0", RUN_ID_VARIABLE: run_id}
    process = subprocess.Popen(command, cwd=ROOT, env=environment)
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if timeout and time.perf_counter() - started > timeout:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.05)
    process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
    wall = time.perf_counter() - started
    measured = {
        "stage": stage,
        "wall_seconds": round(wall, 2),
        # The process tree's: the child, every thread of it, and the children it reaped (the
        # ingest's Prefect server is stopped and reaped before the child exits).
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "exit_code": process.returncode,
    }
    if process.returncode == 0 and result.exists():
        measured.update(json.loads(result.read_text()))
    else:
        if timeout and wall > timeout:
            measured["timed_out_after_seconds"] = timeout
        progress = result.with_suffix(".progress.jsonl")
        events = (
            [json.loads(x) for x in progress.read_text().splitlines()] if progress.exists() else []
        )
        measured["models"] = {e["model"]: e["seconds"] for e in events if "model" in e}
        finished = set(measured["models"])
        unfinished = [
            e["started"] for e in events if "started" in e and e["started"] not in finished
        ]
        if unfinished:
            measured["unfinished_model"] = unfinished[-1]
            print(f"  unfinished: {unfinished[-1]}", flush=True)
    return measured


# A build as the nightly flow runs one: after publishing, it rebuilds the reports (Data Docs and the
# quality dashboard) for the new generation, which a later night with nothing new keeps.
BUILD_STAGES = ("ingest", *LAYERS, "gates", "publish", "reports")
# A night copies the published file beside its ingest.
NIGHT_STAGES = ("ingest", "copy", *BUILD_STAGES[1:])

# Set by --warm-cache: read the raw files hot from synth's writing, as the bench did before.
WARM_CACHE = False


# Stages a night runs at once, as the nightly flow does: the copy of the published warehouse
# beside ingest (disk against CPU). The night's total counts the longer of the two.
CONCURRENT_STAGES = ("ingest", "copy")


def measure_concurrently(
    stages: tuple[str, ...], raw: Path, data: Path, timeout: float | None, update: bool
) -> list[dict]:
    """Run stages in child processes at the same time; each measured on its own."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(len(stages)) as pool:
        futures = [pool.submit(measure, stage, raw, data, timeout, update) for stage in stages]
        measured = [future.result() for future in futures]
    for stage in measured:
        stage["concurrent_with"] = [other for other in stages if other != stage["stage"]]
    return measured


def measure_next_night(
    work: Path, data: Path, articles: int, seed: int, timeout: float | None
) -> dict:
    """A second night onto the warehouse just built, as a nightly run does it: ingest its new
    documents, copy the published warehouse, update it (models declared @incremental compute the
    night's documents; the others rebuild whole), check and publish; then the same night once
    more, when ingest finds nothing new (the flow then publishes nothing)."""
    print(f"  next night: {articles} more documents", flush=True)
    made = synth(articles, work / "night", seed=seed + 1)
    raw = work / "night" / "raw"
    stages = measure_concurrently(CONCURRENT_STAGES, raw, data, timeout, update=True)
    for stage in stages:
        print_stage(stage)
    for stage in NIGHT_STAGES:
        if stage in CONCURRENT_STAGES:
            continue
        if any(measured["exit_code"] != 0 for measured in stages):
            break
        stages.append(measure(stage, raw, data, timeout, update=True))
        print_stage(stages[-1])
    models = {}
    for stage in stages:
        models.update(stage.get("models", {}))
    slowest = sorted(models.items(), key=lambda item: -item[1])[:8]
    print("  night's slowest models: " + ", ".join(f"{m} {s:.1f} s" for m, s in slowest))
    cpu = {}
    for stage in stages:
        cpu.update(stage.get("model_cpu_seconds", {}))
    busiest = sorted(cpu.items(), key=lambda item: -(item[1] or 0))[:10]
    print("  night's models by CPU: " + ", ".join(f"{m} {s:.1f} s" for m, s in busiest))
    nothing_new = measure("ingest", raw, data, timeout, run_id="scale-again")
    print_stage({**nothing_new, "stage": "ingest again (nothing new)"})
    # The same, end to end as an operator's cron would see it: `copydesk run` with its own
    # Prefect server start, the plan, the ingest and the run's record (it publishes nothing).
    nothing_new_run = measure("run", raw, data, timeout)
    print_stage({**nothing_new_run, "stage": "copydesk run (nothing new)"})
    return {
        "articles": articles,
        "synth_seconds": made["seconds"],
        "stages": stages,
        "total_stage_seconds": round(night_seconds(stages), 2),
        "nothing_new_ingest": nothing_new,
        "nothing_new_run": nothing_new_run,
    }


def night_seconds(stages: list[dict]) -> float:
    """A night's seconds of stages: stages run at once count as the longest of them."""
    alone = sum(s.get("inner_seconds") or 0 for s in stages if not s.get("concurrent_with"))
    together = [s.get("inner_seconds") or 0 for s in stages if s.get("concurrent_with")]
    return alone + max(together, default=0)


def print_stage(measured: dict) -> None:
    print(
        f"  {measured['stage']:<13} {measured['wall_seconds']:>8.1f} s wall"
        f" {measured['cpu_seconds']:>8.1f} s CPU {measured['peak_rss_mb']:>8.0f} MB",
        flush=True,
    )
    if "prefect_server_inner_cpu_seconds" in measured:
        print(f"    {cpu_split(measured)}", flush=True)


def cpu_split(measured: dict) -> str:
    """Where a Prefect stage's CPU went: its own process and the Prefect server beside it."""
    own, tree = measured.get("own_cpu_seconds", 0), measured["cpu_seconds"]
    return (
        f"CPU {tree:.1f} s = its process {own:.1f} s + Prefect server {tree - own:.1f} s;"
        f" in the stage's {measured['inner_seconds']:.1f} s: process"
        f" {measured['inner_cpu_seconds']:.1f} s + server"
        f" {measured['prefect_server_inner_cpu_seconds']:.1f} s (server start"
        f" {measured['prefect_start_seconds']:.1f} s before it)"
    )


def add_floor_ratios(result: dict) -> None:
    """Each stage's seconds (without interpreter start and imports) as a multiple of the floor,
    one DuckDB scan of the lake's text column: a figure that moves less with the machine."""
    floor = next((s for s in result["stages"] if s["stage"] == "floor"), None)
    seconds = floor.get("inner_seconds") if floor else None
    result["floor_seconds"] = seconds
    night = result.get("next_night") or {}
    stages = [*result["stages"], *night.get("stages", [])]
    stages += [night[key] for key in ("nothing_new_ingest", "nothing_new_run") if night.get(key)]
    for stage in stages:
        inner = stage.get("inner_seconds")
        stage["x_floor"] = round(inner / seconds, 1) if seconds and inner is not None else None
    if seconds and night.get("total_stage_seconds") is not None:
        night["x_floor"] = round(night["total_stage_seconds"] / seconds, 1)


def ratio_text(stage: dict, floor_seconds: float | None) -> str:
    """The stage's ratio to the floor: saved, or worked out for results saved before it was."""
    ratio = stage.get("x_floor")
    inner = stage.get("inner_seconds")
    if ratio is None and floor_seconds and inner is not None:
        ratio = inner / floor_seconds
    return "        -" if ratio is None else f"{ratio:>9.1f}"


def run_size(
    articles: int, seed: int, keep: bool, timeout: float | None, night_articles: int = 0
) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"copydesk-scale-{articles}-"))
    raw, data = work / "corpus" / "raw", work / "data"
    data.mkdir()
    # The stages' Prefect servers keep their database here, not in the user's ~/.prefect: the
    # first ingest's server creates it, later ones (and `copydesk run`) start on it as a
    # nightly machine's would.
    os.environ["PREFECT_HOME"] = str(work / "prefect")
    print(f"\n{articles} documents, in {work}", flush=True)
    try:
        made = synth(articles, work / "corpus", seed=seed)
        print(f"  synth: {made['seconds']} s {made['formats']}", flush=True)
        stages = []
        for stage in (*BUILD_STAGES, "queries", "floor"):
            measured = measure(stage, raw, data, timeout)
            stages.append(measured)
            print_stage(measured)
            if measured["exit_code"] != 0:
                print(f"  {stage} failed (exit {measured['exit_code']}); stopping this size")
                break
        night = None
        if night_articles:
            night = measure_next_night(work, data, night_articles, seed, timeout)
        models = {}
        for stage in stages:
            models.update(stage.pop("models", {}))
        slowest = sorted(models.items(), key=lambda item: -item[1])[:5]
        return {
            "articles": articles,
            "synth": made,
            "stages": stages,
            "slowest_models": [{"model": m, "seconds": s} for m, s in slowest],
            "model_seconds": models,
            "next_night": night,
            "work_dir": str(work) if keep else None,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


def code_version() -> dict:
    """The commit measured, and any uncommitted change to the models or the runner."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        except OSError:
            return ""
        return done.stdout.strip()

    return {
        "commit": git("rev-parse", "HEAD"),
        "uncommitted": git("status", "--porcelain", "--", "sql", "copydesk", "flows").splitlines(),
    }


# Issue 7's targets on this machine (2 cores, 24 GiB), for a corpus of 1M documents and a night of
# 100k onto it; smaller runs are checked against them too, for the trend.
TARGETS = {
    "full build seconds": 300,
    "full build peak GiB": 8,
    "next night seconds": 60,
    "nothing-new ingest seconds": 15,
    # End to end: `copydesk run`, interpreter start and the flow's Prefect server included.
    "nothing-new night seconds": 15,
    "slowest ad-hoc query seconds": 1,
    "gates share of the night": 0.15,
}


def target_checks(result: dict) -> list[dict]:
    """Each target against what one size measured: met, or missed by how much (measured/target)."""
    stages = {stage["stage"]: stage for stage in result["stages"]}
    built = [stages[name] for name in BUILD_STAGES if name in stages]
    measured = {}
    if len(built) == len(BUILD_STAGES):
        measured["full build seconds"] = sum(stage.get("inner_seconds") or 0 for stage in built)
        measured["full build peak GiB"] = max(stage["peak_rss_mb"] for stage in built) / 1024
        measured["gates share of the night"] = (
            stages["gates"].get("inner_seconds") or 0
        ) / measured["full build seconds"]
    queries = stages.get("queries", {}).get("median_seconds")
    if queries:
        # Full-text search is `copydesk search`'s; the body scans it replaces are printed beside.
        typical = [seconds for name, seconds in queries.items() if name not in BODY_SCANS]
        measured["slowest ad-hoc query seconds"] = max(typical)
    night = result.get("next_night")
    if night:
        measured["next night seconds"] = night["total_stage_seconds"]
        measured["nothing-new ingest seconds"] = night["nothing_new_ingest"].get("inner_seconds")
        run = night.get("nothing_new_run")
        if run and run.get("exit_code") == 0:
            measured["nothing-new night seconds"] = run["wall_seconds"]
    checks = []
    for name, target in TARGETS.items():
        value = measured.get(name)
        if value is None:
            continue
        checks.append(
            {
                "target": name,
                "limit": target,
                "measured": round(value, 3),
                "met": value <= target,
                "times_the_limit": round(value / target, 2),
            }
        )
    return checks


def print_table(results: list[dict]) -> None:
    print(
        "\nstage          documents  process s    stage s      CPU s  stage CPU s   peak MB"
        "   x floor"
        "\n  (stage: without interpreter start and imports; CPU: the process tree over its life,"
        " stage CPU: in the stage's seconds, a Prefect server's included; x floor: stage seconds"
        " over one scan of the lake's text)"
    )
    for result in results:
        floor = next((s for s in result["stages"] if s["stage"] == "floor"), None)
        floor_seconds = result.get("floor_seconds") or (
            floor.get("inner_seconds") if floor else None
        )
        night = result.get("next_night") or {}
        rows = [(stage["stage"], stage) for stage in result["stages"]]
        rows += [(f"night {stage['stage']}", stage) for stage in night.get("stages", [])]
        for key, name in (("nothing_new_ingest", "ingest again"), ("nothing_new_run", "run again")):
            if night.get(key):
                rows.append((name, night[key]))
        for name, stage in rows:
            inner = stage.get("inner_seconds")
            inner_text = f"{inner:>10.2f}" if inner is not None else "         -"
            stage_cpu = stage.get("inner_cpu_seconds")
            if stage_cpu is not None:
                stage_cpu += stage.get("prefect_server_inner_cpu_seconds", 0)
            stage_cpu_text = f"{stage_cpu:>12.1f}" if stage_cpu is not None else "           -"
            print(
                f"{name:<13} {result['articles']:>10} {stage['wall_seconds']:>10.1f}"
                f" {inner_text} {stage['cpu_seconds']:>10.1f} {stage_cpu_text}"
                f" {stage['peak_rss_mb']:>9.0f} {ratio_text(stage, floor_seconds)}"
            )
            if "prefect_server_inner_cpu_seconds" in stage:
                print(f"    {cpu_split(stage)}")
        queries = next((s for s in result["stages"] if s["stage"] == "queries"), {})
        for name, seconds in queries.get("median_seconds", {}).items():
            print(f"  query {name:<38} {seconds * 1000:>8.0f} ms median")
        if night:
            run = night.get("nothing_new_run") or {}
            end_to_end = f", `copydesk run` {run['wall_seconds']} s end to end" if run else ""
            print(
                f"  next night of {night['articles']}: {night['total_stage_seconds']} s of stages;"
                f" nothing new: ingest {night['nothing_new_ingest']['wall_seconds']} s{end_to_end}"
            )
        rows = {}
        for stage in result["stages"]:
            rows.update(stage.get("rows", {}))
        for model in PAIR_MODELS:
            if model in result["model_seconds"]:
                print(
                    f"  {model:<40} {result['model_seconds'][model]:>8.1f} s"
                    f" {rows.get(model, 0):>10} pairs"
                )
        print(f"  slowest models at {result['articles']}:")
        for row in result["slowest_models"]:
            print(f"    {row['model']:<40} {row['seconds']:>8.1f} s")
        print(f"  targets (set for 1M documents and 100k onto them), at {result['articles']}:")
        for check in result.get("targets") or target_checks(result):
            verdict = "met" if check["met"] else f"MISSED: {check['times_the_limit']}x the limit"
            print(
                f"    {check['target']:<30} {check['measured']:>10.2f}"
                f"  (limit {check['limit']:g})  {verdict}"
            )


def merge_results(path: Path, section: str, result: dict) -> None:
    """Merge one size's result into path under section.<articles>, keeping every other key."""
    existing = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    existing.setdefault(section, {})[str(result["articles"])] = result
    path.write_text(json.dumps(existing, indent=2, default=str) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        return run_child(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[10_000])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the temp corpus and warehouse")
    parser.add_argument("--stage-timeout", type=float, default=None, help="seconds per stage")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--report", type=Path, help="print the table and targets of a results file, run nothing"
    )
    parser.add_argument(
        "--night", type=int, default=0, help="then a next night of this many documents onto it"
    )
    parser.add_argument(
        "--warm-cache",
        action="store_true",
        help="read the raw files hot from synth's writing (default: dropped from the page cache)",
    )
    parser.add_argument(
        "--memory-limit",
        default="12GB",
        help="COPYDESK_MEMORY_LIMIT for every stage ('' for DuckDB's default: 80%% RAM)",
    )
    parser.add_argument(
        "--max-temp", default="20GB", help="DuckDB max_temp_directory_size ('' for its default)"
    )
    args = parser.parse_args(argv)
    global WARM_CACHE
    WARM_CACHE = args.warm_cache
    # A shared machine: a model that blows up must fail, not take all memory and disk.
    limits = {"memory_limit": args.memory_limit, "max_temp_directory_size": args.max_temp}
    os.environ["COPYDESK_MEMORY_LIMIT"] = args.memory_limit
    os.environ["COPYDESK_SETTLE_SECONDS"] = "0"  # synth's files are seconds old
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # not a line per task run
    quiet_environment()
    os.environ["COPYDESK_SCALE_DUCKDB"] = json.dumps({"max_temp_directory_size": args.max_temp})
    version = code_version()
    if version["uncommitted"]:
        print(f"measuring uncommitted changes: {version['uncommitted']}")
    if args.report:
        print_table(json.loads(args.report.read_text())["results"])
        return 0
    results = [
        run_size(n, args.seed, args.keep, args.stage_timeout, args.night) for n in args.articles
    ]
    for result in results:
        add_floor_ratios(result)
        result["targets"] = target_checks(result)
    print_table(results)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "code": version,
        "duckdb_limits": limits,
        "page_cache": "warm" if args.warm_cache else "raw files dropped before each ingest",
        "note": "wall times are noisy when other work runs on the machine",
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    for result in results:  # beside the side-by-side results, with this run's context
        context = {
            key: report[key]
            for key in ("measured_at", "machine", "code", "duckdb_limits", "page_cache")
        }
        merge_results(RESULTS, "scale", {**context, **result})
    print(f"\nwritten to {args.out} and {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
