"""Story and copy quality on real devsets: UCI's labelled stories, NAEB page dumps, MEANTIME copies.

Tuning half unless --half test. UCI: one document per title (dated by the aggregator's
timestamp), scored pairwise against the STORY labels. NAEB: every page dump of the half in one
night (url, seed-format header), where no two records are copies: every copy pair found is false,
same-site pairs are template matches. The mixed night puts NAEB's and MEANTIME's articles (years
apart) with edited copies in one night; the excerpt night cuts two overlapping windows of each long
article. MEANTIME: bench/copies.py's edited copies. Each reports the widest story's time span.

Usage: python bench/stories.py [--half tune|test]
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import copies  # noqa: E402
import devsets  # noqa: E402

from copydesk.ingest.readers import lake_row  # noqa: E402
from copydesk.warehouse.build import build_in_memory  # noqa: E402


def row(text: str, source_id: str, **metadata) -> dict:
    return lake_row(text, source_id, datetime(2026, 1, 1, tzinfo=UTC), "bench", **metadata)


def pairs_of(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {tuple(sorted(p)) for ids in groups.values() for p in itertools.combinations(ids, 2)}


def grouped(rows) -> dict:
    out: dict = {}
    for key, group in rows:
        out.setdefault(group, []).append(key)
    return out


def story_span(conn) -> dict:
    """The widest story by published dates, and how many stories span more than 7 days."""
    rows = conn.execute(
        "select story_id, count(*), date_diff('day', min(published_date), max(published_date))"
        " from articles group by 1 order by 3 desc nulls last, 2 desc"
    ).fetchall()
    return {
        "largest_story": max((r[1] for r in rows), default=0),
        "widest_span_days": rows[0][2] if rows else None,
        "stories_over_7_days": sum(1 for r in rows if (r[2] or 0) > 7),
        "stories": len(rows),
    }


def uci_quality(half) -> dict:
    records = devsets.uci(half)
    docs, truth = [], {}
    for record in records:
        day = datetime.fromtimestamp(int(record["TIMESTAMP"]) / 1000, UTC).date()
        doc = row(f" date {day} {record['TITLE']}", f"uci-{record['ID']}", url=record["URL"])
        docs.append(doc)
        truth[doc["doc_id"]] = record["STORY"]
    conn = build_in_memory(docs)
    found = pairs_of(grouped(conn.execute("select doc_id, story_id from articles").fetchall()))
    gold = pairs_of(grouped(truth.items()))
    result = {"documents": len(docs), **copies.precision_recall(found, gold)}
    result.update(story_span(conn))
    conn.close()
    return result


def naeb_night(half, headers: bool = True) -> dict:
    """Every page dump of the half in one night, with its date header or (headers=False) none."""
    records = [r for r in devsets.naeb(half) if r.get("page_text")]
    docs, site_of = [], {}
    for record in records:
        header = f" date {record['gold_date']}\n" if headers else ""
        doc = row(f"{header}{record['page_text']}", record["id"], url=record["url"])
        docs.append(doc)
        site_of[doc["doc_id"]] = record["site"]
    conn = build_in_memory(docs)
    copy_pairs = conn.execute("select doc_a, doc_b from intermediate.int_copy_pairs").fetchall()
    same_site = sum(1 for a, b in copy_pairs if site_of.get(a) == site_of.get(b))
    groups = grouped(conn.execute("select doc_id, copy_group_id from articles").fetchall())
    result = {
        "documents": len(docs),
        "false_copy_pairs": len(copy_pairs),
        "same_site_copy_pairs": same_site,
        "false_group_pairs": len(pairs_of(groups)),
    }
    result.update(story_span(conn))
    conn.close()
    return result


def mixed_night(half, rng) -> dict:
    """NAEB's clean texts (2023) and MEANTIME's (2004-2011), 1-3 edited copies each, one night."""
    articles = [a for a in devsets.meantime(half) if a.get("gold_date")]
    articles += [
        {"doc_id": r["id"], "gold_date": r["gold_date"], "text_without_dateline": r["text"]}
        for r in devsets.naeb(half)
        if r.get("gold_date") and r.get("text")
    ]
    rows = copies.corpus(articles, rng)
    conn = build_in_memory([doc for doc, _ in rows])
    truth = copies.true_pairs(rows)
    verified = {
        tuple(sorted(p))
        for p in conn.execute("select doc_a, doc_b from intermediate.int_copy_pairs").fetchall()
    }
    result = {
        "documents": len(rows),
        "copy_pairs": copies.precision_recall(verified, truth),
        "copy_groups": copies.precision_recall(copies.group_pairs(conn, "copy_group_id"), truth),
    }
    result.update(story_span(conn))
    conn.close()
    return result


def excerpt_night(half, overlap: float = 0.15) -> dict:
    """Two windows of each long article (NAEB's, MEANTIME's) overlapping by `overlap` of the second:
    copies a dump cut differently. Scored on the pairs of windows of one article."""
    texts = [(a["doc_id"], a["text_without_dateline"]) for a in devsets.meantime(half)]
    texts += [(r["id"], r["text"]) for r in devsets.naeb(half) if r.get("text")]
    docs, rows = [], []
    for ident, text in texts:
        words = text.split()
        if len(words) < 300:
            continue
        middle = len(words) // 2
        extra = round(overlap * (len(words) - middle))
        for n, window in enumerate((words[: middle + extra], words[middle:])):
            paragraphs = [" ".join(window[i : i + 40]) for i in range(0, len(window), 40)]
            doc = row("\n\n".join(paragraphs), f"excerpt{n}-{ident}")
            docs.append(doc)
            rows.append((doc, ident))
    conn = build_in_memory(docs)
    found = {
        tuple(sorted(p))
        for p in conn.execute("select doc_a, doc_b from intermediate.int_copy_pairs").fetchall()
    }
    conn.close()
    return {"documents": len(docs), **copies.precision_recall(found, copies.true_pairs(rows))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=devsets.HALVES, default="tune")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--only", nargs="*", default=["meantime", "naeb", "mixed", "excerpts", "uci"]
    )
    args = parser.parse_args(argv)
    results = {}
    if "meantime" in args.only:
        articles = [a for a in devsets.meantime(args.half) if a.get("gold_date")]
        results["meantime_copies"] = copies.copy_quality(articles, random.Random(args.seed))
        print("meantime", json.dumps(results["meantime_copies"]))
    if "naeb" in args.only:
        results["naeb_pages"] = naeb_night(args.half)
        print("naeb", json.dumps(results["naeb_pages"]))
        results["naeb_pages_without_headers"] = naeb_night(args.half, headers=False)
        print("naeb without headers", json.dumps(results["naeb_pages_without_headers"]))
    if "mixed" in args.only:
        results["mixed_night"] = mixed_night(args.half, random.Random(args.seed))
        print("mixed", json.dumps(results["mixed_night"]))
    if "excerpts" in args.only:
        results["excerpts"] = excerpt_night(args.half)
        print("excerpts", json.dumps(results["excerpts"]))
    if "uci" in args.only:
        results["uci_stories"] = uci_quality(args.half)
        print("uci", json.dumps(results["uci_stories"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
