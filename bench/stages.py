"""The scale bench's children: one stage each (ingest, a layer, gates, publish, reports), reporting
JSON."""

from __future__ import annotations

import json
import os
import resource
import time
from datetime import UTC, datetime
from pathlib import Path

LAYERS = ("staging", "intermediate", "marts")
RUN_ID = "scale"


# Set for a next night's layers: they update the warehouse as a nightly run does (flows.nightly).
UPDATE_VARIABLE = "COPYDESK_BENCH_UPDATE"


def child_ingest(raw: Path, data: Path) -> dict:
    """The nightly flow's ingest stage (flows.ingest): the Prefect subflow, its task runner (the
    COPYDESK_TASK_RUNNER a night would use) and the Prefect server it reports to, as a night runs
    it. Timing copydesk.ingest alone left out the Prefect side, about a third of the stage's CPU."""
    from dataclasses import replace

    from copydesk.settings import Settings
    from flows.ingest import ingest_raw_dumps

    # A run of its own for the next night (its folder is night/raw): lake files are named by run,
    # and a second run under the first one's id would replace the first night's files.
    night = raw.parent.name == "night"
    now = datetime(2025, 7, 2 if night else 1, 2, tzinfo=UTC)
    settings = replace(Settings.from_env(str(raw), str(data)), settle_seconds=0)
    report = ingest_raw_dumps(settings, run_id_for(raw), now)
    lake = data / "lake" / "documents"
    return {
        "documents_new": report.documents_new,
        "documents_duplicate": report.documents_duplicate,
        "records_bad": report.records_bad,
        "files_unchanged": report.files_unchanged,
        "lake_bytes": sum(p.stat().st_size for p in lake.rglob("*.parquet")),
    }


def start_prefect_server() -> dict:
    """Import Prefect and start the temporary Prefect server the ingest flow reports to, before
    the stage's clock starts: in a night the nightly flow has started both already. Returns the
    server's pid (None with PREFECT_API_URL set: a server of someone else's) and its start."""
    from prefect.server.api.server import SubprocessASGIServer
    from prefect.settings import PREFECT_API_URL

    import flows.ingest  # noqa: F401  (Prefect's imports: about 2.4 s of CPU)

    if PREFECT_API_URL.value():
        return {"pid": None}
    started = time.perf_counter()
    server = SubprocessASGIServer()
    server.start()
    assert server.server_process is not None
    return {"pid": server.server_process.pid, "seconds": time.perf_counter() - started}


def stop_prefect_server() -> None:
    """Stop (and reap) the temporary server, so its CPU counts in this process's children."""
    from prefect.server.api.server import SubprocessASGIServer

    server = SubprocessASGIServer()
    if server.running:
        server.stop()


