"""The per-document prefix per lake partition against the one-process build, one after the other.

For each size, `copydesk synth` writes a night whose files are dealt into --nights raw folders,
ingested as nights of their own (one lake partition each). Then the whole build (staging,
intermediate, marts) runs three ways on the same lake, each in a child process of its own and one
after the other: in one process (every model timed alone), per partition on a thread pool, and per
partition on a local Dask cluster of single-threaded worker processes. Each way reports its wall
time, the CPU seconds of its process tree, and the split between the fan-out and the rest of the
build; the tables of every way are compared with the one-process build's (EXCEPT ALL both ways).
Results go to bench/out/partitions_results.json and bench/results.json under "partitions".

Usage: python bench/partitions.py --articles 20000 100000 [--nights 4] [--seed S] [--keep]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/partitions.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out" / "partitions_results.json"
RESULTS = ROOT / "bench" / "results.json"
WAYS = ("one-process", "threads", "dask")


def make_lake(articles: int, nights: int, seed: int, folder: Path) -> dict:
    """A synthetic crawl dealt into `nights` raw folders, each ingested as a night of its own."""
    from copydesk.ingest.commit import ingest
    from copydesk.synth import synth

    synth(articles, folder / "synth", seed=seed)
    raw = folder / "synth" / "raw"
    for number, path in enumerate(sorted(p for p in raw.rglob("*") if p.is_file())):
        target = folder / f"night-{number % nights}" / path.relative_to(raw)
        target.parent.mkdir(parents=True, exist_ok=True)
        path.rename(target)
    documents = 0
    for night in range(nights):
        now = datetime(2026, 3, 1 + night, 2, tzinfo=UTC)
        report = ingest(folder / f"night-{night}", folder / "data" / "lake", f"n{night}", now=now)
        documents += report.documents_new
    return {"documents": documents, "nights": nights}


def process_tree_cpu() -> float:
    """CPU seconds (user + system) of this process and its live and reaped children."""
    import resource

    import psutil

    own = resource.getrusage(resource.RUSAGE_SELF)
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime
    for child in psutil.Process().children(recursive=True):
        try:
            times = child.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def child_build(data: Path, way: str) -> dict:
    """One full build of the lake under `data` into data/<way>.duckdb."""
    from copydesk.settings import Settings
    from copydesk.warehouse.build import build_models, record_new_documents
    from copydesk.warehouse.connection import drop_sources, open_warehouse_file, register_sources
    from copydesk.warehouse.models import load_models
    from copydesk.warehouse.partitions import build_partition, loading_sql, plan_partitions

    settings = Settings(data_dir=data)
    models = load_models()
    path = data / f"{way}.duckdb"
    path.unlink(missing_ok=True)
    started, cpu_started = time.perf_counter(), process_tree_cpu()
    conn = open_warehouse_file(path)
    register_sources(conn, settings)
    record_new_documents(conn)
    precomputed: dict[str, str] = {}
    fan_out: dict = {}
    if way != "one-process":
        out = data / f"{way}.features"
        shutil.rmtree(out, ignore_errors=True)
        jobs = plan_partitions(conn, settings.documents_dir, out) or []
        if way == "threads":
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=2) as pool:
                list(pool.map(build_partition, jobs))
        else:
            import distributed

            with (
                distributed.LocalCluster(
                    n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
                ) as cluster,
                distributed.Client(cluster) as client,
            ):
                client.gather(client.map(build_partition, jobs))
                fan_out["cpu_seconds"] = round(process_tree_cpu() - cpu_started, 1)
        fan_out["seconds"] = round(time.perf_counter() - started, 1)
        fan_out.setdefault("cpu_seconds", round(process_tree_cpu() - cpu_started, 1))
        fan_out["partitions"] = len(jobs)
        precomputed = loading_sql(out, models)
    timings = {}
    for model in models:
        model_started, model_cpu = time.perf_counter(), time.process_time()
        build_models(conn, [model], precomputed=precomputed)
        timings[model.table] = (
            round(time.perf_counter() - model_started, 3),
            round(time.process_time() - model_cpu, 3),
        )
    drop_sources(conn)
    conn.close()
    shutil.rmtree(data / f"{way}.features", ignore_errors=True)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(process_tree_cpu() - cpu_started, 1),
        "fan_out": fan_out,
        "models": timings,
        "precomputed": sorted(precomputed),
    }


def differing_tables(first: Path, second: Path) -> list[str]:
    """Tables whose row counts or rows (EXCEPT ALL, both ways) differ between two warehouses."""
    import duckdb

    conn = duckdb.connect()
    conn.execute(f"attach '{first}' as a (read_only)")
    conn.execute(f"attach '{second}' as b (read_only)")
    tables = conn.execute(
        "select schema_name || '.' || table_name from duckdb_tables()"
        " where database_name = 'a' and schema_name <> 'build' order by 1"
    ).fetchall()
    found = []
    for (table,) in tables:
        extra = [
            conn.execute(
                f"select count(*) from (from {x}.{table} except all from {y}.{table})"  # noqa: S608
            ).fetchall()[0][0]
            for x, y in ("ab", "ba")
        ]
        if any(extra):
            found.append(f"{table}: {extra}")
    conn.close()
    return found


def run_size(articles: int, nights: int, seed: int, keep: bool) -> dict:
    folder = Path(tempfile.mkdtemp(prefix=f"copydesk-partitions-{articles}-"))
    try:
        result = {"articles": articles, **make_lake(articles, nights, seed, folder)}
        print(f"{articles}: {result['documents']} documents in {nights} partitions", flush=True)
        for way in WAYS:
            report = folder / f"{way}.json"
            subprocess.run(
                [sys.executable, __file__, "--child", way, str(folder / "data"), str(report)],
                check=True,
            )
            result[way] = json.loads(report.read_text())
            measured = result[way]
            print(
                f"  {way}: {measured['seconds']} s, {measured['cpu_seconds']} CPU s,"
                f" fan-out {measured['fan_out']}",
                flush=True,
            )
        for way in WAYS[1:]:
            result[way]["differing_tables"] = differing_tables(
                folder / "data" / "one-process.duckdb", folder / "data" / f"{way}.duckdb"
            )
            print(f"  {way} differs in: {result[way]['differing_tables'] or 'nothing'}")
        return result
    finally:
        if keep:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[20000])
    parser.add_argument("--nights", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        way, data, report = args.child
        Path(report).write_text(json.dumps(child_build(Path(data), way)))
        return 0
    results = [run_size(n, args.nights, args.seed, args.keep) for n in args.articles]
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    merged = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    merged["partitions"] = {str(r["articles"]): r for r in results}
    RESULTS.write_text(json.dumps(merged, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
