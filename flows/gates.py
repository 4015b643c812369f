"""Quality gates: run the expectations/ suites with Great Expectations; no Prefect here.

GX runs on pandas DataFrames read from DuckDB. GX 1.24's SQL datasource fails on DuckDB (results
are read after duckdb-engine closes the connection), while its pandas path works unpatched; to
keep that path cheap a gate reads only the columns its suite names, and the lake gate only the
rows of the current run.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path

import duckdb

from flows.settings import EXPECTATIONS_DIR, quiet_environment

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


def columns_of(suite: dict) -> list[str]:
    """Every column the suite reads, so a gate loads no more than that."""
    columns = [suite["meta"]["id_column"]]
    for expectation in suite["expectations"]:
        kwargs = expectation["kwargs"]
        columns.extend(kwargs.get("column_list", []))
        for key in ("column", "column_A", "column_B"):
            if key in kwargs:
                columns.append(kwargs[key])
        # Words of a row condition ("is_fragment == False"); read_gated_rows keeps real columns.
        columns.extend(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", kwargs.get("row_condition", "")))
    return list(dict.fromkeys(columns))


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
        self.context.build_data_docs()
        return self.docs_index


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
    columns = ", ".join(f'"{c}"' for c in wanted)
    if suite["meta"].get("scope") == "current_run":
        sql, params = f"select {columns} from {table} where run_id = ?", [run_id]  # noqa: S608
    else:
        sql, params = f"select {columns} from {table}", []  # noqa: S608
    frame = conn.execute(sql, params).df()
    # GX turns date bounds into datetime.date, which pandas Timestamps refuse to compare with.
    for column in wanted:
        if types[column] == "DATE":
            frame[column] = frame[column].dt.date
    return frame


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
