"""Data Docs: each run's validations rendered once, and only the newest runs' results kept."""

import pandas as pd

from copydesk.quality import gx_context
from copydesk.quality.gates import validation_run_name
from copydesk.quality.gx_context import QualityContext

SUITE = {
    "name": "headlines",
    "meta": {"table": "main.headlines", "stage": "marts", "id_column": "headline_id"},
    "expectations": [
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "title"},
            "severity": "critical",
            "meta": {"why": "a headline needs a title"},
        }
    ],
}


def validate_run(quality: QualityContext, run_id: str) -> None:
    frame = pd.DataFrame({"headline_id": ["h1", "h2"], "title": ["Rates held", None]})
    for stage in ("staging", "marts"):
        quality.validate(SUITE, frame, validation_run_name(run_id, stage))


def runs_in_store(quality: QualityContext) -> set[str]:
    keys = quality.context.validation_results_store.list_keys()
    return {key.run_id.run_name for key in keys}


def test_only_the_newest_runs_are_kept_and_each_page_is_rendered_once(tmp_path, monkeypatch):
    monkeypatch.setattr(gx_context, "RUNS_KEPT", 2)
    quality = QualityContext(tmp_path / "quality")
    for run_id in ("night-1", "night-2", "night-3"):
        validate_run(quality, run_id)
    quality.build_docs()

    kept = {"night-2-staging", "night-2-marts", "night-3-staging", "night-3-marts"}
    assert runs_in_store(quality) == kept
    keys = quality.context.validation_results_store.list_keys()
    pages = {key.run_id.run_name: quality.validation_page(key) for key in keys}
    assert all(page.is_file() for page in pages.values())
    site = quality.docs_index.parent / "validations"
    assert not list(site.rglob("night-1-*"))  # the dropped run's pages went with its results
    index = quality.docs_index.read_text(encoding="utf-8")
    assert "night-3-marts" in index and "night-1-marts" not in index

    # The next run renders its own pages; the kept run's page is not written again.
    night_3 = pages["night-3-marts"]
    night_3.write_text("rendered by an earlier build", encoding="utf-8")
    validate_run(quality, "night-4")
    quality.build_docs()
    assert runs_in_store(quality) == {
        "night-3-staging",
        "night-3-marts",
        "night-4-staging",
        "night-4-marts",
    }
    assert night_3.read_text(encoding="utf-8") == "rendered by an earlier build"
    assert "night-4-marts" in quality.docs_index.read_text(encoding="utf-8")
