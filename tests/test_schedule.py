"""`copydesk serve`: the nightly deployment registers on its cron schedule in the configured time
zone, a triggered run completes, and prefect.yaml declares the same deployment."""

import os
import shutil
import signal
import subprocess
import sys
import time

import duckdb
import pytest
import yaml

from copydesk.cli import main
from copydesk.settings import PROJECT_ROOT, Settings
from flows.schedule import DEPLOYMENT_NAME, ENTRYPOINT, FLOW_NAME
from tests.conftest import SEEDS_DIR


def test_bad_schedules_are_refused_before_anything_is_registered(capsys):
    assert main(["serve", "--timezone", "Mars/Olympus_Mons"]) == 2
    assert "Invalid timezone" in capsys.readouterr().err
    assert main(["serve", "--cron", "at two"]) == 2
    assert "Invalid cron string" in capsys.readouterr().err


def test_prefect_yaml_declares_the_same_deployment():
    config = yaml.safe_load((PROJECT_ROOT / "prefect.yaml").read_text())
    (deployment,) = config["deployments"]
    defaults = Settings()
    assert deployment["name"] == DEPLOYMENT_NAME
    assert deployment["entrypoint"] == "flows/nightly.py:nightly"
    assert ENTRYPOINT == "flows.nightly.nightly"
    (schedule,) = deployment["schedules"]
    assert (schedule["cron"], schedule["timezone"]) == (defaults.schedule_cron, defaults.timezone)
    assert deployment["concurrency_limit"] == 1
    assert deployment["parameters"] == {}  # the flow's defaults: COPYDESK_RAW, COPYDESK_DATA


@pytest.mark.usefixtures("prefect_server")
def test_serve_registers_the_schedule_and_a_triggered_run_completes(tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment
    from prefect.settings import PREFECT_API_URL

    raw, data = tmp_path / "raw", tmp_path / "data"
    shutil.copytree(SEEDS_DIR, raw)
    env = dict(
        os.environ,
        PREFECT_API_URL=PREFECT_API_URL.value(),  # the session's test server, not a new one
        PREFECT_RUNNER_POLL_FREQUENCY="1",
    )
    name = "copydesk-nightly-test"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "copydesk.cli",
            "serve",
            "--raw",
            str(raw),
            "--data",
            str(data),
            "--timezone",
            "Europe/Paris",
            "--name",
            name,
        ],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        with get_client(sync_client=True) as client:
            deployment = None
            deadline = time.monotonic() + 60
            while deployment is None and time.monotonic() < deadline:
                assert server.poll() is None, server.stdout.read()
                try:
                    deployment = client.read_deployment_by_name(f"{FLOW_NAME}/{name}")
                except Exception:  # not registered yet
                    time.sleep(0.5)
            assert deployment is not None, "the deployment never registered"
            (schedule,) = deployment.schedules
            assert schedule.active
            assert (schedule.schedule.cron, schedule.schedule.timezone) == (
                "0 2 * * *",
                "Europe/Paris",
            )
            assert deployment.parameters == {"raw_dir": str(raw), "data_dir": str(data)}

        flow_run = run_deployment(f"{FLOW_NAME}/{name}", timeout=180, poll_interval=1)
        assert flow_run.state.is_completed(), flow_run.state
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
            assert conn.execute("select count(*) from articles").fetchall() == [(5,)]
        assert server.poll() is None  # still serving after the run
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
