"""Generations of the published warehouse: what a run leaves behind, what it may skip, and rollback.

- Leftovers of a killed run (its unpublished building file) are swept when the next run starts;
  the lake's half-written Parquet is swept by ingest (copydesk.ingest.lake.sweep_leftovers).
- A `.wal` beside a published file is never deleted: it holds somebody's unsaved writes to that
  file. It is reported at every run; before a publish would put a new file under it (where DuckDB
  refuses to open the pair) it is moved aside to a `.stale-…` name, and reported again.
- A night whose ingest adds nothing, when the published warehouse was built from exactly the
  current lake and code, publishes nothing: `published.json` in the lake records what the
  published generation was built from.
- `rollback` swaps the previous generation back in; rolling back again undoes it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from copydesk.settings import PROJECT_ROOT, SQL_DIR, Settings


class RollbackRefused(RuntimeError):
    """Nothing to roll back to, or rolling back now would be unsafe."""


def wal_of(database: Path) -> Path:
    return database.with_name(database.name + ".wal")


def stale_wals(settings: Settings) -> list[Path]:
    """WAL files beside the published generations (a read-write session that never closed)."""
    candidates = [wal_of(settings.warehouse_path), wal_of(settings.previous_warehouse_path)]
    return [path for path in candidates if path.exists()]


def stale_wal_notices(settings: Settings) -> list[str]:
    return [
        f"stale WAL {path} ({path.stat().st_size} bytes): a read-write session on the published"
        " warehouse did not close cleanly; it is kept, not deleted. Move it away once you have"
        " checked it (its writes were never part of a Copydesk generation)."
        for path in stale_wals(settings)
    ]


def move_wal_aside(settings: Settings, run_id: str) -> str | None:
    """Before publishing: a WAL beside warehouse.duckdb belongs to the file being replaced, and
    DuckDB refuses to open a file with another file's WAL. Move it aside (never delete it)."""
    wal = wal_of(settings.warehouse_path)
    if not wal.exists():
        return None
    aside = wal.with_name(f"{wal.name}.stale-{run_id}")
    os.replace(wal, aside)
    return (
        f"stale WAL beside the published warehouse moved aside to {aside} so the new warehouse"
        " opens; it belonged to the generation now kept as warehouse.previous.duckdb"
    )


def sweep_building_leftovers(settings: Settings) -> list[Path]:
    """Unpublished building files of runs that were killed; only call while holding the run lock.
    They were never published, so nothing reads them."""
    leftovers = sorted(settings.data_dir.glob(".warehouse.*.building.duckdb"))
    leftovers += sorted(settings.data_dir.glob(".warehouse.*.building.duckdb.wal"))
    leftovers += sorted(settings.data_dir.glob(".previous.tmp"))
    for path in leftovers:
        path.unlink(missing_ok=True)
    return leftovers


def published_state_path(settings: Settings) -> Path:
    return settings.lake_dir / "published.json"


def build_fingerprint(settings: Settings) -> str:
    """What a warehouse build reads: the lake's document and quarantine files, the SQL models,
    the suites and the code. Equal fingerprints build equal warehouses."""
    digest = hashlib.sha256()
    for directory in (settings.documents_dir, settings.quarantine_dir):
        for path in sorted(directory.glob("*/*.parquet")):
            digest.update(
                f"{path.relative_to(settings.lake_dir)}\0{path.stat().st_size}\n".encode()
            )
    digest.update(code_fingerprint(settings).encode())
    return digest.hexdigest()


