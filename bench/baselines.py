"""The tools people would otherwise use, on the same night: datasketch MinHashLSH, dateparser."""

from __future__ import annotations

import re
import time
import warnings
from collections.abc import Iterable, Mapping
from datetime import date

NUM_PERM = 128
THRESHOLDS = (0.5, 0.3)
DATEPARSER_CHARS = 1000  # dates sit in the header and the lead; the whole text is 2-4x slower
WORD = re.compile(r"[^\W_]+")  # letters and digits, as [\p{L}\p{N}]+ in sql/macros/shingles.sql


def shingles(body: str) -> set[bytes]:
    """The distinct 5-word shingles of a body, words as in sql/macros/shingles.sql."""
    words = WORD.findall(body.lower())
    return {" ".join(words[i : i + 5]).encode() for i in range(len(words) - 4)}


def datasketch_copies(bodies: Mapping[str, str], thresholds: Iterable[float]) -> dict:
    """MinHash every body, then per threshold index them in a MinHashLSH and query each one: the
    candidate pairs as LSH returns them, and those whose estimated Jaccard reaches the threshold
    (the filter datasketch's docs recommend); seconds per step."""
    from datasketch import MinHash, MinHashLSH

    doc_ids = list(bodies)
    started, cpu = time.perf_counter(), time.process_time()
    sets = [shingles(bodies[doc]) for doc in doc_ids]
    keep = [i for i, s in enumerate(sets) if s]  # an empty set's MinHash matches every other one
    hashes = dict(
        zip(keep, MinHash.generator((sets[i] for i in keep), num_perm=NUM_PERM), strict=True)
    )
    hash_seconds = time.perf_counter() - started
    hash_cpu = time.process_time() - cpu
    del sets
    results = {"hash_seconds": round(hash_seconds, 2), "documents_hashed": len(keep)}
    for threshold in thresholds:
        started, cpu = time.perf_counter(), time.process_time()
        lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        with lsh.insertion_session() as session:
            for i in keep:
                session.insert(i, hashes[i], check_duplication=False)
        index_seconds = time.perf_counter() - started
        candidates = set()
        for i in keep:
            candidates.update((min(i, j), max(i, j)) for j in lsh.query(hashes[i]) if j != i)
        query_seconds = time.perf_counter() - started - index_seconds
        query_cpu = time.process_time() - cpu
        started = time.perf_counter()
        filtered = {(i, j) for i, j in candidates if hashes[i].jaccard(hashes[j]) >= threshold}
        filter_seconds = time.perf_counter() - started
        results[str(threshold)] = {
            "bands_rows": [lsh.b, lsh.r],
            "index_seconds": round(index_seconds, 2),
            "query_seconds": round(query_seconds, 2),
            "filter_seconds": round(filter_seconds, 2),
            "seconds": round(hash_seconds + index_seconds + query_seconds, 2),
            "cpu_seconds": round(hash_cpu + query_cpu, 2),
            "candidates": {tuple(sorted((doc_ids[i], doc_ids[j]))) for i, j in candidates},
            "filtered": {tuple(sorted((doc_ids[i], doc_ids[j]))) for i, j in filtered},
        }
    return results


def dateparser_dates(sample: list[dict], chars: int) -> tuple[list[date | None], float]:
    """dateparser's first date found in each record's title and text (the first `chars`
    characters), relative to its fetch (or ingest) time, preferring the past; total seconds."""
    from dateparser.search import search_dates

    found = []
    started = time.perf_counter()
    for row in sample:
        text = (f"{row['title_hint']}\n\n{row['text']}" if row["title_hint"] else row["text"])[
            :chars
        ]
        settings = {"RELATIVE_BASE": row["relative_base"], "PREFER_DATES_FROM": "past"}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                dates = search_dates(text, languages=["en"], settings=settings)
        except Exception:  # a parser error is a miss, as it would be in production
            dates = None
        found.append(dates[0][1].date() if dates else None)
    return found, time.perf_counter() - started


URL_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})[/_-]?(\d{2})[/_-]?(\d{2})(?!\d)")


def url_date(url: str | None) -> date | None:
    """The first full date a url's path states (/2023/12/17/, 2023-12-17, 20231217), else None."""
    path = re.sub(r"^[a-z]+://[^/]+", "", (url or "").lower())
    for match in URL_DATE.finditer(path):
        try:
            return date(*(int(g) for g in match.groups()))
        except ValueError:
            continue
    return None


def record_date(row: Mapping) -> date | None:
    """The record's own date field (news-please's date_publish), as a user would read it."""
    hint = (row.get("date_hint") or "").strip()
    try:
        return date.fromisoformat(hint[:10]) if hint else None
    except ValueError:
        return None


def dateparser_fair(sample: list[dict], chars: int) -> tuple[list[date | None], list[str], float]:
    """What a user gives dateparser: the record's own date if it has one, else a date in the url
    path, else dateparser's first date in the title and text; which of the three answered, and
    the total seconds."""
    found: list[date | None] = []
    sources = []
    started = time.perf_counter()
    for row in sample:
        own = record_date(row)
        in_url = None if own else url_date(row.get("url"))
        if own or in_url:
            found.append(own or in_url)
            sources.append("record date" if own else "url")
            continue
        parsed, _ = dateparser_dates([row], chars)
        found.append(parsed[0])
        sources.append("text")
    return found, sources, time.perf_counter() - started


def htmldate_dates(sample: list[dict]) -> tuple[list[date | None], float]:
    """htmldate's find_date on what a user has: the url and the title and text as a minimal HTML
    page (its url extractor, then its text search), dates after the fetch time refused; the
    record's own date first, as for dateparser_fair; total seconds."""
    from html import escape

    from htmldate import find_date

    found: list[date | None] = []
    started = time.perf_counter()
    for row in sample:
        own = record_date(row)
        if own:
            found.append(own)
            continue
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in row["text"].split("\n") if p.strip())
        title = escape(row.get("title_hint") or "")
        page = f"<html><head><title>{title}</title></head><body>{paragraphs}</body></html>"
        base = row.get("relative_base")
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                text = find_date(
                    page,
                    url=row.get("url"),
                    original_date=True,
                    max_date=base.strftime("%Y-%m-%d") if base else None,
                )
            found.append(date.fromisoformat(text) if text else None)
        except Exception:  # a parser error is a miss, as it would be in production
            found.append(None)
    return found, time.perf_counter() - started
