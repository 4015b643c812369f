"""The `copydesk` command: run the nightly flow, query the warehouse, describe its tables."""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from copydesk.settings import Settings, quiet_environment


def main(argv: list[str] | None = None) -> int:
    quiet_environment()
    parser = argparse.ArgumentParser(prog="copydesk", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run the nightly pipeline once, now")
    run.add_argument("--raw", help="folder of raw dumps (default data/raw or $COPYDESK_RAW)")
    run.add_argument("--data", help="data folder for lake and warehouse (default data/)")
    run.add_argument(
        "--full",
        action="store_true",
        help="rebuild every table from the lake instead of updating the published warehouse"
        " with the night's new documents ($COPYDESK_FULL_REBUILD=1 does the same)",
    )

    sql = commands.add_parser("sql", help="run read-only SQL on the published warehouse")
    sql.add_argument("query", nargs="?", help="the SQL; omit to read it from --file or stdin")
    sql.add_argument("--file", "-f", type=Path, help="read the SQL from this file")
    sql.add_argument("--data", help="data folder holding warehouse.duckdb")
    sql.add_argument("--format", choices=("table", "csv", "json", "parquet"), default="table")
    sql.add_argument("--output", "-o", type=Path, help="write the result to this file, not stdout")
    sql.add_argument("--max-rows", type=int, default=40, help="rows shown in table format")

    search = commands.add_parser(
        "search",
        help="articles holding every word, rarest-word matches first, then newest (read-only)",
    )
    search.add_argument("words", help='the words, in one argument: "trade ministry talks"')
    search.add_argument("--data", help="data folder holding warehouse.duckdb")
    search.add_argument("--limit", type=int, default=20, help="articles shown (default 20)")
    search.add_argument("--format", choices=("table", "csv", "json"), default="table")
    search.add_argument("--output", "-o", type=Path, help="write the result to this file")

    schema = commands.add_parser("schema", help="list published tables and columns with meanings")
    schema.add_argument("--data", help="data folder holding warehouse.duckdb")
    schema.add_argument(
        "--markdown", action="store_true", help="print the reference page docs/warehouse.md"
    )

    serve = commands.add_parser(
        "serve", help="serve the nightly run as a Prefect deployment on a schedule, until stopped"
    )
    serve.add_argument("--raw", help="folder of raw dumps (default data/raw or $COPYDESK_RAW)")
    serve.add_argument("--data", help="data folder for lake and warehouse (default data/)")
    serve.add_argument(
        "--cron", help="when to run, in cron syntax (default '0 2 * * *' or $COPYDESK_SCHEDULE)"
    )
    serve.add_argument(
        "--timezone", help="IANA time zone of the schedule (default UTC or $COPYDESK_TIMEZONE)"
    )
    serve.add_argument("--name", default="copydesk-nightly", help="the deployment's name")

    status = commands.add_parser(
        "status",
        help="the last run, the published warehouse's age and the next scheduled run;"
        " exit 1 when unhealthy",
    )
    status.add_argument("--data", help="data folder holding the lake and warehouse.duckdb")
    status.add_argument(
        "--name", default="copydesk-nightly", help="the deployment whose next run to show"
    )

    rollback = commands.add_parser(
        "rollback", help="restore the previous warehouse generation (again: undo the rollback)"
    )
    rollback.add_argument("--data", help="data folder holding warehouse.duckdb")

    dashboard = commands.add_parser(
        "dashboard", help="rebuild the quality dashboard; --serve shows it on http://127.0.0.1"
    )
    dashboard.add_argument("--data", help="data folder holding warehouse.duckdb and quality/")
    dashboard.add_argument("--serve", action="store_true", help="serve it until interrupted")
    dashboard.add_argument("--port", type=int, default=8765, help="port for --serve (0: any)")

    synth = commands.add_parser(
        "synth", help="write a synthetic night of raw dumps (for benchmarks and tests)"
    )
    synth.add_argument("--articles", type=int, required=True, help="documents, copies included")
    synth.add_argument("--out", type=Path, required=True, help="folder: raw/ and truth.jsonl")
    synth.add_argument("--seed", type=int, default=7, help="the same seed writes the same bytes")

    args = parser.parse_args(argv)
    handler = {
        "run": command_run,
        "sql": command_sql,
        "search": command_search,
        "schema": command_schema,
        "rollback": command_rollback,
        "status": command_status,
        "serve": command_serve,
        "dashboard": command_dashboard,
        "synth": command_synth,
    }[args.command]
    return handler(args)


def command_run(args) -> int:
    from copydesk import progress

    if sys.stderr.isatty():
        # A live line per stage instead of Prefect's log lines; warnings and errors still show.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        progress.install(progress.Progress(sys.stderr, live=True))
    from copydesk.quality.gates import GateFailed
    from copydesk.warehouse.runs import RunRefused
    from flows.nightly import nightly

    try:
        summary = nightly(raw_dir=args.raw, data_dir=args.data, full_rebuild=args.full)
    except RunRefused as refused:
        print(f"copydesk: {refused}", file=sys.stderr)
        return 2
    except GateFailed as failed:
        print(
            f"copydesk: run stopped by a quality gate; nothing was published.\n{failed}",
            file=sys.stderr,
        )
        return 1
    print_summary(summary)
    gc.collect()
    return 0


def print_summary(summary) -> None:
    ingest, counts = summary.ingest, summary.counts
    print(f"\nCopydesk run {summary.run_id}: {summary.status}")
    if summary.status == "nothing_new":
        print(f"  {summary.message}")
    print(
        f"  files listed       {ingest['files_listed']:>6}  (accepted {ingest['files_accepted']},"
        f" quarantined {ingest['files_quarantined']}, skipped {ingest['files_skipped']},"
        f" duplicate {ingest['files_duplicate']}, unchanged since read"
        f" {ingest.get('files_unchanged', 0)})"
    )
    inputs = getattr(summary, "inputs", {})
    print(
        f"  inputs             {sum(inputs.values()):>6}  ("
        + ", ".join(f"{outcome} {count}" for outcome, count in inputs.items())
        + "; one row each in the inputs table)"
    )
    if summary.build:
        print(f"  build              {summary.build}")
    print(f"  articles published {counts['articles']:>6}  (+ {counts['fragments']} fragments)")
    print(f"  dates repaired     {counts['dates_repaired']:>6}")
    print(f"  rows quarantined   {counts['quarantined']:>6}")
    print("  gates:")
    width = max((len(gate["suite"]) for gate in summary.gates), default=0)
    for gate in summary.gates:
        verdict = "passed" if gate["passed"] else "FAILED"
        print(
            f"    {gate['suite']:<{width}} {gate['stage']:<8} {verdict}"
            f"  ({gate['expectations']} expectations, {gate['rows_checked']} rows)"
        )
        for warning in gate["warnings"]:
            print(f"      warning: {warning}")
    for notice in getattr(summary, "notices", []):
        print(f"  notice: {notice}")
    print(f"  warehouse          {summary.warehouse}")
    print(f"  quality report     {summary.dashboard or summary.quality_report}")
    if summary.dashboard:
        print(f"  data docs          {summary.quality_report}")


def read_query(args) -> str:
    if args.query:
        return args.query
    if args.file:
        return args.file.read_text(encoding="utf-8")
    if not sys.stdin.isatty():
        return sys.stdin.read()
    raise SystemExit("copydesk sql: give a query, --file FILE, or SQL on stdin")


def command_sql(args) -> int:
    import duckdb

    from copydesk.warehouse.connection import read_only_connection

    settings = Settings.from_env(data_dir=args.data)
    query = read_query(args)
    try:
        conn = read_only_connection(settings.warehouse_path)
    except FileNotFoundError as missing:
        print(f"copydesk sql: {missing}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    if args.format == "parquet":
        return write_parquet(conn, query, args.output)
    try:
        with conn:
            cursor = conn.execute(query)
            if cursor.description is None:
                cursor.fetchall()
                print("ok")
                return 0
            names = [column[0] for column in cursor.description]
            types = [str(column[1]) for column in cursor.description]
            rows = cursor.fetchall()
    except duckdb.Error as error:
        print(f"copydesk sql: {error}", file=sys.stderr)
        return 1
    print_rows(names, types, rows, args, time.perf_counter() - started)
    return 0


def command_search(args) -> int:
    import duckdb

    from copydesk.search import NoSearchTerms, search
    from copydesk.warehouse.connection import read_only_connection

    settings = Settings.from_env(data_dir=args.data)
    try:
        conn = read_only_connection(settings.warehouse_path, macros=True)
    except FileNotFoundError as missing:
        print(f"copydesk search: {missing}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        with conn:
            cursor = search(conn, args.words, args.limit)
            names = [column[0] for column in cursor.description]
            types = [str(column[1]) for column in cursor.description]
            rows = cursor.fetchall()
    except NoSearchTerms as empty:
        print(f"copydesk search: {empty}", file=sys.stderr)
        return 2
    except duckdb.CatalogException as error:
        # A warehouse published before the search mart: the next night is a full build.
        print(f"copydesk search: {error} (run `copydesk run --full` to build it)", file=sys.stderr)
        return 1
    except duckdb.Error as error:
        print(f"copydesk search: {error}", file=sys.stderr)
        return 1
    args.max_rows = len(rows)
    print_rows(names, types, rows, args, time.perf_counter() - started)
    return 0


def print_rows(names: list[str], types: list[str], rows: list[tuple], args, elapsed: float) -> None:
    """A result as `--format` says, to stdout or `--output`, as `copydesk sql` prints it."""
    with output_stream(args.output) as out:
        if args.format == "csv":
            writer = csv.writer(out)
            writer.writerow(names)
            writer.writerows(rows)
        elif args.format == "json":
            json.dump(
                [dict(zip(names, row, strict=True)) for row in rows],
                out,
                default=str,
                ensure_ascii=False,
                indent=2,
            )
            print(file=out)
        else:
            max_rows = args.max_rows if args.output is None else len(rows)
            print(render_table(names, types, rows, max_rows), file=out)
            print(
                f"{len(rows)} row{'s' if len(rows) != 1 else ''} in {elapsed * 1000:.0f} ms",
                file=out,
            )
    if args.output is not None:
        print(
            f"{len(rows)} row{'s' if len(rows) != 1 else ''} written to {args.output}",
            file=sys.stderr,
        )


@contextmanager
def output_stream(path: Path | None):
    """stdout, or the --output file (written whole, then moved into place)."""
    if path is None:
        yield sys.stdout
        return
    temporary = path.with_name(f".{path.name}.tmp")
    with open(temporary, "w", encoding="utf-8", newline="") as out:
        yield out
    os.replace(temporary, path)


def write_parquet(conn, query: str, output: Path | None) -> int:
    """The result as Parquet, written with pyarrow: the read-only connection may not write files."""
    import duckdb
    import pyarrow.parquet as pq

    if output is None and sys.stdout.isatty():
        print(
            "copydesk sql: Parquet is binary; give --output FILE or redirect stdout",
            file=sys.stderr,
        )
        return 2
    try:
        with conn:
            relation = conn.sql(query)
            if relation is None:
                print("copydesk sql: the statement returns no rows to write", file=sys.stderr)
                return 1
            table = relation.to_arrow_table()
    except duckdb.Error as error:
        print(f"copydesk sql: {error}", file=sys.stderr)
        return 1
    if output is None:
        sys.stdout.flush()
        pq.write_table(table, sys.stdout.buffer)
        sys.stdout.buffer.flush()
    else:
        temporary = output.with_name(f".{output.name}.tmp")
        pq.write_table(table, temporary)
        os.replace(temporary, output)
        print(
            f"{table.num_rows} row{'s' if table.num_rows != 1 else ''} written to {output}",
            file=sys.stderr,
        )
    return 0


def render_table(names: list[str], types: list[str], rows: list[tuple], max_rows: int) -> str:
    """A plain text table with each column's name and type; long values are cut."""
    shown = [[cell_text(value) for value in row] for row in rows[:max_rows]]
    headers = [names, [t.lower() for t in types]]
    widths = [max(len(line[i]) for line in headers + shown) for i in range(len(names))]

    def line(cells):
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    out = [line(names), line(headers[1]), "-+-".join("-" * w for w in widths)]
    out += [line(cells) for cells in shown]
    if len(rows) > max_rows:
        out.append(f"... {len(rows) - max_rows} more rows (use --max-rows, or --format csv)")
    return "\n".join(out)


def cell_text(value, limit: int = 60) -> str:
    text = "NULL" if value is None else str(value).replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def command_dashboard(args) -> int:
    from copydesk.quality.dashboard import build_dashboard, serve

    settings = Settings.from_env(data_dir=args.data)
    index = build_dashboard(settings)
    print(f"quality dashboard: {index}")
    docs = settings.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"
    if docs.exists():
        print(f"data docs:         {docs}")
    if args.serve:
        serve(settings.quality_dir, args.port)
    return 0


def command_serve(args) -> int:
    from dataclasses import replace

    from flows.schedule import ScheduleError, ServeRefused, serve_nightly

    settings = Settings.from_env(args.raw, args.data)
    settings = replace(
        settings,
        schedule_cron=args.cron or settings.schedule_cron,
        timezone=args.timezone or settings.timezone,
    )
    try:
        serve_nightly(settings, args.name)
    except (ScheduleError, ServeRefused) as error:
        print(f"copydesk serve: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("copydesk serve: stopped", file=sys.stderr)
    return 0


def command_status(args) -> int:
    from copydesk.status import status

    report = status(Settings.from_env(data_dir=args.data), f"nightly/{args.name}")
    print("\n".join(report.lines))
    return 1 if report.problems else 0


def command_rollback(args) -> int:
    from copydesk.warehouse.generations import RollbackRefused, rollback
    from copydesk.warehouse.runs import RunRefused, run_lock

    settings = Settings.from_env(data_dir=args.data)
    try:
        with run_lock(settings):
            print(rollback(settings))
    except (RunRefused, RollbackRefused) as refused:
        print(f"copydesk rollback: {refused}", file=sys.stderr)
        return 2
    return 0


def command_schema(args) -> int:
    from copydesk.warehouse.connection import read_only_connection
    from copydesk.warehouse.schema import describe, markdown

    settings = Settings.from_env(data_dir=args.data)
    with read_only_connection(settings.warehouse_path) as conn:
        tables = describe(conn)
    if args.markdown:
        print(markdown(tables), end="")
        return 0
    for table in tables:
        print(f"\n{table.name}\n  {table.comment}")
        for column in table.columns:
            print(f"    {column.name:<22} {column.type:<12} {column.comment}")
    return 0


def command_synth(args) -> int:
    from copydesk.synth import synth

    print(json.dumps(synth(args.articles, args.out, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
