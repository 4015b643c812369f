"""Copy, story and outlet benchmark: edited copies of real articles, scored pair by pair.

Every MEANTIME article (CC BY 4.0, see bench/quality.py) is reprinted 1-3 times with the edits
wire copies really get: cut short, padded with local paragraphs, a few sentences reworded or
dropped, and teasers of other stories glued on. The truth is known: copies of one source are copy
pairs and one story; articles from different sources are neither. The seeds add a real story with
an independent article (004). Outlets are scored on a labelled url list (bench/outlet_urls.csv).

Copies are scored for each half of bench/devsets.py's fixed MEANTIME split, side by side.

Usage: python bench/copies.py [--half tune|test|both] [--scale N ...]
(N: articles for the timing runs, e.g. 100000)
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import random
import re
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/copies.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

from bench import devsets  # noqa: E402
from copydesk.ingest.readers import lake_row  # noqa: E402
from copydesk.settings import PROJECT_ROOT  # noqa: E402
from copydesk.synth.edits import edited_copy  # noqa: E402
from copydesk.warehouse.build import build_in_memory  # noqa: E402

DEVSET = PROJECT_ROOT.parent / "shared" / "devsets" / "meantime_en.jsonl"
SEEDS_DIR = PROJECT_ROOT / "data" / "raw"
OUTLET_URLS = PROJECT_ROOT / "bench" / "outlet_urls.csv"
TARGETS = {"copy_precision": 0.97, "copy_recall": 0.95, "outlet_accuracy": 0.98}


def document(text: str, source_id: str, **metadata) -> dict:
    """A lake row as ingest writes it."""
    return lake_row(text, source_id, datetime(2026, 1, 1, tzinfo=UTC), "bench", **metadata)


def corpus(articles: list[dict], rng: random.Random, copies_per_article=(1, 3)):
    """Documents with their true source: (document, source key)."""
    rows = []
    for article in articles:
        paragraphs = [p for p in article["text_without_dateline"].split("\n") if p.strip()]
        others = [a["text_without_dateline"] for a in rng.sample(articles, k=3) if a is not article]
        gold = article["gold_date"]
        rows.append(
            (
                document(f" date {gold} " + "\n\n".join(paragraphs), f"orig-{article['doc_id']}"),
                article["doc_id"],
            )
        )
        for n in range(rng.randint(*copies_per_article)):
            text = f" date {gold} " + edited_copy(paragraphs, others, rng)
            rows.append((document(text, f"copy{n}-{article['doc_id']}"), article["doc_id"]))
    return rows


def true_pairs(rows) -> set[tuple[str, str]]:
    by_source: dict[str, list[str]] = {}
    for doc, source in rows:
        by_source.setdefault(source, []).append(doc["doc_id"])
    return {
        tuple(sorted(pair)) for ids in by_source.values() for pair in itertools.combinations(ids, 2)
    }


def precision_recall(found: set, truth: set) -> dict:
    right = len(found & truth)
    return {
        "pairs_found": len(found),
        "pairs_true": len(truth),
        "precision": round(right / len(found), 4) if found else 1.0,
        "recall": round(right / len(truth), 4) if truth else 1.0,
    }


def group_pairs(conn, column: str) -> set[tuple[str, str]]:
    rows = conn.execute(
        f"select doc_id, {column} from articles"  # noqa: S608
    ).fetchall()
    groups: dict[str, list[str]] = {}
    for doc_id, group in rows:
        groups.setdefault(group, []).append(doc_id)
    return {tuple(sorted(p)) for ids in groups.values() for p in itertools.combinations(ids, 2)}


def copy_quality(articles, rng) -> dict:
    rows = corpus(articles, rng)
    started = time.perf_counter()
    conn = build_in_memory([doc for doc, _ in rows])
    seconds = round(time.perf_counter() - started, 2)
    truth = true_pairs(rows)
    verified = {
        tuple(sorted(pair))
        for pair in conn.execute("select doc_a, doc_b from intermediate.int_copy_pairs").fetchall()
    }
    result = {
        "documents": len(rows),
        "build_seconds": seconds,
        "copy_pairs": precision_recall(verified, truth),
        "copy_groups": precision_recall(group_pairs(conn, "copy_group_id"), truth),
        "story_groups": precision_recall(group_pairs(conn, "story_id"), truth),
    }
    source_of = {doc["doc_id"]: source for doc, source in rows}
    merged = conn.execute("select copy_group_id, list(doc_id) from articles group by 1").fetchall()
    result["groups_mixing_sources"] = sum(
        1 for _, ids in merged if len({source_of[i] for i in ids}) > 1
    )
    conn.close()
    return result


def seed_stories() -> dict:
    docs = [
        document(p.read_text(encoding="utf-8"), p.name) for p in sorted(SEEDS_DIR.glob("*.txt"))
    ]
    conn = build_in_memory(docs)
    rows = conn.execute(
        "select left(source_id, 3), copy_group_id, story_id from articles"
    ).fetchall()
    conn.close()
    groups = {sid: (group, story) for sid, group, story in rows}
    afp = {groups[s][0] for s in ("000", "001", "002", "003")}
    return {
        "afp_copies_in_one_group": len(afp) == 1,
        "xinhua_004_not_a_copy": groups["004"][0] not in afp,
        "all_five_one_story": len({story for _, story in groups.values()}) == 1,
    }


def outlet_accuracy() -> dict:
    labelled = list(csv.DictReader(OUTLET_URLS.open(encoding="utf-8")))
    docs = [
        document(f"Story number {i} with enough text to publish.", f"url-{i}", url=row["url"])
        for i, row in enumerate(labelled)
    ]
    conn = build_in_memory(docs)
    found = dict(conn.execute("select source_id, outlet from articles").fetchall())
    conn.close()
    wrong = [
        {"url": row["url"], "expected": row["outlet"], "found": found.get(f"url-{i}")}
        for i, row in enumerate(labelled)
        if found.get(f"url-{i}") != row["outlet"]
    ]
    return {
        "urls": len(labelled),
        "accuracy": round(1 - len(wrong) / len(labelled), 4),
        "wrong": wrong[:10],
    }


def synthetic_articles(articles, count: int, rng) -> list[dict]:
    """New articles made of sentences drawn from the whole devset: distinct texts, real prose."""
    sentences = [
        s.strip()
        for a in articles
        for s in re.split(r"(?<=[.!?])\s+", a["text_without_dateline"].replace("\n", " "))
        if len(s.split()) >= 6
    ]
    made = []
    for i in range(count):
        paragraphs = [" ".join(rng.sample(sentences, k=2)) for _ in range(rng.randint(5, 12))]
        day = date(2025, 1, 1).toordinal() + rng.randint(0, 180)
        made.append(
            {
                "doc_id": f"s{i}",
                "gold_date": date.fromordinal(day).isoformat(),
                "text_without_dateline": "\n".join(paragraphs),
            }
        )
    return made


def timing(articles, sizes: list[int], rng) -> list[dict]:
    """Copy and story detection cost as the corpus grows: distinct synthetic articles, 0-2 copies
    each (a few teasers glued on), as a night of crawled news looks."""
    results = []
    for size in sizes:
        sources = synthetic_articles(articles, max(1, size // 2), rng)
        docs = [doc for doc, _ in corpus(sources, rng, copies_per_article=(0, 2))][:size]
        started = time.perf_counter()
        conn = build_in_memory(docs, until="intermediate.int_stories")
        seconds = time.perf_counter() - started
        pairs = conn.execute("select count(*) from intermediate.int_copy_pairs").fetchall()[0][0]
        conn.close()
        results.append(
            {"articles": len(docs), "seconds_to_stories": round(seconds, 1), "copy_pairs": pairs}
        )
        print(
            f"  {len(docs):>8} articles: {seconds:6.1f} s through copy and story detection"
            f" ({pairs} copy pairs)"
        )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--half", choices=["tune", "test", "both"], default="both")
    parser.add_argument("--scale", type=int, nargs="*", default=[], help="article counts to time")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "copies_results.json")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    halves = devsets.HALVES if args.half == "both" else (args.half,)
    results: dict = {"copies": {}}
    for half in halves:
        articles = [a for a in devsets.meantime(half, DEVSET) if a.get("gold_date")]
        results["copies"][half] = copy_quality(articles, random.Random(f"{args.seed}-{half}"))
        results["copies"][half]["articles"] = len(articles)
    results["seeds"] = seed_stories()
    results["outlets"] = outlet_accuracy()
    for half in halves:
        copies = results["copies"][half]
        print(
            f"Copies of {copies['articles']} MEANTIME articles ({half} half):"
            f" {copies['documents']} documents, built in {copies['build_seconds']} s"
        )
        for name in ("copy_pairs", "copy_groups", "story_groups"):
            r = copies[name]
            print(
                f"  {name:<13} precision {r['precision']:.3f}  recall {r['recall']:.3f}"
                f"  ({r['pairs_found']} found, {r['pairs_true']} true)"
            )
        print(f"  copy groups mixing independent articles: {copies['groups_mixing_sources']}")
    print(
        "  (story precision is a lower bound: its truth is one story per source article, while"
        " MEANTIME covers several events with several articles each)"
    )
    print(
        f"  targets: copy pairs precision >= {TARGETS['copy_precision']},"
        f" recall >= {TARGETS['copy_recall']}"
    )
    print(f"Seeds: {results['seeds']}")
    outlets = results["outlets"]
    print(
        f"Outlets: {outlets['accuracy']:.3f} right on {outlets['urls']} labelled urls"
        f" (target {TARGETS['outlet_accuracy']})"
    )
    for wrong in outlets["wrong"]:
        print(f"  wrong: {wrong}")
    if args.scale:
        print("Scale:")
        every = [a for a in devsets.meantime(None, DEVSET) if a.get("gold_date")]
        results["scale"] = timing(every, args.scale, rng)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
