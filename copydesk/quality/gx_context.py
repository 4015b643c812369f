"""The Great Expectations context in the data folder: suites run on DataFrames, docs built."""

from __future__ import annotations

import json
from datetime import datetime
from functools import cached_property
from pathlib import Path

from copydesk.quality.dashboard.reading import RUNS_SHOWN
from copydesk.quality.data_docs import data_values_escaped, vendor_docs_assets
from copydesk.quality.gates import ExpectationOutcome, GateResult, run_of_validation
from copydesk.quality.suites import expectation_parameters
from copydesk.settings import quiet_environment

EXAMPLES_PER_FAILURE = 5
# The runs whose validation results the Data Docs keep: those whose gates the dashboard shows, each
# linked to its page. Every run's verdicts stay in the run history (lake/runs, the runs table).
RUNS_KEPT = RUNS_SHOWN


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
            expectation_parameters=expectation_parameters(),
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
        """Render the suites, the validations not rendered yet and the index, after removing the
        results of runs older than the newest RUNS_KEPT. GX rebuilt every stored result's page
        each time, a cost that grew with every night."""
        context = self.context
        kept = self.remove_old_runs()
        unrendered = [key for key in kept if not self.validation_page(key).is_file()]
        suites = context.expectations_store.list_keys()
        # An empty list means every page to GX: only when nothing was ever validated, so nothing.
        with data_values_escaped():
            context.build_data_docs(resource_identifiers=[*suites, *unrendered])
        vendor_docs_assets(self.docs_index.parent)
        return self.docs_index

    def remove_old_runs(self) -> list:
        """Remove the validation results of every run but the newest RUNS_KEPT (their pages go
        with them when the index is next built); the keys kept."""
        store = self.context.validation_results_store
        keys = store.list_keys()
        latest: dict[str, datetime] = {}
        for key in keys:
            run = run_of_validation(key.run_id.run_name)
            latest[run] = max(latest.get(run, key.run_id.run_time), key.run_id.run_time)
        newest = set(sorted(latest, key=latest.__getitem__, reverse=True)[:RUNS_KEPT])
        kept = []
        for key in keys:
            if run_of_validation(key.run_id.run_name) in newest:
                kept.append(key)
            else:
                store.remove_key(key)
        return kept

    def validation_page(self, key) -> Path:
        """Where the Data Docs keep a validation result's page (GX's site layout)."""
        *folders, name = key.to_tuple()
        return self.docs_index.parent.joinpath("validations", *folders, f"{name}.html")


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
