"""Date quality benchmark: real articles with planted, known corruptions, scored per case.

Built from ../shared/devsets/meantime_en.jsonl (120 English Wikinews articles with gold
publication dates, NewsReader MEANTIME corpus, CC BY 4.0; Wikinews text CC BY 2.5) and the bundled
seeds. Each case is built into its own in-memory warehouse by the same SQL models as a nightly
run, so a planted copy of one case never lends its date to another.

Every figure is given for each half of bench/devsets.py's fixed split (tuning and test), side by
side: rules are tuned on the tuning half only.

Usage: python bench/quality.py [--half tune|test|both] [--devset PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/quality.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

from bench import devsets  # noqa: E402
from copydesk.ingest.readers import lake_row  # noqa: E402
from copydesk.settings import PROJECT_ROOT  # noqa: E402
from copydesk.warehouse.build import build_in_memory  # noqa: E402

DEFAULT_DEVSET = PROJECT_ROOT.parent / "shared" / "devsets" / "meantime_en.jsonl"
SEEDS_DIR = PROJECT_ROOT / "data" / "raw"
SEED_GOLD = {
    "000": date(2025, 6, 2),
    "001": date(2025, 6, 2),
    "002": date(2025, 6, 3),
    "003": date(2025, 6, 2),
    "004": date(2025, 6, 2),
}
TARGETS = {
    "clean_header": 0.995,
    "inverted_header": 0.95,
    "inverted_header_with_fetch_time": 0.95,
    "clean_ambiguous_header_with_fetch_time": 0.995,
    "inverted_header_in_a_night": 0.95,
    "clean_ambiguous_header_in_a_night": 0.995,
    "undated_with_fetch_time": 0.90,
}
MISLEADING_SENTENCES = [
    "A file photo taken on {past} shows the building.",
    "The group was founded on {past}, according to its website.",
    "Officials first raised the issue at a meeting on {past}.",
]


def document(text: str, source_id: str, run_id: str = "bench", **metadata) -> dict:
    """A lake row as ingest writes it."""
    return lake_row(text, source_id, datetime(2026, 1, 1, tzinfo=UTC), run_id, **metadata)


def planted_cases(articles: list[dict], rng: random.Random) -> dict[str, list[tuple[dict, date]]]:
    """Every case: (document, gold date) pairs built from the devset articles."""
    cases: dict[str, list[tuple[dict, date]]] = {
        "clean_header": [],
        "inverted_header": [],
        "inverted_header_with_fetch_time": [],
        "clean_ambiguous_header_with_fetch_time": [],
        "undated_with_fetch_time": [],
        "off_by_one_header_with_dateline": [],
        "misleading_body_date": [],
    }
    for article in articles:
        gold = date.fromisoformat(article["gold_date"])
        body = article["text_without_dateline"]
        ident = article["doc_id"]
        cases["clean_header"].append(
            (document(f" date {gold.isoformat()} {body}", f"clean-{ident}"), gold)
        )
        # Published at some time of its day, fetched within the following 24 hours.
        published_at = datetime.combine(gold, datetime.min.time(), UTC) + timedelta(
            seconds=rng.uniform(0, 86400)
        )
        fetched = published_at + timedelta(seconds=rng.uniform(0, 86400))
        if gold.day <= 12 and gold.day != gold.month:
            inverted = f" date {gold.year}-{gold.day:02d}-{gold.month:02d} {body}"
            cases["inverted_header"].append((document(inverted, f"inv-{ident}"), gold))
            cases["inverted_header_with_fetch_time"].append(
                (document(inverted, f"invf-{ident}", fetched_at=fetched), gold)
            )
            cases["clean_ambiguous_header_with_fetch_time"].append(
                (
                    document(
                        f" date {gold.isoformat()} {body}", f"cleanf-{ident}", fetched_at=fetched
                    ),
                    gold,
                )
            )
        cases["undated_with_fetch_time"].append(
            (document(body, f"undated-{ident}", fetched_at=fetched), gold)
        )
        wrong = gold - timedelta(days=1)
        dateline = f"{gold:%B} {gold.day}"
        cases["off_by_one_header_with_dateline"].append(
            (
                document(
                    f" date {wrong.isoformat()} WASHINGTON, {dateline} (Reuters) - {body}",
                    f"obo-{ident}",
                ),
                gold,
            )
        )
        past = gold - timedelta(days=rng.randint(40, 4000))
        sentence = rng.choice(MISLEADING_SENTENCES).format(
            past=f"{past:%B} {past.day}, {past.year}"
        )
        paragraphs = body.split("\n")
        paragraphs.insert(min(2, len(paragraphs)), sentence)
        cases["misleading_body_date"].append(
            (document(f" date {gold.isoformat()} " + "\n".join(paragraphs), f"mis-{ident}"), gold)
        )
    return cases


def night_cases(articles: list[dict], rng: random.Random) -> dict[str, list[tuple[dict, date]]]:
    """Ambiguous headers, inverted or not, each in its own night's dump: 12 other articles whose
    (correct) headers lie within two days of its date, as a nightly crawl of recent news."""
    ambiguous = [a for a in articles if is_ambiguous(date.fromisoformat(a["gold_date"]))]
    fillers = [a for a in articles if not is_ambiguous(date.fromisoformat(a["gold_date"]))]
    cases: dict[str, list[tuple[dict, date]]] = {
        "inverted_header_in_a_night": [],
        "clean_ambiguous_header_in_a_night": [],
        "older_article_in_a_night_of_its_swapped_date": [],
    }
    variants = (
        ("inverted_header_in_a_night", True, False),
        ("clean_ambiguous_header_in_a_night", False, False),
        # A re-crawled older article, correctly dated, in a night whose news sits exactly where
        # its header read day-first would fall: the night must not "repair" it.
        ("older_article_in_a_night_of_its_swapped_date", False, True),
    )
    for case, inverted, night_at_swapped in variants:
        for n, article in enumerate(ambiguous):
            gold = date.fromisoformat(article["gold_date"])
            swapped = date(gold.year, gold.day, gold.month)
            night = f"{case}-{n}"
            written = swapped.isoformat() if inverted else gold.isoformat()
            text = f" date {written} {article['text_without_dateline']}"
            cases[case].append((document(text, f"{night}-article", run_id=night), gold))
            center = swapped if night_at_swapped else gold
            for i, filler in enumerate(rng.sample(fillers, k=12)):
                day = center + timedelta(days=rng.randint(-2, 2))
                body = filler["text_without_dateline"]
                # Not scored: the night around the article.
                cases[case].append(
                    (document(f" date {day} {body}", f"{night}-filler-{i}", run_id=night), None)
                )
    return cases


def is_ambiguous(day: date) -> bool:
    return day.day <= 12 and day.day != day.month


def score(pairs: list[tuple[dict, date | None]]) -> dict:
    """Build one warehouse for a case and compare published dates with the gold ones."""
    started = time.perf_counter()
    conn = build_in_memory([doc for doc, _ in pairs])
    published = dict(conn.execute("select source_id, published_date from articles").fetchall())
    conn.close()
    pairs = [(doc, gold) for doc, gold in pairs if gold is not None]  # fillers are not scored
    right = sum(1 for doc, gold in pairs if published.get(doc["source_id"]) == gold)
    undated = sum(1 for doc, _ in pairs if published.get(doc["source_id"]) is None)
    return {
        "articles": len(pairs),
        "right": right,
        "accuracy": round(right / len(pairs), 4) if pairs else None,
        "undated": undated,
        "seconds": round(time.perf_counter() - started, 2),
        "wrong_examples": [
            {
                "source_id": doc["source_id"],
                "gold": str(gold),
                "published": str(published.get(doc["source_id"])),
            }
            for doc, gold in pairs
            if published.get(doc["source_id"]) != gold
        ][:5],
    }


def seed_result() -> dict:
    docs = [
        document(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(SEEDS_DIR.glob("*.txt"))
    ]
    conn = build_in_memory(docs)
    published = dict(
        conn.execute("select left(source_id, 3), published_date from articles").fetchall()
    )
    conn.close()
    return {
        prefix: {
            "gold": str(gold),
            "published": str(published.get(prefix)),
            "right": published.get(prefix) == gold,
        }
        for prefix, gold in SEED_GOLD.items()
    }


def run_half(articles: list[dict], seed: int) -> tuple[dict, dict]:
    """Every case of one half scored: (results, cases)."""
    cases = planted_cases(articles, random.Random(seed))
    cases.update(night_cases(articles, random.Random(seed)))
    results = {name: score(pairs) for name, pairs in cases.items()}
    clean = results["clean_header"]
    results["false_repair_rate"] = round(
        (clean["articles"] - clean["right"]) / clean["articles"], 4
    )
    results["articles"] = len(articles)
    return results, cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEFAULT_DEVSET)
    parser.add_argument("--half", choices=["tune", "test", "both"], default="both")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench" / "quality_results.json")
    parser.add_argument("--seed", type=int, default=20250602)
    args = parser.parse_args(argv)

    halves = devsets.HALVES if args.half == "both" else (args.half,)
    results: dict = {}
    names: list[str] = []
    for half in halves:
        # 2 records have no gold date
        articles = [a for a in devsets.meantime(half, args.devset) if a.get("gold_date")]
        results[half], cases = run_half(articles, args.seed)
        names = list(cases)
    results["seeds"] = seed_result()

    counts = ", ".join(f"{h} {results[h]['articles']}" for h in halves)
    print(f"Date quality on MEANTIME articles by half ({counts}) and the 5 seeds")
    header = "".join(f"{h + ' n':>8}{h:>8}" for h in halves)
    print(f"{'case':<46}{header}{'target':>8}")
    for name in names:
        target = TARGETS.get(name)
        cells, marks = "", ""
        for half in halves:
            r = results[half][name]
            cells += f"{r['articles']:>8}{r['accuracy']:>8.3f}"
            if target is not None and r["accuracy"] < target:
                marks += f" {half} MISSED"
        target_text = f"{target:.3f}" if target else "-"
        print(f"{name:<46}{cells}{target_text:>8}{marks}")
    cells = "".join(f"{'':>8}{results[h]['false_repair_rate']:>8.3f}" for h in halves)
    print(f"{'false repairs of clean headers':<46}{cells}{'0.005':>8}")
    for prefix, seed in results["seeds"].items():
        verdict = "ok" if seed["right"] else "WRONG"
        print(f"seed {prefix}: published {seed['published']} (gold {seed['gold']}) {verdict}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