def code_fingerprint(settings: Settings) -> str:
    """What a build runs: the SQL models, the code, the suites and the reference tables. A
    generation built by other code cannot be updated, only rebuilt."""
    digest = hashlib.sha256()
    code = sorted(SQL_DIR.rglob("*.sql")) + sorted((PROJECT_ROOT / "flows").glob("*.py"))
    code += sorted((PROJECT_ROOT / "copydesk").rglob("*.py"))
    code += sorted(settings.expectations_dir.glob("*.json"))
    reference = PROJECT_ROOT / "data" / "reference"
    if reference.is_dir():
        code += sorted(p for p in reference.rglob("*") if p.is_file())
    for path in code:
        digest.update(f"{path.name}\0".encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def file_identity(path: Path) -> list[int]:
    info = path.stat()
    return [info.st_ino, info.st_size, info.st_mtime_ns]


@dataclass
class PublishedState:
    run_id: str
    fingerprint: str
    identity: list[int]
    counts: dict
    published_at: str
    code: str = ""  # code_fingerprint of the build (absent in records older than updates)
    full_build_at: str = ""  # when the full build this generation was updated from ran


def record_published(
    settings: Settings,
    building: Path,
    run_id: str,
    fingerprint: str,
    counts: dict,
    full_build_at: str = "",
) -> None:
    """Write, before the swap, what the file about to be published was built from. The file's
    identity (inode, size, mtime) survives os.replace; a crash before the swap leaves a record
    that matches no published file, so the next night simply rebuilds."""
    state = PublishedState(
        run_id=run_id,
        fingerprint=fingerprint,
        identity=file_identity(building),
        counts=counts,
        published_at=datetime.now(UTC).isoformat(),
        code=code_fingerprint(settings),
        full_build_at=full_build_at or datetime.now(UTC).isoformat(),
    )
    path = published_state_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(json.dumps(state.__dict__, indent=2))
    os.replace(temporary, path)


def published_state(settings: Settings) -> PublishedState | None:
    """The record of the published generation, when it describes the file in place."""
    path = published_state_path(settings)
    if not (path.exists() and settings.warehouse_path.exists()):
        return None
    try:
        state = PublishedState(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None
    if state.identity != file_identity(settings.warehouse_path):
        return None  # rolled back, replaced by hand, or the swap never happened
    return state


def why_not_update(settings: Settings, state: PublishedState | None) -> str | None:
    """Why this build cannot start from the published generation (`state`, its record) and must
    rebuild every table; None when it can update it. Whether the lake still holds the
    generation's documents is the night plan's check (copydesk.warehouse.plan)."""
    if settings.full_rebuild:
        return "a full rebuild was asked for"
    if not settings.warehouse_path.exists():
        return "no published warehouse yet"
    if state is None:
        return "the published warehouse is not the one the last run recorded (rolled back?)"
    if state.code != code_fingerprint(settings):
        return "the SQL models, code or suites changed since it was built"
    if not state.full_build_at:
        return "the published warehouse does not say when it was last built in full"
    age = datetime.now(UTC) - datetime.fromisoformat(state.full_build_at)
    if age.total_seconds() > settings.full_rebuild_days * 86400:
        # Updates leave pairs of two earlier documents as they were, while the counts behind the
        # boilerplate caps move with every night; a periodic full build realigns them.
        return (
            f"its last full build is {age.days} days old"
            f" (a full build at least every {settings.full_rebuild_days:g} days)"
        )
    return why_not_readable(settings.warehouse_path)


def why_not_readable(path: Path) -> str | None:
    """Why DuckDB 1.x clients cannot open a warehouse file (a generation written before
    Copydesk wrote STORAGE_VERSION), or None. Such a file cannot be updated, only rebuilt: DuckDB
    never lowers a file's storage version."""
    import duckdb

    from copydesk.warehouse.connection import STORAGE_VERSION, older_clients_read, storage_version

    try:
        version = storage_version(path)
    except duckdb.Error as error:
        return f"the published warehouse cannot be read ({error})"
    if older_clients_read(version):
        return None
    return (
        f"its storage format ({version}) is one DuckDB 1.x cannot read;"
        f" a full build writes {STORAGE_VERSION}"
    )


def rollback(settings: Settings) -> str:
    """Make the previous generation the published one, and the published one the previous (so a
    second rollback undoes the first). Call it while holding the run lock."""
    import duckdb

    current, previous = settings.warehouse_path, settings.previous_warehouse_path
    wals = stale_wals(settings)
    if wals:
        raise RollbackRefused(
            "stale WAL beside a generation: "
            + ", ".join(str(p) for p in wals)
            + "; it holds unsaved writes to that file. Move it away, then roll back."
        )
    if not previous.exists():
        raise RollbackRefused(f"no previous generation to roll back to ({previous} is missing)")
    try:  # never roll back to a file that does not open
        with duckdb.connect(str(previous), read_only=True) as conn:
            conn.execute("select count(*) from duckdb_tables()").fetchall()
    except duckdb.Error as error:
        raise RollbackRefused(f"the previous generation does not open: {error}") from None
    # Rollback is for emergencies, so an older format does not stop it; the operator is told.
    unreadable = why_not_readable(previous)
    if current.exists():
        link = current.with_name(".rollback.tmp")
        link.unlink(missing_ok=True)
        os.link(current, link)  # a second name for the published file: no moment lacks one
        os.replace(previous, current)
        os.replace(link, previous)
    else:
        os.replace(previous, current)
    fd = os.open(current.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    told = (
        f"rolled back: {current} is now the previous generation; the one it replaced is kept as"
        f" {previous} (run `copydesk rollback` again to undo). The next run rebuilds from the"
        " lake and publishes a new generation."
    )
    if unreadable:
        told += f" Note: DuckDB 1.x clients cannot open it until then: {unreadable}."
    return told
