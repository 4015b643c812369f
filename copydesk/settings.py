"""The one settings object, and the one place that knows where things live."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from copydesk.ingest.fields import parse_field_map

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SQL_DIR = PROJECT_ROOT / "sql"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"
REFERENCE_DIR = PROJECT_ROOT / "data" / "reference"  # reviewable reference tables, in git

# Analytics off before Prefect or GX are imported anywhere: runs must not phone home.
QUIET_ENVIRONMENT = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
}

# Where the ingest stage reads its batches: Prefect's thread pool or process pool, a local Dask
# cluster, or an existing Dask scheduler's address (dask://host:port or tcp://host:port).
TASK_RUNNERS = ("threads", "processes", "dask")
DASK_ADDRESS_SCHEMES = ("dask://", "tcp://")


def quiet_environment() -> None:
    """Set the no-telemetry variables unless the user set them already."""
    for key, value in QUIET_ENVIRONMENT.items():
        os.environ.setdefault(key, value)


@dataclass(frozen=True)
class Settings:
    """Where the raw dumps are read from and where the lake, warehouse and reports go."""

    raw_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data" / "raw")
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "data")
    expectations_dir: Path = EXPECTATIONS_DIR
    timezone: str = "UTC"
    schedule_cron: str = "0 2 * * *"
    task_runner: str = "threads"
    full_rebuild: bool = False  # rebuild every table from the lake instead of updating the last
    full_rebuild_days: float = 7  # rebuild in full when the last full build is older than this
    # Run the per-document models per lake partition on the task runner, each in a DuckDB of its
    # own, then the rest in the build's (copydesk/warehouse/partitions.py); off: all in one.
    partitioned_build: bool = False
    memory_limit: str = ""  # DuckDB's memory_limit for a build ("7GB"); empty: 80% of the RAM
    # A raw file modified less than this many seconds ago is left for a later night: a crawler
    # may still be writing it under its final name.
    settle_seconds: float = 60
    allow_shrink: bool = False  # the operator means tonight's tables to lose published rows
    notify: str = ""  # a command (run without a shell) or an http(s) URL told of a failed night
    max_age_hours: float = 36  # `copydesk status` calls an older published warehouse unhealthy
    export_at_publish: bool = False  # write the marts as Parquet after every publish
    export_dir: Path | None = None  # where `copydesk export` writes; None: data/export
    # A feed's own names for record fields, tried before the aliases (copydesk/ingest/fields.py).
    field_map: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_env(
        cls,
        raw_dir: str | Path | None = None,
        data_dir: str | Path | None = None,
        full_rebuild: bool = False,
    ):
        """Settings from arguments, then COPYDESK_* variables, then the defaults."""
        defaults = cls()
        raw = raw_dir or os.environ.get("COPYDESK_RAW") or defaults.raw_dir
        data = data_dir or os.environ.get("COPYDESK_DATA") or defaults.data_dir
        return cls(
            raw_dir=Path(raw).resolve(),
            data_dir=Path(data).resolve(),
            expectations_dir=Path(
                os.environ.get("COPYDESK_EXPECTATIONS", defaults.expectations_dir)
            ).resolve(),
            timezone=os.environ.get("COPYDESK_TIMEZONE", defaults.timezone),
            schedule_cron=os.environ.get("COPYDESK_SCHEDULE", defaults.schedule_cron),
            task_runner=task_runner_choice(
                os.environ.get("COPYDESK_TASK_RUNNER") or defaults.task_runner
            ),
            full_rebuild=full_rebuild or switched_on("COPYDESK_FULL_REBUILD"),
            full_rebuild_days=float(
                os.environ.get("COPYDESK_FULL_REBUILD_DAYS") or defaults.full_rebuild_days
            ),
            partitioned_build=switched_on("COPYDESK_PARTITIONED_BUILD"),
            memory_limit=memory_limit_choice(os.environ.get("COPYDESK_MEMORY_LIMIT", "")),
            settle_seconds=float(
                os.environ.get("COPYDESK_SETTLE_SECONDS") or defaults.settle_seconds
            ),
            allow_shrink=switched_on("COPYDESK_ALLOW_SHRINK"),
            notify=notify_choice(os.environ.get("COPYDESK_NOTIFY", "")),
            max_age_hours=float(os.environ.get("COPYDESK_MAX_AGE_HOURS") or defaults.max_age_hours),
            export_at_publish=switched_on("COPYDESK_EXPORT"),
            export_dir=(
                # absolute(), not resolve(): the folder is a link to swap, not to follow
                Path(os.environ["COPYDESK_EXPORT_DIR"]).absolute()
                if os.environ.get("COPYDESK_EXPORT_DIR")
                else None
            ),
            field_map=parse_field_map(os.environ.get("COPYDESK_FIELD_MAP", "")),
        )

    @property
    def shrink_allowed(self) -> str | None:
        """Why tonight's tables may lose published rows (the publish gate's exception), or None."""
        return "COPYDESK_ALLOW_SHRINK=1" if self.allow_shrink else None

    def duckdb_config(self) -> dict[str, str | bool | int | float | list[str]]:
        """The DuckDB options a build's connection opens with."""
        return {"memory_limit": self.memory_limit} if self.memory_limit else {}

    @property
    def dask_address(self) -> str | None:
        """The Dask scheduler address task_runner names, as distributed spells it; else None."""
        if not self.task_runner.startswith(DASK_ADDRESS_SCHEMES):
            return None
        return self.task_runner.replace("dask://", "tcp://", 1)

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def documents_dir(self) -> Path:
        return self.lake_dir / "documents"

    @property
    def quarantine_dir(self) -> Path:
        return self.lake_dir / "quarantine"

    @property
    def inputs_dir(self) -> Path:
        return self.lake_dir / "inputs"

    @property
    def runs_dir(self) -> Path:
        return self.lake_dir / "runs"

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def previous_warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.previous.duckdb"

    @property
    def export_path(self) -> Path:
        """The marts as Parquet (`copydesk export`, COPYDESK_EXPORT): a link to its generation."""
        return self.export_dir or self.data_dir / "export"

    @property
    def quality_dir(self) -> Path:
        return self.data_dir / "quality"

    @property
    def prefect_home(self) -> Path:
        """PREFECT_HOME of the Prefect server `copydesk serve` starts: its database and log."""
        return self.data_dir / "prefect"

    @property
    def served_api_path(self) -> Path:
        """Where `copydesk serve` writes the API address of the Prefect server it started."""
        return self.prefect_home / "api-url"

    @property
    def lock_path(self) -> Path:
        return self.data_dir / ".copydesk.lock"

    def building_path(self, run_id: str) -> Path:
        """The file a run builds its warehouse in before publishing it."""
        return self.data_dir / f".warehouse.{run_id}.building.duckdb"


