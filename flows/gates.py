"""Quality gates: run the expectations/ suites with Great Expectations; no Prefect here.

GX runs on pandas DataFrames read from DuckDB. GX 1.24's SQL datasource fails on DuckDB (results
are read after duckdb-engine closes the connection), while its pandas path works unpatched; to
keep that path cheap a gate reads only the columns its suite names, the lake gate only the rows of
the current run, and the staging gate only the rows of the build's new documents (and their twins).
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cached_property, wraps
from pathlib import Path

import duckdb

from flows.settings import EXPECTATIONS_DIR, PROJECT_ROOT, quiet_environment
from flows.warehouse import table_exists

EXAMPLES_PER_FAILURE = 5


@dataclass
class ExpectationOutcome:
    """One expectation's result, in the words a failure message needs."""

    expectation: str
    column: str | None
    severity: str
    success: bool
    unexpected_count: int | None
    observed_value: object
    examples: list
    why: str
    error: str = ""

    def describe(self) -> str:
        target = f"({self.column})" if self.column else ""
        found = (
            f"{self.unexpected_count} unexpected"
            if self.unexpected_count is not None
            else f"observed {self.observed_value!r}"
        )
        if self.error:
            return f"{self.expectation}{target}: could not be evaluated: {self.error}"
        examples = f"; e.g. {self.examples[:3]}" if self.examples else ""
        return f"{self.expectation}{target}: {found}{examples}"


@dataclass
class GateResult:
    """A suite's verdict on one table: critical failures block, warnings are recorded."""

    suite: str
    table: str
    stage: str
    rows_checked: int
    outcomes: list[ExpectationOutcome] = field(default_factory=list)

    @property
    def failed_critical(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity == "critical"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success and o.severity != "critical"]

    @property
    def passed(self) -> bool:
        return not self.failed_critical

    def summary(self) -> dict:
        return {
            "suite": self.suite,
            "table": self.table,
            "stage": self.stage,
            "passed": self.passed,
            "rows_checked": self.rows_checked,
            "expectations": len(self.outcomes),
            "failed_critical": [o.describe() for o in self.failed_critical],
            "warnings": [o.describe() for o in self.warnings],
        }

    def as_dict(self) -> dict:
        return asdict(self)


class GateFailed(RuntimeError):
    """A critical expectation failed: nothing downstream may run and nothing is published."""

    def __init__(self, results: list[GateResult]):
        self.results = results
        lines = []
        for result in results:
            if result.passed:
                continue
            lines.append(f"gate '{result.suite}' on {result.table} failed:")
            lines.extend(f"  - {outcome.describe()}" for outcome in result.failed_critical)
        super().__init__("\n".join(lines))


