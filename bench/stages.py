"""The scale bench's children: one stage each (ingest, a layer, gates, publish), reporting JSON."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

LAYERS = ("staging", "intermediate", "marts")
RUN_ID = "scale"


# Set for a next night's layers: they update the warehouse as a nightly run does (flows.nightly).
UPDATE_VARIABLE = "COPYDESK_BENCH_UPDATE"


def child_ingest(raw: Path, data: Path) -> dict:
    from copydesk.ingest.commit import ingest

    # A run of its own for the next night (its folder is night/raw): lake files are named by run,
    # and a second run under the first one's id would replace the first night's files.
    night = raw.parent.name == "night"
    run_id = run_id_for(raw)
    now = datetime(2025, 7, 2 if night else 1, 2, tzinfo=UTC)
    report = ingest(raw, data / "lake", run_id, now=now)
    lake = data / "lake" / "documents"
    return {
        "documents_new": report.documents_new,
        "documents_duplicate": report.documents_duplicate,
        "records_bad": report.records_bad,
        "lake_bytes": sum(p.stat().st_size for p in lake.rglob("*.parquet")),
    }


def run_id_for(raw: Path) -> str:
    """The run a stage belongs to: the first night's, or the next night's (folder night/raw)."""
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
    timings, cpu_timings = {}, {}
    rows = {}
    try:
        register_sources(conn, settings)
        if layer == "staging":
            rows["build.new_documents"] = record_new_documents(conn)
        for model in models:
            note(progress, {"started": model.table})
            started, started_cpu = time.perf_counter(), time.process_time()
            rows.update(build_models(conn, [model], incremental=update))
            timings[model.table] = round(time.perf_counter() - started, 3)
            # CPU seconds of every thread: steadier than wall time on a shared machine.
            cpu_timings[model.table] = round(time.process_time() - started_cpu, 3)
            note(progress, {"model": model.table, "seconds": timings[model.table]})
        drop_sources(conn)
        conn.execute("checkpoint")
    finally:
        conn.close()
    return {
        "models": timings,
        "model_cpu": cpu_timings,
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
    seconds, passed = {}, {}
    try:
        register_sources(conn, Settings(raw_dir=raw, data_dir=data))
        quality = QualityContext(data / "quality")
        for stage in ("ingest", "staging", "marts"):
            started = time.perf_counter()
            # The lake's suite checks the rows of this run: the next night's, not the first's.
            results = validate_stage(conn, stage, run_id_for(raw), quality, EXPECTATIONS_DIR)
            seconds[stage] = round(time.perf_counter() - started, 3)
            passed.update({result.suite: result.passed for result in results})
        drop_sources(conn)
    finally:
        conn.close()
    return {"gate_seconds": seconds, "suites_passed": passed}


def child_publish(raw: Path, data: Path) -> dict:
    """Checkpoint the built file and swap it in as the published warehouse."""

    from copydesk.settings import Settings
    from copydesk.warehouse.build import drop_build_tables
    from copydesk.warehouse.connection import open_warehouse_file
    from copydesk.warehouse.publishing import swap_in

    settings = Settings(raw_dir=raw, data_dir=data)
    building = settings.building_path(run_id_for(raw))
    os.replace(data / "warehouse.duckdb", building)
    conn = open_warehouse_file(building)
    drop_build_tables(conn)
    conn.execute("checkpoint")
    conn.close()
    swap_in(building, settings)
    return {"warehouse_bytes": settings.warehouse_path.stat().st_size}


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


def run_child(argv: list[str]) -> int:
    stage, raw, data, result = argv[0], Path(argv[1]), Path(argv[2]), Path(argv[3])
    started = time.perf_counter()
    if stage == "ingest":
        details = child_ingest(raw, data)
    elif stage == "floor":
        details = child_floor(raw, data)
    elif stage == "gates":
        details = child_gates(raw, data)
    elif stage == "publish":
        details = child_publish(raw, data)
    elif stage == "queries":
        details = child_queries(raw, data)
    elif stage == "copy":
        details = child_copy(raw, data)
    else:
        details = child_layer(raw, data, stage, result.with_suffix(".progress.jsonl"))
    details["inner_seconds"] = round(time.perf_counter() - started, 3)
    result.write_text(json.dumps(details))
    return 0
