"""The `copydesk` command: run the nightly flow, query the warehouse, describe its tables."""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import sys
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
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
    sql.add_argument(
        "query",
        nargs="?",
        help="the SQL; omit it for a prompt (statements end at ';') or statements on stdin",
    )
    sql.add_argument("--file", "-f", type=Path, help="read the SQL from this file")
    sql.add_argument("--data", help="data folder holding warehouse.duckdb")
    sql.add_argument(
        "--format",
        choices=("table", "csv", "tsv", "json", "parquet"),
        default="table",
        help="csv: RFC 4180, CRLF line ends; tsv: LF line ends, tab/newline/backslash in values"
        " escaped as \\t, \\n, \\\\",
    )
    sql.add_argument("--output", "-o", type=Path, help="write the result to this file, not stdout")
    sql.add_argument("--max-rows", type=int, default=40, help="rows shown in table format")

    search = commands.add_parser(
        "search",
        help="articles holding every word, rarest-word matches first, then newest (read-only)",
    )
    search.add_argument("words", help='the words, in one argument: "trade ministry talks"')
    search.add_argument("--data", help="data folder holding warehouse.duckdb")
    search.add_argument("--limit", type=int, default=20, help="articles shown (default 20)")
    search.add_argument("--format", choices=("table", "csv", "tsv", "json"), default="table")
    search.add_argument("--output", "-o", type=Path, help="write the result to this file")

    schema = commands.add_parser("schema", help="list published tables and columns with meanings")
    schema.add_argument("--data", help="data folder holding warehouse.duckdb")
    schema.add_argument(
        "--markdown", action="store_true", help="print the reference page docs/warehouse.md"
    )

    export = commands.add_parser(
        "export", help="write the marts as Parquet (zstd, a folder per table) for other tools"
    )
    export.add_argument("--data", help="data folder holding warehouse.duckdb")
    export.add_argument(
        "--out", type=Path, help="export folder (default data/export or $COPYDESK_EXPORT_DIR)"
    )
    export.add_argument("--tables", nargs="+", metavar="TABLE", help="these marts only")

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
    if args.command in ("run", "serve"):
        try:  # a bad COPYDESK_* value stops the command now, not halfway through a night
            Settings.from_env(args.raw, args.data)
        except ValueError as error:
            print(f"copydesk {args.command}: {error}", file=sys.stderr)
            return 2
    handler = {
        "run": command_run,
        "sql": command_sql,
        "search": command_search,
        "schema": command_schema,
        "export": command_export,
        "rollback": command_rollback,
        "status": command_status,
        "serve": command_serve,
        "dashboard": command_dashboard,
        "synth": command_synth,
    }[args.command]
    try:
        code = handler(args)
        sys.stdout.flush()  # here, where a closed pipe is caught, not at interpreter exit
    except BrokenPipeError:
        # The reader (`| head`) has all it wanted: no traceback, and nothing more to flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


def command_run(args) -> int:
    from copydesk import progress

    if sys.stderr.isatty():
        # A live line per stage instead of Prefect's log lines; warnings and errors still show.
        os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
        progress.install(progress.Progress(sys.stderr, live=True))
    from copydesk.warehouse.runs import RunRefused

    if not os.environ.get("PREFECT_API_URL"):
        # Without a Prefect server of the user's, a night with nothing new is recorded here: the
        # flow's temporary server alone would take 7-18 s to start (docs/operations.md).
        from copydesk.nothing_new import run_if_nothing_new

        settings = Settings.from_env(args.raw, args.data, args.full)
        try:
            quiet = run_if_nothing_new(settings, warn=lambda text: print(text, file=sys.stderr))
        except RunRefused as refused:
            print(f"copydesk: {refused}", file=sys.stderr)
            return 2
        if quiet is not None:
            print_summary(quiet)
            return 0
        from copydesk.status import live_served_api

        # A night with news reports to `copydesk serve`'s server when one is up, rather than
        # paying for Prefect's temporary server; the run then shows in serve's UI too.
        served = live_served_api(settings)
        if served:
            os.environ["PREFECT_API_URL"] = served
            print(
                f"copydesk run: reporting to copydesk serve's Prefect server at {served}",
                file=sys.stderr,
            )
    from copydesk.quality.gates import GateFailed
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


@dataclass
class Result:
    """A statement's rows, with its columns' names and types and how long it took."""

    names: list[str]
    types: list[str]
    rows: list[tuple]
    elapsed: float


