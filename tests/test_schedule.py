"""`copydesk serve`: the nightly deployment registers on its cron schedule in the configured time
zone, a triggered run completes, and prefect.yaml declares the same deployment."""

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
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


@pytest.mark.slow  # a real Prefect server and a wait for the next minute: about two minutes
def test_serve_without_an_api_url_starts_a_server_whose_schedule_fires(tmp_path):
    import httpx

    raw, data = tmp_path / "raw", tmp_path / "data"
    shutil.copytree(SEEDS_DIR, raw)
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(
        PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS="2",
        PREFECT_RUNNER_POLL_FREQUENCY="1",
    )
    command = [sys.executable, "-m", "copydesk.cli", "serve", "--raw", str(raw)]
    command += ["--data", str(data), "--cron", "* * * * *"]
    serving = subprocess.Popen(
        command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output: list[str] = []
    reader = threading.Thread(target=lambda: output.extend(serving.stdout), daemon=True)
    reader.start()
    api = None
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not (data / "warehouse.duckdb").exists():
            assert serving.poll() is None, "".join(output)
            time.sleep(1)
        assert (data / "warehouse.duckdb").exists(), "".join(output)
        (api,) = re.findall(r"its UI is at (http://127\.0\.0\.1:\d+)", "".join(output))
        # `copydesk status` finds the server serve started, and the next minute's run on it.
        status = subprocess.run(
            [sys.executable, "-m", "copydesk.cli", "status", "--data", str(data)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert re.search(r"next run   \d{4}-\d\d-\d\d \d\d:\d\d UTC", status.stdout), status
        runs = httpx.post(f"{api}/api/flow_runs/filter", json={}, timeout=10).json()
        fired = [run for run in runs if run["auto_scheduled"]]
        assert fired, runs  # created by the server's scheduler, not triggered by hand
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(
            run["state_type"] == "COMPLETED"
            for run in httpx.post(f"{api}/api/flow_runs/filter", json={}, timeout=10).json()
            if run["id"] == fired[0]["id"]
        ):
            time.sleep(1)
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
            assert conn.execute("select count(*) from articles").fetchall() == [(5,)]
        assert (data / "prefect" / "prefect.db").exists()  # its state lives under the data folder
    finally:
        serving.send_signal(signal.SIGTERM)
        try:
            serving.wait(timeout=60)
        except subprocess.TimeoutExpired:
            serving.kill()
            serving.wait()
    # Stopping serve stopped the server it started.
    if api:
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{api}/api/health", timeout=2)


@pytest.mark.usefixtures("prefect_server")
def test_nights_missed_while_nothing_served_become_one_catch_up_run(tmp_path):
    from datetime import UTC, datetime, timedelta

    from prefect.client.orchestration import get_client
    from prefect.states import Scheduled

    from flows.schedule import cancel_missed_runs, nightly_deployment

    settings = Settings(raw_dir=tmp_path / "raw", data_dir=tmp_path / "data")
    name = "copydesk-missed-nights"
    deployment_id = nightly_deployment(settings, name).apply()
    now = datetime.now(UTC)
    with get_client(sync_client=True) as client:
        missed = [
            client.create_flow_run_from_deployment(
                deployment_id, state=Scheduled(scheduled_time=now - timedelta(days=days))
            ).id
            for days in (3, 2, 1)
        ]
        assert cancel_missed_runs(f"{FLOW_NAME}/{name}") == 2
        states = {run_id: client.read_flow_run(run_id).state for run_id in missed}
    assert [states[run_id].type.value for run_id in missed] == [
        "CANCELLED",
        "CANCELLED",
        "SCHEDULED",
    ]
    assert "catch-up" in states[missed[0]].message
