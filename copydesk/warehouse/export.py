"""The marts as Parquet (`copydesk export`): one folder per table, swapped in whole.

The export folder is a symbolic link to a generation folder beside it
(`.export.copydesk-export.<run>.<time>/`), each written in full from one published warehouse
file, checked, given its manifest.json, and then linked in with one os.replace: a reader sees one
night's tables or the next night's, never a mix. The generation before stays until the next
export, for readers still holding its files.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from copydesk.settings import Settings
from copydesk.warehouse import generations
from copydesk.warehouse.connection import quote_identifier, sql_literal
from copydesk.warehouse.models import load_models
from copydesk.warehouse.publishing import fsync_directory

# Partitioned by month where readers filter by date; articles without a date go under `undated`
# (a value every reader shows as it is, unlike DuckDB's NULL or Hive's default partition name).
PARTITIONS = {
    "articles": (
        "published_month",
        "coalesce(strftime(published_date, '%Y-%m'), 'undated')",
    ),
}
# Past this a table's folder holds more than one file, so no reader must load one huge file.
FILE_SIZE = "512MB"
MANIFEST = "manifest.json"
# Beside the export folder, every name Copydesk makes starts `.<folder>.<TAG>.`, and only those
# are ever swept: `--out` may name a folder among someone's own.
TAG = "copydesk-export"


class ExportRefused(RuntimeError):
    """Nothing to export, an unknown table, or an --out folder that is not an export."""


@dataclass
class TableExport:
    rows: int
    files: list[str]
    partitioned_by: str | None = None


@dataclass
class ExportManifest:
    """What an export folder holds and which warehouse generation it was written from."""

    run_id: str | None  # the run that published the warehouse exported (its runs table says)
    warehouse: str
    warehouse_published_at: str | None
    exported_at: str
    compression: str = "zstd"
    tables: dict[str, TableExport] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            **{k: v for k, v in self.__dict__.items() if k != "tables"},
            "tables": {name: table.__dict__ for name, table in self.tables.items()},
        }


def mart_names() -> list[str]:
    """The published marts (sql/marts/), by table name, in the order the models run."""
    return [model.name for model in load_models() if model.layer == "marts"]


def export_marts(
    settings: Settings, out: Path | None = None, tables: list[str] | None = None
) -> tuple[Path, ExportManifest]:
    """Write the marts (or `tables`) of the published warehouse as Parquet under `out` (default
    the settings' export folder); returns the folder and its manifest."""
    out = Path(out or settings.export_path).absolute()
    known = mart_names()
    chosen = list(dict.fromkeys(tables or known))
    unknown = sorted(set(chosen) - set(known))
    if unknown:
        raise ExportRefused(f"not a mart: {', '.join(unknown)} (marts: {', '.join(sorted(known))})")
    if not settings.warehouse_path.exists():
        raise ExportRefused(f"no warehouse at {settings.warehouse_path}; run `copydesk run` first")
    out.parent.mkdir(parents=True, exist_ok=True)
    with export_lock(out):
        move_aside_plain_folder(out)
        conn, run_id = open_generation(settings)
        folder = beside(out, f"{run_id or 'unrecorded'}.{time.time_ns()}")
        try:
            manifest = write_generation(conn, folder, chosen, settings, run_id)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        finally:
            conn.close()
        previous = os.readlink(out) if out.is_symlink() else None
        link = beside(out, "link.tmp")
        link.unlink(missing_ok=True)
        link.symlink_to(folder.name)  # relative: the data folder may be moved or mounted
        os.replace(link, out)
        fsync_directory(out.parent)
        sweep_generations(out, keep={folder.name, previous or ""})
    return out, manifest


def open_generation(settings: Settings) -> tuple[duckdb.DuckDBPyConnection, str | None]:
    """A read-only connection to the published file, and the run that published it as the file's
    own runs table says: an open connection keeps reading the file it opened even when a publish
    swaps in another, so every table comes from that one generation."""
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        found = conn.execute(
            "select run_id from main.runs where status = 'published'"
            " order by started_at desc limit 1"
        ).fetchall()
    except duckdb.Error:
        conn.close()
        raise
    return conn, found[0][0] if found else None


def write_generation(
    conn: duckdb.DuckDBPyConnection,
    folder: Path,
    tables: list[str],
    settings: Settings,
    run_id: str | None,
) -> ExportManifest:
    """Every chosen table as zstd Parquet in its own folder, checked against the warehouse's
    row counts, and the manifest last."""
    folder.mkdir()
    state = generations.published_state(settings)
    manifest = ExportManifest(
        run_id=run_id,
        warehouse=str(settings.warehouse_path),
        warehouse_published_at=state.published_at if state and state.run_id == run_id else None,
        exported_at=datetime.now(UTC).isoformat(),
    )
    for table in tables:
        target = folder / table
        # Table names come from our own sql/marts/ file names, checked above.
        name = f"main.{quote_identifier(table)}"
        source = name
        options = f"format parquet, compression zstd, file_size_bytes {sql_literal(FILE_SIZE)}"
        partition = PARTITIONS.get(table)
        if partition:
            column, expression = partition
            source = f"(select *, {expression} as {column} from {name})"  # noqa: S608
            options += f", partition_by ({column})"
        conn.execute(f"copy {source} to {sql_literal(str(target))} ({options})")
        rows = conn.execute(f"select count(*) from {name}").fetchall()[0][0]  # noqa: S608
        files = sorted(str(p.relative_to(folder)) for p in target.rglob("*.parquet"))
        written = 0
        if files:  # an empty table partitioned by month has no partition, so no file
            read = "select count(*) from read_parquet(?)"
            written = conn.execute(read, [[str(folder / f) for f in files]]).fetchall()[0][0]
        if written != rows:
            raise RuntimeError(f"export of {table}: {written} rows written, {rows} in the table")
        manifest.tables[table] = TableExport(rows, files, partition[0] if partition else None)
    (folder / MANIFEST).write_text(json.dumps(manifest.as_dict(), indent=2) + "\n")
    sync_tree(folder)
    return manifest


def sync_tree(folder: Path) -> None:
    """On disk before the link names it: a power cut must not leave the link to lost files."""
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())
        else:
            fsync_directory(path)
    fsync_directory(folder)


def read_manifest(out: Path) -> dict | None:
    """The manifest of the export at `out`, or None when there is none."""
    try:
        return json.loads((out / MANIFEST).read_text())
    except (OSError, ValueError):
        return None


def move_aside_plain_folder(out: Path) -> None:
    """An export folder must be a link Copydesk swaps; a real folder there is replaced only if it
    is empty or an export itself (it is kept as a generation folder), never someone's files."""
    if out.is_symlink() or not out.exists():
        return
    if not out.is_dir() or (any(out.iterdir()) and not (out / MANIFEST).exists()):
        raise ExportRefused(f"{out} exists and is not a Copydesk export; choose another --out")
    os.replace(out, beside(out, f"moved.{time.time_ns()}"))


def beside(out: Path, suffix: str) -> Path:
    """A name of Copydesk's own beside the export folder: a generation folder, the lock, a link."""
    return out.with_name(f".{out.name}.{TAG}.{suffix}")


def sweep_generations(out: Path, keep: set[str]) -> None:
    """Generation folders neither current nor previous (older exports, killed ones)."""
    for path in out.parent.glob(beside(out, "*").name):
        if path.name not in keep and path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def export_lock(out: Path):
    """One export into a folder at a time (a nightly run's and a `copydesk export`)."""
    with open(beside(out, "lock"), "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
