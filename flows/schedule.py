"""Serving the nightly flow as a Prefect deployment on a cron schedule in a chosen time zone.

`copydesk serve` registers the deployment with the Prefect API (PREFECT_API_URL's server, else a
local server it starts with its scheduler) and keeps a runner polling for its runs until
interrupted; prefect.yaml declares the same deployment for a Prefect server with workers. A plain
`copydesk run` never starts either.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from copydesk.settings import Settings

DEPLOYMENT_NAME = "copydesk-nightly"
FLOW_NAME = "nightly"
ENTRYPOINT = "flows.nightly.nightly"  # a module path: works from any working directory


# A local Prefect server starts in 7-18 s on these machines; a slow disk or a cold import cache
# can triple that.
SERVER_STARTUP_SECONDS = 120


class ScheduleError(ValueError):
    """A cron expression or a time zone that cannot be scheduled."""


class ServeRefused(RuntimeError):
    """No Prefect server could be reached or started, so no schedule would ever fire."""


def nightly_schedule(settings: Settings):
    """The cron schedule in the configured time zone (Prefect's `cron=` alone would be UTC)."""
    from prefect.client.schemas.schedules import CronSchedule
    from prefect.schedules import Cron
    from pydantic import ValidationError

    try:  # validates the cron string and the IANA time zone name
        CronSchedule(cron=settings.schedule_cron, timezone=settings.timezone)
    except ValidationError as error:
        problems = "; ".join(e["msg"].removeprefix("Value error, ") for e in error.errors())
        raise ScheduleError(problems) from None
    return Cron(settings.schedule_cron, timezone=settings.timezone)


def nightly_deployment(settings: Settings, name: str = DEPLOYMENT_NAME):
    """The deployment: the nightly flow with this raw and data folder, on the schedule."""
    from prefect.deployments.runner import EntrypointType

    from flows.nightly import nightly

    return nightly.to_deployment(
        name=name,
        schedule=nightly_schedule(settings),
        parameters={"raw_dir": str(settings.raw_dir), "data_dir": str(settings.data_dir)},
        description=(
            f"Copydesk nightly run: {settings.raw_dir} -> {settings.data_dir}"
            f" at '{settings.schedule_cron}' ({settings.timezone})"
        ),
        tags=["copydesk"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_nightly(settings: Settings, name: str = DEPLOYMENT_NAME) -> None:
    """Register the deployment and run its flow runs, one at a time, until interrupted."""
    from prefect import serve

    deployment = nightly_deployment(settings, name)  # a bad schedule fails before any server
    with prefect_api(settings), stop_on_sigterm():
        missed = cancel_missed_runs(f"{FLOW_NAME}/{name}")
        if missed:
            print(f"copydesk serve: {missed} missed nights cancelled; one catch-up run follows")
        print(
            f"copydesk serve: deployment '{FLOW_NAME}/{name}' runs '{settings.schedule_cron}'"
            f" in {settings.timezone}; Ctrl-C stops serving",
            flush=True,
        )
        # limit=1: the runner never starts a second run while one is in progress (the run lock
        # would refuse it anyway).
        serve(deployment, limit=1, print_starting_message=False)


@contextmanager
def prefect_api(settings: Settings) -> Iterator[str]:
    """The Prefect API to serve on: PREFECT_API_URL's when set; else a local Prefect server with
    its services, started here with its state under the data folder and stopped on exit.

    Prefect's own temporary server (what a client starts without PREFECT_API_URL) runs without
    the scheduler service, so a deployment served on it never fires."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if PREFECT_API_URL.value():
        yield PREFECT_API_URL.value()
        return
    home = settings.prefect_home
    home.mkdir(parents=True, exist_ok=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/api"
    log_path = home / "server.log"
    with open(log_path, "ab") as log:
        server = subprocess.Popen(  # noqa: S603 - Prefect's own CLI from this environment
            [str(Path(sys.executable).parent / "prefect"), "server", "start"]
            + ["--host", "127.0.0.1", "--port", str(port)],
            env={**os.environ, "PREFECT_HOME": str(home)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped whole, never orphaned
        )
    try:
        wait_until_healthy(server, url, log_path)
        print(
            f"copydesk serve: started a Prefect server for the schedule (state in {home});"
            f" its UI is at {url.removesuffix('/api')}",
            flush=True,
        )
        # For `copydesk status`, which has no other way to find this server's port.
        settings.served_api_path.write_text(url + "\n", encoding="utf-8")
        with temporary_settings({PREFECT_API_URL: url}):
            yield url
    finally:
        settings.served_api_path.unlink(missing_ok=True)
        stop_process_group(server)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(server: subprocess.Popen, url: str, log_path: Path) -> None:
    """Return once the server answers its health check; raise ServeRefused if it exits or does
    not answer within SERVER_STARTUP_SECONDS."""
    deadline = time.monotonic() + SERVER_STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ServeRefused(
                f"the Prefect server exited with code {server.returncode} while starting;"
                f" see {log_path}"
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:  # noqa: S310
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    stop_process_group(server)
    raise ServeRefused(
        f"the Prefect server did not answer within {SERVER_STARTUP_SECONDS} s; see {log_path}"
    )


def stop_process_group(process: subprocess.Popen) -> None:
    """Stop a child started in its own session, and whatever it started, within seconds."""
    if process.poll() is not None:
        return
    for stop_signal, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, stop_signal)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def stop_on_sigterm() -> Iterator[None]:
    """Treat SIGTERM (a service manager's stop) like Ctrl-C: the server started here stops too."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def cancel_missed_runs(deployment_name: str) -> int:
    """Cancel all but the newest of the deployment's runs whose time passed while nothing served
    them; returns how many. A night rebuilds from everything in the lake, so one catch-up run
    does what every missed night would have done."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterExpectedStartTime,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.exceptions import ObjectNotFound
    from prefect.states import Cancelled

    with get_client(sync_client=True) as client:
        try:
            deployment = client.read_deployment_by_name(deployment_name)
        except ObjectNotFound:
            return 0  # the first serve: nothing was ever scheduled
        overdue = client.read_flow_runs(
            deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
                # pydantic takes a datetime where the stubs name pendulum's DateTime
                expected_start_time=FlowRunFilterExpectedStartTime(
                    before_=datetime.now(UTC)  # type: ignore[arg-type]
                ),
            ),
        )
        overdue.sort(key=lambda run: run.expected_start_time or datetime.min.replace(tzinfo=UTC))
        for run in overdue[:-1]:
            message = "missed while nothing served the schedule; one catch-up run replaces it"
            client.set_flow_run_state(run.id, Cancelled(message=message), force=True)
    return max(len(overdue) - 1, 0)
