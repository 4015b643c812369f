"""The input ledger: each input's row says how it ended, and its suite catches a lost one."""

import pandas as pd
import pytest

from copydesk.quality.gates import GateFailed, enforce
from copydesk.quality.gx_context import QualityContext
from copydesk.quality.suites import load_suites
from tests.conftest import run_model

ARTICLE_DOC, REJECTED_DOC, LOST_DOC = "a" * 64, "b" * 64, "c" * 64


def ledger_row(source_id, outcome, reason=None, doc_id=None, run_id="run-1"):
    return {
        "run_id": run_id,
        "source_id": source_id,
        "source_path": source_id.split(":")[0],
        "outcome": outcome,
        "reason": reason,
        "doc_id": doc_id,
    }


def inputs_model(ledger):
    return run_model(
        "main.inputs",
        {
            "raw.inputs": ledger,
            "main.articles": [{"doc_id": ARTICLE_DOC, "article_id": ARTICLE_DOC[:16]}],
            "intermediate.int_rejected_documents": [
                {"doc_id": REJECTED_DOC, "reason": "no article text"}
            ],
        },
    )


def test_each_input_ends_as_an_article_a_quarantine_row_a_skip_or_an_earlier_night():
    rows = inputs_model(
        [
            ledger_row("a.txt", "accepted", doc_id=ARTICLE_DOC),
            ledger_row("copy.txt", "duplicate", "same text", doc_id=ARTICLE_DOC),
            ledger_row("header-only.txt", "accepted", doc_id=REJECTED_DOC),
            ledger_row("feed.jsonl:2", "quarantined", "invalid JSON"),
            ledger_row(".part.txt", "skipped", "hidden name"),
            ledger_row("old.txt", "unchanged", "read by an earlier night"),  # an older ledger
            ledger_row("lost.txt", "accepted", doc_id=LOST_DOC),
        ]
    )
    ended = {row["source_id"]: (row["ended_as"], row["article_id"]) for row in rows}
    assert ended == {
        "a.txt": ("article", ARTICLE_DOC[:16]),
        "copy.txt": ("article", ARTICLE_DOC[:16]),
        "header-only.txt": ("quarantine", None),
        "feed.jsonl:2": ("quarantine", None),
        ".part.txt": ("skip", None),
        "old.txt": ("earlier night", None),
        "lost.txt": (None, None),
    }
    rejected = next(row for row in rows if row["source_id"] == "header-only.txt")
    assert rejected["rejected_reason"] == "no article text"


@pytest.fixture(scope="module")
def quality(tmp_path_factory):
    return QualityContext(tmp_path_factory.mktemp("quality"))


def check_inputs(rows, quality):
    suite = next(s for s in load_suites() if s["name"] == "inputs")
    return enforce([quality.validate(suite, pd.DataFrame(rows), "test-run")])


def test_a_lost_accepted_input_fails_the_inputs_suite_but_bad_inputs_do_not(quality):
    good = inputs_model(
        [
            ledger_row("a.txt", "accepted", doc_id=ARTICLE_DOC),
            ledger_row("feed.jsonl:2", "quarantined", "invalid JSON"),
        ]
    )
    check_inputs(good, quality)
    lost = inputs_model([ledger_row("lost.txt", "accepted", doc_id=LOST_DOC)])
    with pytest.raises(GateFailed, match=r"expect_column_values_to_not_be_null\(ended_as\)"):
        check_inputs(lost, quality)


def test_a_skip_without_its_reason_fails_the_inputs_suite(quality):
    rows = inputs_model([ledger_row("pipe.txt", "skipped", reason=None)])
    with pytest.raises(GateFailed, match=r"expect_column_values_to_not_be_null\(reason\)"):
        check_inputs(rows, quality)
