"""Quality gates: validate_stage() turns a stage's suites into verdicts, enforce() raises on them.

GX runs on pandas DataFrames read from DuckDB. GX 1.24's SQL datasource fails on DuckDB (results
are read after duckdb-engine closes the connection), while its pandas path works unpatched; to
keep that path cheap a gate reads only the columns its suite names, the lake gate only the rows of
the current run, and the staging gate only the rows of the build's new documents (and their twins).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

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
    return [
        quality.validate(suite, read_gated_rows(conn, suite, run_id), run_name=f"{run_id}-{stage}")
        for suite in load_suites(stage, suites_dir)
    ]


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
