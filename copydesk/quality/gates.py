"""Quality gates: validate_stage() turns a stage's suites into verdicts, enforce() raises on them.

GX runs on pandas DataFrames read from DuckDB. GX 1.24's SQL datasource fails on DuckDB (results
are read after duckdb-engine closes the connection), while its pandas path works unpatched; to
keep that path cheap a gate reads only the columns its suite names, the lake gate only the rows of
the current run, the staging gate only the rows of the build's new documents (and their twins),
and a mart's gate only the rows the build changed, while its table-level expectations (keys
unique, shares) judge one row of SQL aggregates over the whole table (quality/aggregates.py).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pandas as pd

from copydesk.quality.aggregates import (
    aggregate_frame,
    aggregate_suite,
    aggregates_of,
    example_values,
    frame_value,
    split_suite,
)
from copydesk.quality.suites import load_suites, read_gated_rows
from copydesk.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:  # gx_context reads the verdict types below
    from copydesk.quality.gx_context import QualityContext


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


def validate_stage(
    conn: duckdb.DuckDBPyConnection,
    stage: str,
    run_id: str,
    quality: QualityContext,
    suites_dir: Path = EXPECTATIONS_DIR,
) -> list[GateResult]:
    """Check every suite of a stage and return the results, passed or not."""
    return check_suites(conn, load_suites(stage, suites_dir), run_id, quality)


def validation_run_name(run_id: str, stage: str) -> str:
    """The GX run name of one run's validations at one stage (a stage name holds no "-")."""
    return f"{run_id}-{stage}"


def run_of_validation(run_name: str) -> str:
    """The run a GX run name (validation_run_name) belongs to."""
    return run_name.rsplit("-", 1)[0]


def check_suite(
    conn: duckdb.DuckDBPyConnection, suite: dict, run_id: str, quality: QualityContext
) -> GateResult:
    """One suite's verdict, as its stage's gate gives it."""
    return check_suites(conn, [suite], run_id, quality)[0]


def check_suites(
    conn: duckdb.DuckDBPyConnection, suites: list[dict], run_id: str, quality: QualityContext
) -> list[GateResult]:
    """Each suite's verdict: its row-level expectations on the rows its scope names (rows_checked),
    its table-level ones on one row of SQL aggregates over the whole table. The figures of every
    suite are judged in one GX validation, as each costs about as much as a table's rows."""
    results, figures, frames = [], {}, []
    for suite in suites:
        run_name = validation_run_name(run_id, suite["meta"]["stage"])
        rows, whole = split_suite(suite)
        if rows["expectations"]:
            result = quality.validate(rows, read_gated_rows(conn, rows, run_id), run_name=run_name)
        else:
            result = GateResult(suite["name"], suite["meta"]["table"], suite["meta"]["stage"], 0)
        results.append(result)
        if whole:
            aggregates = aggregates_of(conn, suite, whole)
            frames.append(aggregate_frame(conn, suite["meta"]["table"], aggregates))
            figures.update({aggregate.figure: (result, aggregate) for aggregate in aggregates})
    if not frames:
        return results
    stage = "+".join(dict.fromkeys(suite["meta"]["stage"] for suite in suites))
    frame = pd.concat(frames, axis=1)
    frame.insert(0, "stage", stage)  # the frame's one row, named in GX's results
    judged = quality.validate(
        aggregate_suite(stage, [aggregate for _, aggregate in figures.values()]),
        frame,
        run_name=validation_run_name(run_id, stage),
    )
    for outcome in judged.outcomes:
        # Told as the suite's own expectation, with its unexpected rows and examples.
        result, aggregate = figures[outcome.column or ""]
        result.outcomes.append(
            ExpectationOutcome(
                expectation=aggregate.expectation["type"],
                column=aggregate.expectation["kwargs"].get("column"),
                severity=outcome.severity,
                success=outcome.success,
                unexpected_count=frame_value(frame, aggregate.figure + " unexpected"),
                observed_value={aggregate.figure: frame_value(frame, aggregate.figure)},
                examples=[] if outcome.success else example_values(conn, aggregate),
                why=outcome.why,
                error=outcome.error,
            )
        )
    return results


def enforce(results: list[GateResult]) -> list[GateResult]:
    """Raise GateFailed when any critical expectation failed; else return the verdicts."""
    if not all(result.passed for result in results):
        raise GateFailed(results)
    return results


def reconcile_inputs(reported: dict[str, int], ledger: dict[str, int]) -> GateResult:
    """The ingest report's counts against the input ledger's rows for the run, by outcome: a
    critical verdict, as an input counted but not in the ledger (or the reverse) is lost."""
    outcomes = [
        ExpectationOutcome(
            expectation="ledger_count_equals_ingest_report",
            column=outcome,
            severity="critical",
            success=ledger.get(outcome, 0) == count,
            unexpected_count=None,
            observed_value={"ledger": ledger.get(outcome, 0), "ingest report": count},
            examples=[],
            why="Every input the ingest counted has exactly one ledger row with its outcome.",
        )
        for outcome, count in reported.items()
    ]
    unknown = sorted(set(ledger) - set(reported))
    if unknown:
        outcomes.append(
            ExpectationOutcome(
                expectation="ledger_outcomes_known",
                column="outcome",
                severity="critical",
                success=False,
                unexpected_count=sum(ledger[o] for o in unknown),
                observed_value=unknown,
                examples=unknown,
                why="The ledger holds only the outcomes the ingest reports.",
            )
        )
    return GateResult("inputs_reconcile", "main.inputs", "marts", sum(ledger.values()), outcomes)