def switched_on(variable: str) -> bool:
    """Whether an on/off COPYDESK_* variable is set to 1, true or yes."""
    return os.environ.get(variable, "").lower() in ("1", "true", "yes")


def task_runner_choice(value: str) -> str:
    """COPYDESK_TASK_RUNNER, checked: threads, processes, dask or a Dask scheduler's address."""
    value = value.strip()
    if value in TASK_RUNNERS or (
        value.startswith(DASK_ADDRESS_SCHEMES) and value.split("://", 1)[1]
    ):
        return value
    raise ValueError(
        f"COPYDESK_TASK_RUNNER={value!r}: expected threads, processes, dask,"
        " or a Dask scheduler address (dask://host:port, tcp://host:port)"
    )


def notify_choice(value: str) -> str:
    """COPYDESK_NOTIFY, checked now: a URL, or a command line that splits into words."""
    value = value.strip()
    if value and not value.startswith(("http://", "https://")):
        import shlex

        try:
            shlex.split(value)
        except ValueError as error:
            raise ValueError(
                f"COPYDESK_NOTIFY={value!r}: expected an http(s) URL or a command ({error})"
            ) from None
    return value


def memory_limit_choice(value: str) -> str:
    """COPYDESK_MEMORY_LIMIT, checked now by DuckDB itself, not hours later by the night's build."""
    value = value.strip()
    if not value:
        return ""
    import duckdb

    try:
        duckdb.connect(config={"memory_limit": value}).close()
    except duckdb.Error as error:
        raise ValueError(
            f"COPYDESK_MEMORY_LIMIT={value!r}: expected a size DuckDB reads, like 7GB or 800MB"
            f" ({error})"
        ) from None
    return value
