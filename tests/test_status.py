"""`copydesk status`: the last run, the published generation and its age, the next scheduled run,
and an exit code a cron-style monitor can act on."""

import shutil
from datetime import UTC, datetime, timedelta

import pytest

from copydesk.cli import main
from tests.conftest import SEEDS_DIR, suites_with

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A data folder with the seeds published by `copydesk run`."""
    root = tmp_path_factory.mktemp("status")
    shutil.copytree(SEEDS_DIR, root / "raw")
    assert main(["run", "--raw", str(root / "raw"), "--data", str(root / "data")]) == 0
    return root / "data"


def published_run_id(data) -> str:
    import json

    return json.loads((data / "lake" / "published.json").read_text())["run_id"]


def test_status_after_a_published_night_is_healthy_and_names_the_run(
    published, capsys, monkeypatch
):
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    capsys.readouterr()  # not the run's own summary
    assert main(["status", "--data", str(published)]) == 0
    out = capsys.readouterr().out
    run_id = published_run_id(published)
    assert f"last run   {run_id}: published" in out
    assert "5 articles" in out
    assert f"published  run {run_id}" in out and "0.0 h old" in out
    assert "no schedule known" in out
    assert "healthy" in out and "unhealthy" not in out


def test_status_says_when_the_published_warehouse_is_too_old(published, capsys, monkeypatch):
    monkeypatch.setenv("COPYDESK_MAX_AGE_HOURS", "0.00001")
    assert main(["status", "--data", str(published)]) == 1
    out = capsys.readouterr().out
    assert "unhealthy" in out
    assert "the published warehouse is older than COPYDESK_MAX_AGE_HOURS=1e-05 h" in out


def test_status_after_a_failed_night_names_the_failed_gate(tmp_path, capsys, monkeypatch):
    shutil.copytree(SEEDS_DIR, tmp_path / "raw")
    strict = suites_with(
        tmp_path / "strict-expectations",
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"max_value": 2},
            "severity": "critical",
            "meta": {"why": "a stricter suite a user might write"},
        },
    )
    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(strict))
    data = tmp_path / "data"
    assert main(["run", "--raw", str(tmp_path / "raw"), "--data", str(data)]) == 1
    capsys.readouterr()
    assert main(["status", "--data", str(data)]) == 1
    out = capsys.readouterr().out
    assert ": failed" in out
    assert "gate 'articles' (marts, main.articles) failed" in out
    assert "expect_table_row_count_to_be_between: observed 5" in out
    assert "the last run failed" in out
    assert "nothing was ever published" in out


def test_status_of_an_empty_data_folder_is_unhealthy(tmp_path, capsys):
    assert main(["status", "--data", str(tmp_path / "data")]) == 1
    out = capsys.readouterr().out
    assert "last run   none recorded" in out
    assert "nothing was ever published" in out


def test_status_shows_the_next_scheduled_run_of_the_served_deployment(
    published, capsys, monkeypatch
):
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings
    from prefect.states import Scheduled

    when = (datetime.now(UTC) + timedelta(hours=5)).replace(microsecond=0)
    with get_client(sync_client=True) as client:
        flow_id = client.create_flow_from_name("nightly")
        deployment_id = client.create_deployment(flow_id=flow_id, name="copydesk-nightly")
        client.create_flow_run_from_deployment(deployment_id, state=Scheduled(scheduled_time=when))
    monkeypatch.setenv("PREFECT_API_URL", get_current_settings().api.url)
    assert main(["status", "--data", str(published)]) == 0
    out = capsys.readouterr().out
    assert f"next run   {when:%Y-%m-%d %H:%M} UTC (nightly/copydesk-nightly, in 5.0 h)" in out

    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")  # nobody listens
    assert main(["status", "--data", str(published)]) == 0
    assert "no schedule known (Prefect API at http://127.0.0.1:9/api" in capsys.readouterr().out