def load_suites(stage: str | None = None, directory: Path = EXPECTATIONS_DIR) -> list[dict]:
    """The suites under expectations/, optionally only those gating one stage."""
    suites = []
    for path in sorted(directory.glob("*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        if suite.get("name") != path.stem:
            raise ValueError(f"{path}: suite name {suite.get('name')!r} must match the file name")
        if stage is None or suite["meta"]["stage"] == stage:
            suites.append(suite)
    return suites


def other_columns(kwargs: dict) -> list[str]:
    """The columns an expectation reads besides its `column`: column lists, column pairs, and the
    words of a row condition ("is_fragment == False"; read_gated_rows keeps real columns)."""
    columns = list(kwargs.get("column_list", []))
    columns.extend(kwargs[key] for key in ("column_A", "column_B") if key in kwargs)
    columns.extend(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", kwargs.get("row_condition", "")))
    return columns


def columns_of(suite: dict) -> list[str]:
    """Every column the suite reads, so a gate loads no more than that."""
    columns = [suite["meta"]["id_column"]]
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        columns.extend([kwargs["column"]] if "column" in kwargs else [])
        columns.extend(other_columns(kwargs))
    return list(dict.fromkeys(columns))


# Expectations that need no more of a text value than its first characters: whether it is null,
# and whether its length is within bounds (a value cut after max_value + 1 characters is still
# too long). Gates read such columns cut short, so a night's article bodies (gigabytes of text at
# a million articles) never land in pandas whole.
PREFIX_EXPECTATIONS = {
    "expect_column_values_to_not_be_null",
    "expect_column_value_lengths_to_be_between",
}


def prefix_lengths(suite: dict) -> dict[str, int]:
    """For each column every expectation of which reads only a prefix: how many characters."""
    needed: dict[str, int | None] = {}
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        for column in other_columns(kwargs):
            needed[column] = None  # read whole where anything else looks at it
        column = kwargs.get("column")
        if column is None:
            continue
        if expectation["type"] not in PREFIX_EXPECTATIONS or needed.get(column, 0) is None:
            needed[column] = None
            continue
        bounds = [kwargs.get("min_value"), kwargs.get("max_value")]
        length = max([int(b) for b in bounds if b is not None], default=0) + 1
        needed[column] = max(needed.get(column) or 0, length)
    return {column: length for column, length in needed.items() if length is not None}


class QualityContext:
    """A file-backed GX context under the data folder: results kept across runs, Data Docs built."""

    def __init__(self, quality_dir: Path):
        self.quality_dir = quality_dir

    @cached_property
    def context(self):
        quiet_environment()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.quality_dir.mkdir(parents=True, exist_ok=True)
        context = gx.get_context(mode="file", project_root_dir=str(self.quality_dir))
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        context.variables.save()
        return context

    @property
    def docs_index(self) -> Path:
        return self.quality_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"

    def validate(self, suite: dict, frame, run_name: str) -> GateResult:
        """Run one suite on a DataFrame and translate GX's result."""
        import great_expectations as gx

        context = self.context
        datasource = context.data_sources.add_or_update_pandas("copydesk")
        name = suite["name"]
        try:
            asset = datasource.get_asset(name)
        except LookupError:
            asset = datasource.add_dataframe_asset(name)
        try:
            batch = asset.get_batch_definition("whole_table")
        except (KeyError, LookupError):
            batch = asset.add_batch_definition_whole_dataframe("whole_table")
        expectation_suite = context.suites.add_or_update(
            gx.ExpectationSuite(
                name=name,
                expectations=suite["expectations"],
                meta=suite.get("meta", {}),
            )
        )
        definition = context.validation_definitions.add_or_update(
            gx.ValidationDefinition(name=name, data=batch, suite=expectation_suite)
        )
        checkpoint = context.checkpoints.add_or_update(
            gx.Checkpoint(
                name=name,
                validation_definitions=[definition],
                result_format={
                    "result_format": "SUMMARY",
                    "partial_unexpected_count": EXAMPLES_PER_FAILURE,
                    "unexpected_index_column_names": [suite["meta"]["id_column"]],
                },
            )
        )
        run = checkpoint.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters={
                "latest_plausible_date": (date.today() + timedelta(days=1)).isoformat()
            },
            run_id=gx.core.run_identifier.RunIdentifier(run_name=run_name),
        )
        outcomes = []
        for validation in run.run_results.values():
            for result in validation.results:
                config = result.expectation_config
                details = result.result or {}
                error = exception_message(result.exception_info)
                outcomes.append(
                    ExpectationOutcome(
                        expectation=config.type,
                        column=config.kwargs.get("column"),
                        severity=getattr(config.severity, "value", str(config.severity)).lower(),
                        success=bool(result.success) and not error,
                        unexpected_count=details.get("unexpected_count"),
                        observed_value=jsonable(details.get("observed_value")),
                        examples=jsonable(
                            details.get("partial_unexpected_index_list")
                            or details.get("partial_unexpected_list")
                            or []
                        ),
                        why=(config.meta or {}).get("why", ""),
                        error=error,
                    )
                )
        return GateResult(
            suite=name,
            table=suite["meta"]["table"],
            stage=suite["meta"]["stage"],
            rows_checked=len(frame),
            outcomes=outcomes,
        )

    def build_docs(self) -> Path:
        with data_values_escaped():
            self.context.build_data_docs()
        vendor_docs_assets(self.docs_index.parent)
        return self.docs_index


# Data Docs offline and inert ------------------------------------------------------------------
#
# GX 1.24's pages load bootstrap, jquery, vega and friends from CDNs, and a logo (with the data
# context id) from S3. The same files, pinned in flows/dashboard_assets/package-lock.json and
# installed by `make setup` (npm ci), are copied beside the docs and the links rewritten, so the
# docs render offline and fetch nothing when viewed.
NODE_MODULES = PROJECT_ROOT / "flows" / "dashboard_assets" / "node_modules"
VENDORED_ASSETS = {
    "https://cdn.jsdelivr.net/npm/vega@5": "vega/build/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite/build/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed/build/vega-embed.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": (
        "@fortawesome/fontawesome-free/css/all.min.css"
    ),
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery/dist/jquery.min.js",
    # Bootstrap 4.3.1 needs popper.js >= 1.14.7; the CDN's 1.12.9 is replaced by 1.16.1.
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": (
        "popper.js/dist/umd/popper.min.js"
    ),
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": (
        "bootstrap/dist/js/bootstrap.min.js"
    ),
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": (
        "bootstrap/dist/css/bootstrap.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": (
        "bootstrap-table/dist/bootstrap-table.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": (
        "bootstrap-table/dist/bootstrap-table.min.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.js": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.js"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.css"
    ),
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": (
        "bootstrap-table/dist/extensions/filter-control/bootstrap-table-filter-control.min.css"
    ),
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/"
    "bootstrap-datepicker.min.js": "bootstrap-datepicker/dist/js/bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/"
    "bootstrap-datepicker.min.css": "bootstrap-datepicker/dist/css/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/"
    "bootstrap-prefers-dark.css": "@forevolve/bootstrap-dark/dist/css/bootstrap-prefers-dark.css",
}
# Whole folders a vendored file refers to relatively (font-awesome's ../webfonts/).
VENDORED_FOLDERS = ("@fortawesome/fontawesome-free/webfonts",)
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md")
GX_ASSETS_HOST = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
REMOTE_LOAD = re.compile(
    r"""<(script|link|img)\b[^>]*?\b(?:src|href)=["']https?://[^"']*["'][^>]*>(?:</script>)?""",
    re.IGNORECASE,
)
EMPTY_LOAD = re.compile(
    r"""<(script|link)\b[^>]*?\b(?:src|href)=["']["'][^>]*>(?:</script>)?""", re.IGNORECASE
)
log = logging.getLogger(__name__)


