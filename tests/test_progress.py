"""Progress of a run: a live line per stage on a terminal, plain lines elsewhere."""

import io

import pytest

from copydesk.progress import Progress


def test_plain_lines_name_each_stage_and_what_it_did():
    stream = io.StringIO()
    progress = Progress(stream, live=False)
    with progress.stage("ingest") as step:
        step.detail = "5 files, 5 new documents"
    with pytest.raises(RuntimeError), progress.stage("check marts"):
        raise RuntimeError("gate failed")
    lines = stream.getvalue().splitlines()
    assert "copydesk done ingest: 5 files, 5 new documents (" in lines[0]
    assert "copydesk FAILED check marts (" in lines[1]
    assert "\r" not in stream.getvalue()


def test_live_display_rewrites_the_stage_line_in_place():
    stream = io.StringIO()
    with Progress(stream, live=True).stage("build staging") as step:
        step.detail = "4 models"
    out = stream.getvalue()
    assert out.startswith("\r  … build staging")
    assert "\r\x1b[K  ✓ build staging: 4 models (" in out