def process_cpu_seconds(pid: int | None) -> float:
    """User + system CPU of a running process so far, from /proc (Linux); 0 when it is gone."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the command's closing parenthesis: utime and stime are the 12th and 13th fields.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """CPU of this process (every thread) and of the children it has reaped."""
    me, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return me.ru_utime + me.ru_stime + children.ru_utime + children.ru_stime


def evict_page_cache(folder: Path) -> int:
    """Drop a folder's files from the page cache (theirs only, not the machine's), so a stage
    reads them from disk as a night reads files crawled hours before, not hot from synth's
    writing; at 100k a cold read cost 50% more ingest CPU (system time). Returns the files."""
    count = 0
    for directory, _, names in os.walk(folder):
        for name in names:
            try:
                descriptor = os.open(os.path.join(directory, name), os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_DONTNEED)
                count += 1
            finally:
                os.close(descriptor)
    return count


# Set for the night's folder ingested again: a run of its own, as every night is. Under the night's
# id it wrote lake/files/<day>/scale-night.parquet again, with only the files it read (the two that
# only quarantined), and a later run took the 8,032 others as never read (100k + 10k).
RUN_ID_VARIABLE = "COPYDESK_BENCH_RUN_ID"


def run_id_for(raw: Path) -> str:
    """The run a stage belongs to: the first night's, or the next night's (folder night/raw)."""
    if os.environ.get(RUN_ID_VARIABLE):
        return os.environ[RUN_ID_VARIABLE]
    return f"{RUN_ID}-night" if raw.parent.name == "night" else RUN_ID


def child_layer(raw: Path, data: Path, layer: str, progress: Path) -> dict:

    from copydesk.settings import Settings
    from copydesk.warehouse.build import build_models, record_new_documents
    from copydesk.warehouse.connection import drop_sources, open_warehouse_file, register_sources
    from copydesk.warehouse.models import load_models

    settings = Settings(raw_dir=raw, data_dir=data)
    update = os.environ.get(UPDATE_VARIABLE) == "1"
    models = [model for model in load_models() if model.layer == layer]
    # In the storage format a nightly run writes, as everything here is what a night does.
    conn = open_warehouse_file(data / "warehouse.duckdb", duckdb_limits())
    timings = {}
    cpu_timings = {}  # the process's CPU seconds, every DuckDB thread counted: steadier than wall
    rows = {}
    try:
        register_sources(conn, settings)
        if layer == "staging":
            rows["build.new_documents"] = record_new_documents(conn)
        for model in models:
            note(progress, {"started": model.table})
            started, cpu_started = time.perf_counter(), time.process_time()
            rows.update(build_models(conn, [model], incremental=update))
            timings[model.table] = round(time.perf_counter() - started, 3)
            cpu_timings[model.table] = round(time.process_time() - cpu_started, 3)
            note(progress, {"model": model.table, "seconds": timings[model.table]})
        drop_sources(conn)
        conn.execute("checkpoint")
    finally:
        conn.close()
    return {
        "models": timings,
        "model_cpu_seconds": cpu_timings,
        "rows": rows,
        "warehouse_bytes": (data / "warehouse.duckdb").stat().st_size,
    }


def duckdb_limits() -> dict:
    """Memory and spill limits from the parent (empty: DuckDB's defaults, as a nightly run),
    the memory limit through the setting a nightly run reads (COPYDESK_MEMORY_LIMIT)."""
    from copydesk.settings import Settings

    limits = json.loads(os.environ.get("COPYDESK_SCALE_DUCKDB", "{}"))
    limits.update(Settings.from_env().duckdb_config())
    return {key: value for key, value in limits.items() if value}


def note(progress: Path, event: dict) -> None:
    """One line per model started and finished, so a killed stage still tells where it was."""
    with progress.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(event) + "\n")


def child_floor(raw: Path, data: Path) -> dict:
    import duckdb

    conn = duckdb.connect()
    pattern = str(data / "lake" / "documents" / "*" / "*.parquet")
    count, chars = conn.execute(
        "select count(*), sum(length(text)) from read_parquet(?)", [pattern]
    ).fetchall()[0]
    conn.close()
    return {"documents": count, "text_chars": int(chars or 0)}


def child_gates(raw: Path, data: Path) -> dict:
    """Every stage's expectation suites on the built warehouse, as a nightly run checks them."""

    from copydesk.quality.gates import validate_stage
    from copydesk.quality.gx_context import QualityContext
    from copydesk.settings import EXPECTATIONS_DIR, Settings
    from copydesk.warehouse.connection import drop_sources, open_warehouse_file, register_sources

    conn = open_warehouse_file(data / "warehouse.duckdb", duckdb_limits())
    seconds, cpu, passed, rows = {}, {}, {}, {}
    try:
        register_sources(conn, Settings(raw_dir=raw, data_dir=data))
        quality = QualityContext(data / "quality")
        for stage in ("ingest", "staging", "marts"):
            started, started_cpu = time.perf_counter(), time.process_time()
            # The lake's suite checks the rows of this run: the next night's, not the first's.
            results = validate_stage(conn, stage, run_id_for(raw), quality, EXPECTATIONS_DIR)
            seconds[stage] = round(time.perf_counter() - started, 3)
            # Every thread of this process (DuckDB's and pandas'): the figure a busy machine
            # moves least.
            cpu[stage] = round(time.process_time() - started_cpu, 3)
            passed.update({result.suite: result.passed for result in results})
            rows.update({result.suite: result.rows_checked for result in results})
        drop_sources(conn)
    finally:
        conn.close()
    return {
        "gate_seconds": seconds,
        "gate_cpu_seconds": cpu,
        "suites_passed": passed,
        "rows_checked": rows,
    }


def child_publish(raw: Path, data: Path) -> dict:
    """Checkpoint the built file and publish it as the nightly flow does, recording the
    generation, so a later `copydesk run` with nothing new finds it up to date."""

    from copydesk.settings import Settings
    from copydesk.warehouse.build import drop_build_tables
    from copydesk.warehouse.connection import open_warehouse_file
    from copydesk.warehouse.publishing import publish_generation
    from flows.nightly import count_outcomes

    settings = Settings(raw_dir=raw, data_dir=data)
    run_id = run_id_for(raw)
    building = settings.building_path(run_id)
    os.replace(data / "warehouse.duckdb", building)
    counts = count_outcomes.fn(settings, run_id)
    counts.pop("inputs")
    conn = open_warehouse_file(building)
    drop_build_tables(conn)
    conn.execute("checkpoint")
    conn.close()
    publish_generation(settings, run_id, counts, full_build_at="")
    return {"warehouse_bytes": settings.warehouse_path.stat().st_size}


def child_reports(raw: Path, data: Path) -> dict:
    """Rebuild the Data Docs and the quality dashboard for the published generation, as the
    nightly flow does after publishing (copydesk.quality.reports)."""
    from copydesk.quality.reports import build_reports
    from copydesk.settings import Settings

    warnings: list[str] = []
    docs, dashboard = build_reports(Settings(raw_dir=raw, data_dir=data), warnings.append)
    return {"data_docs": docs, "dashboard": dashboard, "warnings": warnings}


# Typical analyst questions on the published warehouse, each through a fresh read-only connection
# as `copydesk sql` opens one.
ADHOC_QUERIES = {
    "articles per day": """
        select published_date, count(*) from articles
        group by all order by 1 desc limit 30""",
    "one outlet's latest articles": """
        select article_id, title, published_date from articles
        where outlet = (select outlet from articles group by outlet order by count(*) desc limit 1)
        order by published_date desc limit 50""",
    "biggest stories": """
        select * from fct_stories order by outlet_count desc, articles desc limit 20""",
    "repaired dates": """
        select date_source, count(*) from articles group by all""",
    "full-text search": """
        select count(*) from articles where body ilike '%ministry%'""",
    # The README's idiom for the same question: DuckDB's ilike lowercases every body first.
    "full-text search, regexp_matches": """
        select count(*) from articles
        where regexp_matches(body, '(?i)ministry')""",
    "copies of a wire": """
        select wire_agency, count(*), count(distinct copy_group_id) from articles
        group by all order by 2 desc""",
}


# The two scans of every body the search mart answers instead (`copydesk search`): measured beside
# it, as the baseline, and left out of the ad-hoc query target (bench/scale.py).
BODY_SCANS = ("full-text search", "full-text search, regexp_matches")

# `copydesk search` through the article_terms mart: 1, 2 and 3 words, ranked, the first 20.
SEARCHES = {
    "search, 1 word": "ministry",
    "search, 2 words": "ministry officials",
    "search, 3 words": "ministry officials region",
}


def child_copy(raw: Path, data: Path) -> dict:
    """The byte copy of the published warehouse a nightly update starts from, made as the nightly
    flow makes it (copydesk.warehouse.background_copy) while the night's ingest runs."""
    from copydesk.warehouse.background_copy import BackgroundCopy

    started = time.perf_counter()
    BackgroundCopy(data / "warehouse.duckdb", data / "warehouse.copy.duckdb").wait()
    seconds = time.perf_counter() - started
    (data / "warehouse.copy.duckdb").unlink()  # the night goes on updating warehouse.duckdb
    return {
        "copy_seconds": round(seconds, 3),
        "warehouse_bytes": (data / "warehouse.duckdb").stat().st_size,
    }


def child_queries(raw: Path, data: Path) -> dict:
    """Median latency of each ad-hoc query over five runs, a fresh connection each time."""
    from statistics import median

    from copydesk.search import search
    from copydesk.warehouse.connection import read_only_connection

    latencies = {}
    for name, sql in ADHOC_QUERIES.items():
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            conn = read_only_connection(data / "warehouse.duckdb")
            conn.execute(sql).fetchall()
            conn.close()
            runs.append(time.perf_counter() - started)
        latencies[name] = round(median(runs), 4)
    for name, words in SEARCHES.items():
        runs = []
        for _ in range(5):
            started = time.perf_counter()
            conn = read_only_connection(data / "warehouse.duckdb", macros=True)
            search(conn, words, 20).fetchall()
            conn.close()
            runs.append(time.perf_counter() - started)
        latencies[name] = round(median(runs), 4)
    return {"median_seconds": latencies}


def child_run(raw: Path, data: Path) -> dict:
    """`copydesk run` on a folder with nothing new, end to end: the listing, the plan and the
    run's record (copydesk/nothing_new.py: the nightly flow and its Prefect server never start)."""
    from copydesk.cli import main
    from copydesk.settings import Settings
    from copydesk.warehouse.generations import published_state

    settings = Settings(raw_dir=raw, data_dir=data)
    before = published_state(settings)
    code = main(["run", "--raw", str(raw), "--data", str(data)])
    after = published_state(settings)
    if code != 0:
        raise SystemExit(code)
    published = before is not None and after is not None
    return {"published_nothing": published and before.run_id == after.run_id}


def run_child(argv: list[str]) -> int:
    stage, raw, data, result = argv[0], Path(argv[1]), Path(argv[2]), Path(argv[3])
    server = start_prefect_server() if stage == "ingest" else {"pid": None}
    if stage == "publish":
        import flows.nightly  # noqa: F401  (for count_outcomes: Prefect's imports, not publishing)
    started = time.perf_counter()
    cpu_before = own_cpu_seconds()
    server_before = process_cpu_seconds(server["pid"])
    if stage == "ingest":
        details = child_ingest(raw, data)
    elif stage == "floor":
        details = child_floor(raw, data)
    elif stage == "gates":
        details = child_gates(raw, data)
    elif stage == "publish":
        details = child_publish(raw, data)
    elif stage == "reports":
        details = child_reports(raw, data)
    elif stage == "queries":
        details = child_queries(raw, data)
    elif stage == "copy":
        details = child_copy(raw, data)
    elif stage == "run":
        details = child_run(raw, data)
    else:
        details = child_layer(raw, data, stage, result.with_suffix(".progress.jsonl"))
    details["inner_seconds"] = round(time.perf_counter() - started, 3)
    # The stage's CPU in the same window as inner_seconds: this process (threads included) and
    # the Prefect server it reports to, which lives in another process.
    details["inner_cpu_seconds"] = round(own_cpu_seconds() - cpu_before, 2)
    if server["pid"] is not None:
        details["prefect_server_inner_cpu_seconds"] = round(
            process_cpu_seconds(server["pid"]) - server_before, 2
        )
        details["prefect_start_seconds"] = round(server["seconds"], 2)
        stop_prefect_server()
    # Over the process's life: this process, and its children reaped (a Prefect server).
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    details["own_cpu_seconds"] = round(me.ru_utime + me.ru_stime, 2)
    details["children_cpu_seconds"] = round(children.ru_utime + children.ru_stime, 2)
    result.write_text(json.dumps(details))
    return 0
