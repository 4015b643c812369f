"""A night with nothing new: `copydesk run` records it without the flow, as the flow would, and
the reports are kept while they are current for the published generation."""

import json
import os
import shutil

import duckdb
import pytest

from copydesk.cli import main
from copydesk.nothing_new import run_if_nothing_new
from copydesk.quality.reports import stamp_path
from copydesk.settings import Settings
from copydesk.status import live_served_api
from flows.nightly import nightly
from tests.conftest import SEEDS_DIR
from tests.test_recovery import write_day_two

pytestmark = pytest.mark.usefixtures("prefect_server")


def publish(root):
    """Seeds and day two's input (empty.txt among it, which only ever quarantines and so is read
    again every night) published by the flow."""
    raw, data = root / "raw", root / "data"
    shutil.copytree(SEEDS_DIR, raw)
    write_day_two(raw)
    assert nightly(raw_dir=str(raw), data_dir=str(data)).status == "published"
    return raw, data


@pytest.fixture
def published(tmp_path):
    return publish(tmp_path / "night")


def nightly_flow_runs() -> int:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowFilter, FlowFilterName

    with get_client(sync_client=True) as client:
        return client.count_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=["nightly"])))


def runs(data) -> list[tuple]:
    return duckdb.sql(
        "select run_id, status, plan, documents_read, articles_published, message"
        f" from read_parquet('{data}/lake/runs/*/*.parquet') order by started_at"
    ).fetchall()


def ledger(data, run_id) -> list[tuple]:
    return duckdb.sql(
        "select source_id, outcome, reason, doc_id"
        f" from read_parquet('{data}/lake/inputs/*/*.parquet') where run_id = '{run_id}'"
        " order by all"
    ).fetchall()


def files_unchanged(data, run_id) -> int:
    return duckdb.sql(
        f"select files_unchanged from read_parquet('{data}/lake/runs/*/*.parquet')"
        f" where run_id = '{run_id}'"
    ).fetchall()[0][0]


def report_times(data) -> dict[str, int]:
    quality = data / "quality"
    pages = [quality / "dashboard" / "index.html"]
    pages.append(quality / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html")
    return {str(page): page.stat().st_mtime_ns for page in pages}


def lake_files(data) -> set[str]:
    return {str(path) for path in (data / "lake").rglob("*") if path.is_file()}


def test_copydesk_run_records_a_night_with_nothing_new_as_the_flow_does_without_it(
    published, tmp_path, monkeypatch, capsys
):
    raw, data = published
    # The same night published twice: the flow's own nothing-new night on the twin, to compare.
    twin_raw, twin_data = publish(tmp_path / "twin")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    warehouse = data / "warehouse.duckdb"
    before = (warehouse.read_bytes(), warehouse.stat().st_ino)
    reports, flow_runs = report_times(data), nightly_flow_runs()

    assert main(["run", "--raw", str(raw), "--data", str(data)]) == 0
    assert nightly_flow_runs() == flow_runs  # no flow run: the flow never started
    assert "nothing_new" in capsys.readouterr().out
    assert nightly(raw_dir=str(twin_raw), data_dir=str(twin_data)).status == "nothing_new"
    assert nightly_flow_runs() == flow_runs + 1

    (published_run, quiet), (twin_run, flowed) = runs(data), runs(twin_data)
    assert quiet[1:5] == flowed[1:5] == ("nothing_new", "nothing to build", 1, 7)  # empty.txt
    assert quiet[5] == f"nothing new since run {published_run[0]}; published warehouse unchanged"
    assert flowed[5] == quiet[5].replace(published_run[0], twin_run[0])
    quiet_ledger = ledger(data, quiet[0])
    # empty.txt alone is read again (it only ever quarantined): the files left unread get no
    # ledger row, as in the flow's night, and are counted in the run's record.
    assert quiet_ledger == ledger(twin_data, flowed[0])
    assert [row[:2] for row in quiet_ledger] == [("empty.txt", "quarantined")]
    listed = len(list(raw.iterdir()))
    assert files_unchanged(data, quiet[0]) == files_unchanged(twin_data, flowed[0]) == listed - 1
    assert (warehouse.read_bytes(), warehouse.stat().st_ino) == before
    assert not (data / "warehouse.previous.duckdb").exists()
    assert report_times(data) == reports  # current for the published generation: kept


def test_reports_are_rebuilt_when_missing_or_built_for_another_generation(published):
    raw, data = published
    settings = Settings.from_env(raw, data)
    dashboard = data / "quality" / "dashboard" / "index.html"
    dashboard.unlink()
    assert run_if_nothing_new(settings).status == "nothing_new"
    assert dashboard.is_file()

    stamp = json.loads(stamp_path(settings).read_text())
    stamp_path(settings).write_text(json.dumps({**stamp, "published_run": "another-run"}))
    reports = report_times(data)
    assert run_if_nothing_new(settings).dashboard == str(dashboard)
    rebuilt = report_times(data)
    assert all(rebuilt[page] > reports[page] for page in reports)
    assert json.loads(stamp_path(settings).read_text()) == stamp


def test_a_night_with_a_file_to_read_is_left_to_the_flow_having_written_nothing(
    published, monkeypatch, capsys
):
    from prefect.settings import PREFECT_API_URL

    raw, data = published
    settings = Settings.from_env(raw, data)
    (raw / "tonight.txt").write_text("A new story arrives tonight and is long enough to publish.")
    before = lake_files(data)
    assert run_if_nothing_new(settings) is None
    assert lake_files(data) == before
    assert run_if_nothing_new(Settings.from_env(raw, data, full_rebuild=True)) is None
    assert lake_files(data) == before

    # The flow reports to `copydesk serve`'s server when it answers (here the session's).
    served = PREFECT_API_URL.value()
    settings.served_api_path.parent.mkdir(parents=True, exist_ok=True)
    settings.served_api_path.write_text(served + "\n")
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    flow_runs = nightly_flow_runs()
    assert main(["run", "--raw", str(raw), "--data", str(data)]) == 0
    assert f"reporting to copydesk serve's Prefect server at {served}" in capsys.readouterr().err
    assert os.environ["PREFECT_API_URL"] == served
    assert nightly_flow_runs() == flow_runs + 1
    assert runs(data)[-1][1] == "published"


def test_a_serve_that_no_longer_answers_is_not_reported_to(tmp_path):
    settings = Settings.from_env(tmp_path / "raw", tmp_path / "data")
    assert live_served_api(settings) == ""  # no serve ever ran
    settings.served_api_path.parent.mkdir(parents=True)
    settings.served_api_path.write_text("http://127.0.0.1:9/api\n")  # a killed serve's file
    assert live_served_api(settings) == ""


def test_with_a_prefect_server_named_the_night_is_a_flow_run(published, monkeypatch):
    from prefect.settings import PREFECT_API_URL

    raw, data = published
    monkeypatch.setenv("PREFECT_API_URL", PREFECT_API_URL.value())
    flow_runs = nightly_flow_runs()
    assert main(["run", "--raw", str(raw), "--data", str(data)]) == 0
    assert nightly_flow_runs() == flow_runs + 1
    assert runs(data)[-1][1] == "nothing_new"