def vendor_docs_assets(site_dir: Path, node_modules: Path = NODE_MODULES) -> list[str]:
    """Copy the CDN files into the site and point every page at them; returns what was left out.

    Idempotent: run after every build_data_docs. A file missing from node_modules (no `npm ci`
    yet) is not linked to the CDN either: its tag is dropped, the page renders unstyled, and the
    missing files are returned and logged.
    """
    vendor_dir = site_dir / "static" / "vendor"
    missing = []
    packages = set()
    for relative in [*VENDORED_ASSETS.values(), *VENDORED_FOLDERS]:
        source, target = node_modules / relative, vendor_dir / relative
        if not source.exists():
            missing.append(relative)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copyfile(source, target)
        packages.add("/".join(relative.split("/")[: 2 if relative.startswith("@") else 1]))
    for package in packages:
        for name in LICENSE_NAMES:
            if (node_modules / package / name).exists():
                shutil.copyfile(node_modules / package / name, vendor_dir / package / name)
    if missing:
        log.warning("Data Docs assets missing (run `make setup`): %s", ", ".join(missing))
    for page in site_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        rewritten = offline_links(text, os.path.relpath(site_dir / "static", page.parent), missing)
        if rewritten != text:
            page.write_text(rewritten, encoding="utf-8")
    for stylesheet in (site_dir / "static" / "styles").glob("*.css"):
        text = stylesheet.read_text(encoding="utf-8")
        rewritten = re.sub(rf"url\(['\"]?{re.escape(GX_ASSETS_HOST)}[^)]*\)", "none", text)
        if rewritten != text:
            stylesheet.write_text(rewritten, encoding="utf-8")
    return missing


def offline_links(page: str, static: str, missing: list[str]) -> str:
    """A Data Docs page with CDN links pointing at static/vendor and no remote loads left."""
    for url, relative in VENDORED_ASSETS.items():
        local = "" if relative in missing else f"{static}/vendor/{relative}"
        page = page.replace(f'"{url}"', f'"{local}"')
    # The CDN's integrity hashes and CORS mode do not apply to local files (and block file://).
    page = re.sub(r'\s+integrity="sha[^"]*"', "", page)
    page = re.sub(r'\s+crossorigin="anonymous"', "", page)
    # GX points validation pages one folder short of static/ (their favicon 404s): fix them all.
    page = re.sub(r'"(?:\./|(?:\.\./)+)static/', f'"{static}/', page)
    # GX's logo is fetched from S3 with the data context id appended: use the bundled copy.
    page = re.sub(
        rf'"{re.escape(GX_ASSETS_HOST)}([A-Za-z0-9_.-]+?)(?:\?[^"]*)?"',
        lambda m: f'"{static}/images/{m.group(1)}"',
        page,
    )
    page = re.sub(rf"url\(['\"]?{re.escape(GX_ASSETS_HOST)}[^)]*\)", "none", page)
    # Tags left pointing at a file we could not vendor: drop them rather than load remotely.
    page = EMPTY_LOAD.sub("", page)
    return REMOTE_LOAD.sub("", page)