def execute(conn, query: str) -> Result | None:
    """Run one query and fetch its rows; None for a statement that returns none."""
    started = time.perf_counter()
    cursor = conn.execute(query)
    if cursor.description is None:
        cursor.fetchall()
        return None
    names = [column[0] for column in cursor.description]
    types = [str(column[1]) for column in cursor.description]
    rows = cursor.fetchall()
    return Result(names, types, rows, time.perf_counter() - started)


def command_sql(args) -> int:
    import duckdb

    from copydesk.warehouse.connection import read_only_connection

    settings = Settings.from_env(data_dir=args.data)
    # Without a query: a prompt, or stdin's statements one by one, each with its result; but
    # Parquet and --output hold one result, so for them stdin is one query.
    query = None
    if args.query or args.file or args.format == "parquet" or args.output:
        query = read_query(args)
    try:
        conn = read_only_connection(settings.warehouse_path)
    except FileNotFoundError as missing:
        print(f"copydesk sql: {missing}", file=sys.stderr)
        return 2
    if query is None:
        with conn:
            return prompt(conn, args, settings.warehouse_path)
    if args.format == "parquet":
        return write_parquet(conn, query, args.output)
    try:
        with conn:
            result = execute(conn, query)
    except duckdb.Error as error:
        print(f"copydesk sql: {error}", file=sys.stderr)
        return 1
    if result is None:
        print("ok")
        return 0
    write_result(result, args, args.max_rows)
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
            result = Result(names, types, cursor.fetchall(), time.perf_counter() - started)
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
    write_result(result, args, None)
    return 0


def write_result(result: Result, args, max_rows: int | None) -> None:
    """A result in --format to stdout (tables cut at max_rows), or whole to --output."""
    with output_stream(args.output) as out:
        print_result(result, args.format, out, max_rows if args.output is None else None)
    if args.output is not None:
        rows = len(result.rows)
        print(f"{rows} row{'s' if rows != 1 else ''} written to {args.output}", file=sys.stderr)


def print_result(result: Result, fmt: str, out, max_rows: int | None) -> None:
    """A result in a --format (but Parquet): table rows beyond max_rows are left out."""
    names, rows = result.names, result.rows
    if fmt == "csv":
        writer = csv.writer(out)  # RFC 4180: quoted where needed, CRLF line ends
        writer.writerow(names)
        writer.writerows(rows)
    elif fmt == "tsv":
        for line in [names, *rows]:
            out.write("\t".join(tsv_field(value) for value in line) + "\n")
    elif fmt == "json":
        json.dump(
            [dict(zip(names, row, strict=True)) for row in rows],
            out,
            default=str,
            ensure_ascii=False,
            indent=2,
        )
        print(file=out)
    else:
        shown = len(rows) if max_rows is None else max_rows
        print(render_table(names, result.types, rows, shown), file=out)
        print(
            f"{len(rows)} row{'s' if len(rows) != 1 else ''} in {result.elapsed * 1000:.0f} ms",
            file=out,
        )


TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def tsv_field(value) -> str:
    """A value as one TSV field: NULL empty, tabs, newlines and backslashes escaped, so every
    line is a row and every tab a column for cut, awk and sort."""
    return "" if value is None else str(value).translate(TSV_ESCAPES)


PROMPT_HELP = (
    "end each statement with ';'. .tables lists the tables, .quit (or Ctrl-D) leaves;"
    " the warehouse is read-only"
)


def prompt(conn, args, path: Path) -> int:
    """Statements read from a prompt (or from stdin when it is not a terminal) and run one by
    one until .quit or the end of input; exit 1 when a piped statement failed."""
    interactive = sys.stdin.isatty()
    if interactive:
        with suppress(ImportError):
            import readline  # noqa: F401  line editing and history for input()
        print(f"copydesk sql on {path}: {PROMPT_HELP}", file=sys.stderr)
    failed = False
    pending = ""
    while True:
        try:
            line = read_line(interactive, "   ...> " if pending.strip() else "copydesk> ")
        except KeyboardInterrupt:  # Ctrl-C drops the statement being typed, as in psql
            print(file=sys.stderr)
            pending = ""
            continue
        if line is None:
            break
        if not pending.strip() and line.strip().startswith("."):
            command = line.strip().split()[0]
            if command in (".quit", ".exit"):
                break
            if command == ".tables":
                print_tables(conn)
            elif command == ".help":
                print(PROMPT_HELP)
            else:
                print(f"copydesk sql: unknown command {command} (.tables, .quit)", file=sys.stderr)
                failed = True
            continue
        complete, pending = split_statements(pending + line)
        for statement in complete:
            failed = not run_statement(conn, statement, args) or failed
    if holds_sql(conn, pending):  # the end of input ends the last statement, ';' or not
        failed = not run_statement(conn, pending, args) or failed
    return 1 if failed and not interactive else 0


