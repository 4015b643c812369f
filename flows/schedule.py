"""Serving the nightly flow as a Prefect deployment on a cron schedule in a chosen time zone.

`copydesk serve` registers the deployment with the Prefect API (a server you run, or Prefect's
temporary one) and keeps a runner polling for its runs until interrupted; prefect.yaml declares the
same deployment for a Prefect server with workers. A plain `copydesk run` never starts either.
"""

from __future__ import annotations

from copydesk.settings import Settings

DEPLOYMENT_NAME = "copydesk-nightly"
FLOW_NAME = "nightly"
ENTRYPOINT = "flows.nightly.nightly"  # a module path: works from any working directory


class ScheduleError(ValueError):
    """A cron expression or a time zone that cannot be scheduled."""


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

    deployment = nightly_deployment(settings, name)
    print(
        f"copydesk serve: deployment '{FLOW_NAME}/{name}' runs '{settings.schedule_cron}'"
        f" in {settings.timezone}; Ctrl-C stops serving",
        flush=True,
    )
    # limit=1: the runner never starts a second run while one is in progress (the run lock
    # would refuse it anyway).
    serve(deployment, limit=1, print_starting_message=False)