@contextmanager
def data_values_escaped():
    """While Data Docs are built, HTML-escape the data values GX writes into its pages.

    GX 1.24 turns autoescaping on only for templates named *.html/*.xml, and its templates are
    *.j2: values from the data (unexpected values, observed values) reach the page as raw HTML,
    so an article holding `<script>` would run in the docs. Content blocks that are plain strings
    are such values (renderer markup comes as typed blocks), so they are escaped here.
    """
    from great_expectations.render.view.view import DefaultJinjaView

    original = DefaultJinjaView.render_content_block

    @wraps(original)
    def render_content_block(self, jinja_context, content_block, *args, **kwargs):
        if isinstance(content_block, str):
            content_block = html.escape(content_block)
        elif isinstance(content_block, list):
            content_block = [
                html.escape(item) if isinstance(item, str) else item for item in content_block
            ]
        return original(self, jinja_context, content_block, *args, **kwargs)

    DefaultJinjaView.render_content_block = render_content_block
    try:
        yield
    finally:
        DefaultJinjaView.render_content_block = original


def exception_message(info: dict | None) -> str:
    """GX reports an error flat, or nested per metric when a metric failed to compute."""
    if not info:
        return ""
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if isinstance(entry, dict) and entry.get("raised_exception"):
            return str(entry.get("exception_message") or "exception")
    return ""


def jsonable(value):
    """GX results hold numpy and date values; the run log stores plain JSON."""
    return json.loads(json.dumps(value, default=str))


def read_gated_rows(conn: duckdb.DuckDBPyConnection, suite: dict, run_id: str):
    """The rows and columns a suite checks, as a DataFrame."""
    table = suite["meta"]["table"]
    # Table and column names come from our own expectations/ files, never from data.
    cursor = conn.execute(f"select * from {table} limit 0")  # noqa: S608
    types = {column[0]: str(column[1]) for column in cursor.description}
    cursor.fetchall()  # DuckDB 2.0 keeps a result open until it is read to the end
    wanted = [c for c in columns_of(suite) if c in types]
    prefixes = prefix_lengths(suite)
    columns = ", ".join(
        f'left("{c}", {prefixes[c]}) as "{c}"'
        if c in prefixes and types[c] == "VARCHAR" and c != suite["meta"]["id_column"]
        else f'"{c}"'
        for c in wanted
    )
    scope = suite["meta"].get("scope")
    if scope == "current_run":
        sql, params = f"select {columns} from {table} where run_id = ?", [run_id]  # noqa: S608
    elif scope == "new_documents" and table_exists(conn, NEW_DOCUMENTS):
        sql, params = f"select {columns} from {table} where {new_rows(suite)}", []  # noqa: S608
    else:
        sql, params = f"select {columns} from {table}", []  # noqa: S608
    frame = conn.execute(sql, params).df()
    # GX turns date bounds into datetime.date, which pandas Timestamps refuse to compare with.
    for column in wanted:
        if types[column] == "DATE":
            frame[column] = frame[column].dt.date
    return frame


# The documents this build added (flows.warehouse.record_new_documents): every one in a full build,
# the night's in an update.
NEW_DOCUMENTS = "build.new_documents"


def new_rows(suite: dict) -> str:
    """The rows a suite scoped to new documents checks: those of the build's new documents, and
    earlier rows sharing a value that must be unique with one of them. Earlier documents' rows of
    such a table do not change (their models are incremental) and passed when they were new, so
    a duplicate can only involve a new row, and it is in these rows with its twin."""
    table = suite["meta"]["table"]  # names from our own expectations/ files, never from data
    new = f"doc_id in (select doc_id from {NEW_DOCUMENTS})"  # noqa: S608
    unique = [
        expectation["kwargs"]["column"]
        for expectation in suite["expectations"]
        if expectation["type"] == "expect_column_values_to_be_unique"
    ]
    twins = [f'"{c}" in (select "{c}" from {table} where {new})' for c in unique]  # noqa: S608
    return " or ".join([new, *twins])


def validate_stage(
    conn: duckdb.DuckDBPyConnection,
    stage: str,
    run_id: str,
    quality: QualityContext,
    suites_dir: Path = EXPECTATIONS_DIR,
) -> list[GateResult]:
    """Check every suite of a stage and return the results, passed or not."""
    return [
        quality.validate(suite, read_gated_rows(conn, suite, run_id), run_name=f"{run_id}-{stage}")
        for suite in load_suites(stage, suites_dir)
    ]


def require_passed(results: list[GateResult]) -> list[GateResult]:
    """Raise GateFailed when any critical expectation failed."""
    if not all(result.passed for result in results):
        raise GateFailed(results)
    return results


def run_gate(
    conn: duckdb.DuckDBPyConnection,
    stage: str,
    run_id: str,
    quality: QualityContext,
    suites_dir: Path = EXPECTATIONS_DIR,
) -> list[GateResult]:
    """Check every suite of a stage; raises GateFailed when any critical expectation fails."""
    return require_passed(validate_stage(conn, stage, run_id, quality, suites_dir))