def holds_sql(conn, text: str) -> bool:
    """Whether text is more than blanks and comments (left after the last ';')."""
    import duckdb

    try:
        return bool(conn.extract_statements(text))
    except duckdb.Error:
        return True  # running it reports what is wrong


def read_line(interactive: bool, prompt_text: str) -> str | None:
    """The next line with its newline, from the prompt or stdin; None at the end of input."""
    if not interactive:
        return sys.stdin.readline() or None
    try:
        return input(prompt_text) + "\n"
    except EOFError:
        print(file=sys.stderr)
        return None


def run_statement(conn, statement: str, args) -> bool:
    """Run one statement of the prompt and print its result; False when DuckDB refused it."""
    import duckdb

    try:
        result = execute(conn, statement)
    except duckdb.Error as error:
        print(f"copydesk sql: {error}", file=sys.stderr)
        return False
    if result is None:
        print("ok")
    else:
        print_result(result, args.format, sys.stdout, args.max_rows)
    sys.stdout.flush()
    return True


def split_statements(text: str) -> tuple[list[str], str]:
    """The complete statements in text (each ending at a ';' outside quotes and comments), and
    the rest, still being typed."""
    statements: list[str] = []
    start = i = 0
    quote = ""
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = ""
            elif quote == "*/" and text.startswith("*/", i):
                quote, i = "", i + 1
        elif char in "'\"":
            quote = char
        elif text.startswith("--", i):
            quote = "\n"
        elif text.startswith("/*", i):
            quote, i = "*/", i + 1
        elif char == ";":
            if text[start:i].strip():
                statements.append(text[start : i + 1])
            start = i + 1
        i += 1
    return statements, text[start:]


def print_tables(conn) -> None:
    """The tables' names: the marts first, then staging and intermediate."""
    from copydesk.warehouse.schema import describe

    for schema, tables in grouped(describe(conn)):
        label = LAYER_HEADINGS.get(schema, (schema, ""))[0].lower()
        print(f"{label}: " + ", ".join(t.table if schema == "main" else t.name for t in tables))


# Each schema's heading in `copydesk schema`, in the order shown: what users query first.
LAYER_HEADINGS = {
    "main": ("Marts", "the published tables to query: select * from articles"),
    "staging": ("Staging", "records parsed and the outlet reference, kept for debugging"),
    "intermediate": ("Intermediate", "the models' working tables, kept for debugging"),
}


def grouped(tables: list) -> list[tuple[str, list]]:
    """The tables by schema: marts, staging, intermediate, then any other, each non-empty."""
    schemas = [*LAYER_HEADINGS, *sorted({t.schema for t in tables} - set(LAYER_HEADINGS))]
    groups = [(schema, [t for t in tables if t.schema == schema]) for schema in schemas]
    return [(schema, members) for schema, members in groups if members]


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
    for schema, members in grouped(tables):
        heading, about = LAYER_HEADINGS.get(schema, (schema, ""))
        title = f"{heading}: {about}" if about else heading
        print(f"\n{title}\n{'=' * len(title)}")
        for table in members:
            print(f"\n{table.name}\n  {table.comment}")
            for column in table.columns:
                print(f"    {column.name:<22} {column.type:<12} {column.comment}")
    return 0


def command_export(args) -> int:
    from copydesk.warehouse.export import ExportRefused, export_marts

    settings = Settings.from_env(data_dir=args.data)
    try:
        out, manifest = export_marts(settings, args.out, args.tables)
    except ExportRefused as refused:
        print(f"copydesk export: {refused}", file=sys.stderr)
        return 2
    print(f"exported run {manifest.run_id}'s marts to {out} (manifest.json)")
    for name, table in manifest.tables.items():
        partitions = f", by {table.partitioned_by}" if table.partitioned_by else ""
        files = f"{len(table.files)} file{'s' if len(table.files) != 1 else ''}"
        print(f"  {name:<18} {table.rows:>9} rows  {files}{partitions}")
    return 0


def command_synth(args) -> int:
    from copydesk.synth import synth
    from copydesk.synth.night import DEVSET

    if not DEVSET.is_file():  # the prose is MEANTIME's articles, not shipped with the project
        print(
            f"copydesk synth: needs the MEANTIME devset at {DEVSET} (../shared/devsets beside"
            " the project)",
            file=sys.stderr,
        )
        return 2
    print(json.dumps(synth(args.articles, args.out, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
