"""Publishing: this run's finished warehouse recorded, then swapped in atomically."""

from __future__ import annotations

import os
from pathlib import Path

from copydesk.settings import Settings
from copydesk.warehouse import generations
from copydesk.warehouse.runs import stage_reached


def publish_generation(settings: Settings, run_id: str, counts: dict, full_build_at: str) -> str:
    """Make this run's checkpointed warehouse file the published generation; returns a notice
    when a stale WAL had to be moved aside first (empty otherwise)."""
    building = settings.building_path(run_id)
    notice = generations.move_wal_aside(settings, run_id) or ""
    fingerprint = generations.build_fingerprint(settings)
    generations.record_published(settings, building, run_id, fingerprint, counts, full_build_at)
    stage_reached("publishing")
    swap_in(building, settings)
    stage_reached("published")
    return notice


def swap_in(building: Path, settings: Settings) -> None:
    """Atomically replace the published warehouse, keeping the one before as the previous one."""
    target = settings.warehouse_path
    if target.exists():
        link = settings.previous_warehouse_path.with_name(".previous.tmp")
        link.unlink(missing_ok=True)
        os.link(target, link)  # a second name for the current file, so no moment lacks one
        os.replace(link, settings.previous_warehouse_path)
    os.replace(building, target)
    fsync_directory(target.parent)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
