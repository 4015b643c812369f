"""The development sets in ../shared/devsets, each split once into a tuning half and a test half.

The split is a fixed rule, not a random draw: a record's key (NAEB's site, so one site's template
never sits in both halves; UCI's story, so a story is never cut in two; MEANTIME's doc_id) is
hashed with SHA-256 and the first 8 hex digits decide, even for tuning, odd for test. Rules are
tuned on `half="tune"` only; `half="test"` is scored and reported, never looked at while tuning.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from copydesk.settings import PROJECT_ROOT

DEVSETS = PROJECT_ROOT.parent / "shared" / "devsets"
MEANTIME = DEVSETS / "meantime_en.jsonl"
NAEB = DEVSETS / "naeb_news.jsonl"
UCI = DEVSETS / "uci_news_aggregator_sample.csv"

Half = Literal["tune", "test"]
HALVES: tuple[Half, Half] = ("tune", "test")


def half_of(key: str) -> Half:
    """The half a split key belongs to, the same on every machine and every run."""
    return (
        "tune" if int(hashlib.sha256(key.encode("utf-8")).hexdigest()[:8], 16) % 2 == 0 else "test"
    )


def _jsonl(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def meantime(half: Half | None = None, path: Path = MEANTIME) -> list[dict]:
    """MEANTIME's Wikinews articles (split by doc_id); all of them when half is None."""
    return [a for a in _jsonl(path) if half is None or half_of(a["doc_id"]) == half]


def naeb(half: Half | None = None, path: Path = NAEB) -> list[dict]:
    """NAEB's real articles with their page dumps (split by site); all when half is None."""
    return [a for a in _jsonl(path) if half is None or half_of(a["site"]) == half]


def uci(half: Half | None = None, path: Path = UCI) -> list[dict]:
    """UCI News Aggregator rows (split by STORY); all of them when half is None."""
    with path.open(encoding="utf-8", newline="") as rows:
        return [r for r in csv.DictReader(rows) if half is None or half_of(r["STORY"]) == half]
