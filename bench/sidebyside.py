"""Side by side: Copydesk's copy and date models against datasketch and dateparser, one corpus.

One synthetic night (bench/synth.py) is ingested and built into a DuckDB file stage by stage, as
bench/scale.py does (its code, imported). Then, on the same documents:

- copies: Copydesk's models (int_shingles + int_copy_pairs + int_copy_groups, their build times)
  against datasketch's MinHash (num_perm=128, 5-word shingles of the articles mart's cleaned body,
  the words of sql/macros/shingles.sql) and MinHashLSH at 0.5 and 0.3 (hashing + index + query
  timed), each scored pair by pair against the planted truth: two documents are a true pair when
  they are the original or copies of the same synthetic article;
- dates: Copydesk's date models (int_date_mentions .. int_article_dates) against dateparser's
  `search_dates` on a deterministic sample (its first date found, the usual naive use), accuracy
  per header case against the planted true date; dateparser's time for the whole corpus is
  extrapolated from the sample;
- outlets: Copydesk's outlet for every record with a url against the planted domain.

Exact duplicates: ingest keeps one document per distinct text (the first name in sorted order), so
a record whose text repeats another's is not a document. Scoring is over documents: such records
are counted and left out (their pair with the kept twin is found by construction, by both tools and
by ingest), never scored as misses or hits. Records quarantined at ingest (copies the edits left
empty) and documents the models reject are counted the same way.

Results go to bench/results.json under "side_by_side" (other keys are kept).

Usage: python bench/sidebyside.py [--articles 20000] [--seed 7] [--sample 1000] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/sidebyside.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

from bench.scale import LAYERS, code_version, measure, merge_results  # noqa: E402
from copydesk.synth import synth  # noqa: E402
from copydesk.synth.edits import LOCAL_PARAGRAPHS  # noqa: E402

OUT = ROOT / "bench" / "results.json"
OUTLETS_CSV = ROOT / "data" / "reference" / "outlets.csv"
COPY_MODELS = ("intermediate.int_shingles", "intermediate.int_copy_pairs")
COPY_MODELS += ("intermediate.int_copy_groups",)
DATE_MODELS = ("intermediate.int_date_mentions", "intermediate.int_date_profiles")
DATE_MODELS += ("intermediate.int_date_candidates", "intermediate.int_own_dates")
DATE_MODELS += ("intermediate.int_date_evidence", "intermediate.int_article_dates")
# What int_date_evidence reads besides the date models: dates are lent along copies and stories.
DATE_DEPENDENCIES = (*COPY_MODELS, "intermediate.int_story_terms", "intermediate.int_story_pairs")
NUM_PERM = 128
THRESHOLDS = (0.5, 0.3)
DATEPARSER_CHARS = 1000  # dates sit in the header and the lead; the whole text is 2-4x slower
JACCARD_BINS = (0.0, 0.2, 0.3, 0.5, 0.8)
WORD = re.compile(r"[^\W_]+")  # letters and digits, as [\p{L}\p{N}]+ in sql/macros/shingles.sql
PREFIX = re.compile(r"^\s*(?:date \S+ )?[A-Z][A-Z .'’-]*:\s*")  # " date ... CITY: " of a text
URL_DATE = re.compile(r"/\d{4}/\d{2}/\d{2}/")


# ---------------------------------------------------------------------------------------------
# Scoring: pure functions of found and true relations


def pairs_of_groups(groups: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every pair of documents (sorted) that share a group, from document -> group."""
    members: dict[str, list[str]] = {}
    for doc, group in groups.items():
        members.setdefault(group, []).append(doc)
    return {
        tuple(sorted(pair)) for docs in members.values() for pair in itertools.combinations(docs, 2)
    }


def pair_scores(
    found: set[tuple[str, str]],
    truth: set[tuple[str, str]],
    subsets: Mapping[str, set[tuple[str, str]]] | None = None,
) -> dict:
    """Precision and recall of found pairs against true pairs, and recall on named subsets."""
    right = len(found & truth)
    scores = {
        "pairs_found": len(found),
        "pairs_true": len(truth),
        "pairs_right": right,
        "precision": round(right / len(found), 4) if found else 1.0,
        "recall": round(right / len(truth), 4) if truth else 1.0,
    }
    scores["recall_on"] = {
        name: {
            "pairs": len(subset),
            "recall": round(len(found & subset) / len(subset), 4) if subset else None,
        }
        for name, subset in (subsets or {}).items()
    }
    return scores


def group_scores(found: Mapping[str, str], truth: Mapping[str, str]) -> dict:
    """Pair precision and recall of a grouping, counted without listing the pairs (a component of
    10,000 documents would be 50 M pairs): both map every scored document to its group."""
    found_sizes = Counter(found.values())
    true_sizes = Counter(truth[doc] for doc in found)
    both = Counter((found[doc], truth[doc]) for doc in found)
    found_pairs = sum(n * (n - 1) // 2 for n in found_sizes.values())
    true_pairs = sum(n * (n - 1) // 2 for n in true_sizes.values())
    right = sum(n * (n - 1) // 2 for n in both.values())
    return {
        "pairs_found": found_pairs,
        "pairs_true": true_pairs,
        "pairs_right": right,
        "precision": round(right / found_pairs, 4) if found_pairs else 1.0,
        "recall": round(right / true_pairs, 4) if true_pairs else 1.0,
        "largest_group": max(found_sizes.values(), default=0),
    }


def date_accuracy(rows: Iterable[tuple[str, date | None, date]]) -> dict[str, dict]:
    """Exact-date accuracy per case and over all, from (case, found date or None, true date)."""
    counts: dict[str, list[int]] = {}
    for case, found, true in rows:
        for key in (case, "all"):
            tally = counts.setdefault(key, [0, 0])
            tally[0] += 1
            tally[1] += found == true
    return {
        case: {"documents": n, "right": right, "accuracy": round(right / n, 4)}
        for case, (n, right) in sorted(counts.items(), key=lambda item: (item[0] == "all", item[0]))
    }


def jaccard_bin(jaccard: float) -> str:
    """The named bin ("0.30-0.50") a true pair's exact shingle Jaccard falls in."""
    lower = max(b for b in JACCARD_BINS if b <= jaccard)
    upper = next((b for b in JACCARD_BINS if b > jaccard), 1.0)
    return f"jaccard {lower:.2f}-{upper:.2f}"


# ---------------------------------------------------------------------------------------------
# The truth, per document


def paragraphs_of(text: str) -> list[str]:
    """A document's paragraphs as synth wrote them: the header and dateline prefix taken off."""
    return [p.strip() for p in PREFIX.sub("", text, count=1).split("\n\n") if p.strip()]


def edit_kinds(original: str, copy: str) -> set[str]:
    """Which edits of bench/copies.py turned the original's text into the copy's, read from the
    two texts (the truth does not record them): padded, teasers, reworded, shortened."""
    before, after = paragraphs_of(original), paragraphs_of(copy)
    kept = set(before)
    kinds = set()
    if after and after[-1].endswith(" and") and after[-1] not in kept:
        kinds.add("teasers")
        after = after[:-2] if len(after) >= 2 and after[-2].endswith(" and") else after[:-1]
    if any(p in LOCAL_PARAGRAPHS for p in after):
        kinds.add("padded")
    own = [p for p in after if p not in LOCAL_PARAGRAPHS]
    reworded = sum(p not in kept for p in own)
    if reworded:
        kinds.add("reworded")
    if len(before) - (len(own) - reworded) > reworded:  # more paragraphs gone than rewritten
        kinds.add("shortened")
    return kinds


def date_case(truth: dict, format_: str, url: str | None, date_hint: str | None) -> str:
    """The header case a document's date is scored under: its format, its header kind, and for
    records without a header whether a date sits in the url or the metadata."""
    if format_ == "txt":
        if truth["header"] == "clean":
            day = date.fromisoformat(truth["true_date"])
            ambiguous = day.day <= 12 and day.day != day.month
            return "txt, clean header, day <= 12" if ambiguous else "txt, clean header, day > 12"
        return f"txt, {truth['header']} header"
    in_url = "date in url" if url and URL_DATE.search(url) else "no date in url"
    if format_ == "json" and date_hint:
        return "json, date_publish"
    return f"{format_}, {in_url}"


def reference_outlets(path: Path = OUTLETS_CSV) -> dict[str, str]:
    """Reference domain -> outlet name (data/reference/outlets.csv)."""
    with path.open(encoding="utf-8") as handle:
        return {row["domain"]: row["outlet"] for row in csv.DictReader(handle)}


def expected_outlet(domain: str, reference: Mapping[str, str]) -> str:
    """The outlet Copydesk should name for a planted domain: the reference name, else the
    registrable domain (synth puts unknown outlets on "english." subdomains sometimes)."""
    bare = domain.removeprefix("english.")
    return reference.get(bare, bare)


# ---------------------------------------------------------------------------------------------
# Building the night


def build_night(articles: int, seed: int, work: Path) -> dict:
    """Synthesize, ingest and build every layer in child processes (bench/scale.py's measure)."""
    raw, data = work / "corpus" / "raw", work / "data"
    data.mkdir(parents=True)
    made = synth(articles, work / "corpus", seed=seed)
    print(f"  synth: {made['seconds']} s {made['formats']}", flush=True)
    stages = []
    for stage in ("ingest", *LAYERS):
        measured = measure(stage, raw, data, None)
        stages.append(measured)
        print(
            f"  {stage:<13} {measured['wall_seconds']:>8.1f} s wall"
            f" {measured['cpu_seconds']:>8.1f} s CPU {measured['peak_rss_mb']:>8.0f} MB",
            flush=True,
        )
        if measured["exit_code"] != 0:
            raise RuntimeError(f"{stage} failed (exit {measured['exit_code']})")
    models = {}
    for stage in stages:
        models.update(stage.pop("models", {}))
    return {"synth": made, "stages": stages, "model_seconds": models}


def load_documents(conn, lake: Path) -> dict[str, dict]:
    """The lake's documents by source_id, with their article row (None when rejected)."""
    rows = conn.execute(
        """
        select lake.source_id, lake.doc_id, lake.format, lake.text, lake.url, lake.title_hint,
            lake.date_hint, coalesce(lake.fetched_at, lake.ingested_at) at time zone 'UTC',
            articles.body, articles.published_date, articles.outlet, articles.copy_group_id
        from read_parquet(?) as lake
        left join main.articles as articles
            on articles.doc_id = lake.doc_id
        """,
        [str(lake / "documents" / "*" / "*.parquet")],
    ).fetchall()
    names = ("doc_id", "format", "text", "url", "title_hint", "date_hint", "relative_base")
    names += ("body", "published_date", "outlet", "copy_group_id")
    return {row[0]: dict(zip(names, row[1:], strict=True)) for row in rows}


def quarantined_sources(conn, lake: Path) -> set[str]:
    """source_ids quarantined at ingest."""
    files = list((lake / "quarantine").glob("*/*.parquet"))
    if not files:
        return set()
    rows = conn.execute("select source_id from read_parquet(?)", [[str(f) for f in files]])
    return {row[0] for row in rows.fetchall()}


def true_pair_overlaps(
    bodies: Mapping[str, str], pairs: set[tuple[str, str]]
) -> dict[tuple[str, str], float]:
    """The exact 5-word-shingle Jaccard of each true pair, computed here rather than read from the
    models, so the truth does not depend on the tool it scores."""
    import numpy as np

    sets = {}
    for doc in {doc for pair in pairs for doc in pair}:
        sets[doc] = np.unique(np.fromiter(map(hash, shingles(bodies[doc])), dtype=np.int64))
    overlaps = {}
    for a, b in pairs:
        shared = len(np.intersect1d(sets[a], sets[b], assume_unique=True))
        union = len(sets[a]) + len(sets[b]) - shared
        overlaps[(a, b)] = shared / union if union else 0.0
    return overlaps


# ---------------------------------------------------------------------------------------------
# The other tools


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


# ---------------------------------------------------------------------------------------------
# The run


def components(pairs: set[tuple[str, str]], docs: Iterable[str]) -> dict[str, str]:
    """Connected components of pairs over docs (union-find): document -> its root."""
    parent = {doc: doc for doc in docs}

    def root(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {doc: root(doc) for doc in parent}


def score_copies(found: set[tuple[str, str]], truth: dict) -> dict:
    """Pair scores of found pairs (restricted to scored documents) and of their components."""
    docs = truth["article_of"]
    found = {pair for pair in found if pair[0] in docs and pair[1] in docs}
    scores = pair_scores(found, truth["pairs"], truth["subsets"])
    scores["groups"] = group_scores(components(found, docs), docs)
    return scores


def copy_truth(documents: Mapping[str, tuple[dict, dict]], overlaps: Mapping) -> dict:
    """True pairs over scored documents, and the subsets recall is reported on."""
    article_of = {d["doc_id"]: t["article"] for t, d in documents.values()}
    pairs = pairs_of_groups(article_of)
    kinds_of: dict[str, set[str]] = {}
    by_source = {t["source_id"]: d for t, d in documents.values()}
    for t, d in documents.values():
        original = by_source.get(t["copy_of"]) if t["copy_of"] else None
        if t["copy_of"]:
            kinds_of[d["doc_id"]] = edit_kinds(original["text"], d["text"]) if original else {"?"}
    subsets: dict[str, set[tuple[str, str]]] = {}
    for a, b in pairs:
        kinds = kinds_of.get(a, set()) | kinds_of.get(b, set())
        if kinds - {"?"}:
            subsets.setdefault("edited copies", set()).add((a, b))
        for kind in kinds - {"?"}:
            subsets.setdefault(f"edit: {kind}", set()).add((a, b))
        subsets.setdefault(jaccard_bin(overlaps[(a, b)]), set()).add((a, b))
    return {"article_of": article_of, "pairs": pairs, "subsets": dict(sorted(subsets.items()))}


def run(articles: int, seed: int, sample_size: int, keep: bool) -> dict:
    """Build one night, run the other tools on it and score everything against its truth."""
    import duckdb

    load_start = os.getloadavg()
    work = Path(tempfile.mkdtemp(prefix=f"copydesk-sidebyside-{articles}-"))
    print(f"\n{articles} documents, in {work} (load average {load_start[0]:.2f})", flush=True)
    # A shared machine: a model that blows up must fail, not take all memory and disk.
    # The memory limit through the setting a nightly run reads, as bench/scale.py passes it.
    os.environ["COPYDESK_MEMORY_LIMIT"] = "12GB"
    os.environ["COPYDESK_SCALE_DUCKDB"] = json.dumps({"max_temp_directory_size": "20GB"})
    try:
        night = build_night(articles, seed, work)
        lake = work / "data" / "lake"
        conn = duckdb.connect(str(work / "data" / "warehouse.duckdb"), read_only=True)
        conn.execute("set memory_limit = '12GB'")
        lake_docs = load_documents(conn, lake)
        quarantined = quarantined_sources(conn, lake)
        truth_rows = [
            json.loads(line)
            for line in (work / "corpus" / "truth.jsonl").read_text(encoding="utf-8").splitlines()
        ]
        # Scored documents: in the lake and published as an article, with their truth row.
        documents = {
            t["source_id"]: (t, lake_docs[t["source_id"]])
            for t in truth_rows
            if t["source_id"] in lake_docs and lake_docs[t["source_id"]]["body"] is not None
        }
        accounting = {
            "records": len(truth_rows),
            "documents_scored": len(documents),
            "duplicate_texts_dropped_by_ingest": sum(
                t["source_id"] not in lake_docs and t["source_id"] not in quarantined
                for t in truth_rows
            ),
            "quarantined_by_ingest": sum(t["source_id"] in quarantined for t in truth_rows),
            "rejected_by_models": sum(
                t["source_id"] in lake_docs and lake_docs[t["source_id"]]["body"] is None
                for t in truth_rows
            ),
        }
        print(f"  accounting: {accounting}", flush=True)

        scored_pairs = pairs_of_groups({d["doc_id"]: t["article"] for t, d in documents.values()})
        bodies = {d["doc_id"]: d["body"] for _, d in documents.values()}
        overlaps = true_pair_overlaps(bodies, scored_pairs)
        truth = copy_truth(documents, overlaps)
        models = night["model_seconds"]
        copydesk_pairs = {
            tuple(sorted(pair))
            for pair in conn.execute(
                "select doc_a, doc_b from intermediate.int_copy_pairs"
            ).fetchall()
        }
        copydesk_copies = score_copies(copydesk_pairs, truth)
        copydesk_copies["groups"] = group_scores(
            {d["doc_id"]: d["copy_group_id"] for _, d in documents.values()}, truth["article_of"]
        )
        copydesk_copies["seconds"] = round(sum(models[m] for m in COPY_MODELS), 2)
        copydesk_copies["model_seconds"] = {m: models[m] for m in COPY_MODELS}
        print(f"  copydesk copies: {copydesk_copies['seconds']} s", flush=True)

        sketch = datasketch_copies(bodies, THRESHOLDS)
        datasketch_scores = {"hash_seconds": sketch.pop("hash_seconds")}
        datasketch_scores["documents_hashed"] = sketch.pop("documents_hashed")
        for threshold, found in sketch.items():
            entry = {k: v for k, v in found.items() if k not in ("candidates", "filtered")}
            entry["lsh_candidates"] = score_copies(found["candidates"], truth)
            entry["estimated_jaccard_filtered"] = score_copies(found["filtered"], truth)
            datasketch_scores[threshold] = entry
            print(f"  datasketch {threshold}: {entry['seconds']} s", flush=True)
        del sketch, bodies

        cases = {
            source: date_case(t, d["format"], d["url"], d["date_hint"])
            for source, (t, d) in documents.items()
        }
        true_date_of = {t["source_id"]: t["true_date"] for t in truth_rows}
        roles = {
            source: "original"
            if not t["copy_of"]
            else "copy, published the day after its original"
            if t["true_date"] != true_date_of[t["copy_of"]]
            else "copy, published the same day"
            for source, (t, _) in documents.items()
        }

        def accuracy(found: Mapping[str, date | None], labels: Mapping[str, str]) -> dict:
            return date_accuracy(
                (labels[s], found[s], date.fromisoformat(documents[s][0]["true_date"]))
                for s in found
            )

        copydesk_found = {s: d["published_date"] for s, (_, d) in documents.items()}
        sample_sources = random.Random(f"{seed}:dateparser").sample(
            sorted(documents), k=min(sample_size, len(documents))
        )
        sample = [documents[s][1] for s in sample_sources]
        parsed, parse_seconds = dateparser_dates(sample, DATEPARSER_CHARS)
        dateparser_found = dict(zip(sample_sources, parsed, strict=True))
        per_article = parse_seconds / len(sample)
        print(f"  dateparser: {per_article * 1000:.1f} ms an article", flush=True)
        date_seconds = round(sum(models[m] for m in DATE_MODELS), 2)
        dates = {
            "copydesk": {
                "seconds": date_seconds,
                "seconds_with_copy_and_story_models": round(
                    date_seconds + sum(models[m] for m in DATE_DEPENDENCIES), 2
                ),
                "model_seconds": {m: models[m] for m in DATE_MODELS},
                "by_case": accuracy(copydesk_found, cases),
                "by_role": accuracy(copydesk_found, roles),
                "on_the_sample": accuracy({s: copydesk_found[s] for s in sample_sources}, cases),
            },
            "dateparser": {
                "sample": len(sample),
                "chars": DATEPARSER_CHARS,
                "sample_seconds": round(parse_seconds, 2),
                "ms_per_article": round(per_article * 1000, 1),
                "extrapolated_seconds_for_corpus": round(per_article * len(documents), 1),
                "by_case": accuracy(dateparser_found, cases),
                "by_role": accuracy(dateparser_found, roles),
                "no_date_found": sum(found is None for found in parsed),
            },
        }
        reference = reference_outlets()
        with_url = [(t, d) for t, d in documents.values() if t["outlet"] and d["url"]]
        wrong = [
            {"url": d["url"], "expected": expected, "found": d["outlet"]}
            for t, d in with_url
            if d["outlet"] != (expected := expected_outlet(t["outlet"], reference))
        ]
        outlets = {
            "documents_with_url": len(with_url),
            "accuracy": round(1 - len(wrong) / len(with_url), 4) if with_url else None,
            "wrong_examples": wrong[:10],
        }
        conn.close()
        stages = {
            s["stage"]: {k: s.get(k) for k in ("wall_seconds", "cpu_seconds", "peak_rss_mb")}
            for s in night["stages"]
        }
        return {
            "articles": articles,
            "seed": seed,
            "load_average_at_start": [round(x, 2) for x in load_start],
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "synth_seconds": night["synth"]["seconds"],
            "stages": stages,
            "accounting": accounting,
            "copies": {"copydesk": copydesk_copies, "datasketch": datasketch_scores},
            "dates": dates,
            "outlets": outlets,
            "work_dir": str(work) if keep else None,
        }
    finally:
        if not keep:
            shutil.rmtree(work, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# Output


def print_table(result: dict) -> None:
    """The side-by-side table: copies, then dates per case, then outlets."""
    copies = result["copies"]
    print(
        f"\ncopies, {result['accounting']['documents_scored']} documents"
        f" ({copies['copydesk']['pairs_true']} true pairs)"
    )
    print(f"{'tool':<44} {'seconds':>8} {'precision':>9} {'recall':>7} {'edited':>7}")
    rows = [
        (
            "copydesk (int_shingles..int_copy_groups)",
            copies["copydesk"]["seconds"],
            copies["copydesk"],
        )
    ]
    rows.append(
        ("  copydesk copy groups", copies["copydesk"]["seconds"], copies["copydesk"]["groups"])
    )
    for threshold in THRESHOLDS:
        entry = copies["datasketch"][str(threshold)]
        rows.append(
            (f"datasketch MinHashLSH {threshold}", entry["seconds"], entry["lsh_candidates"])
        )
        rows.append(
            (
                f"  + estimated Jaccard >= {threshold}",
                entry["seconds"] + entry["filter_seconds"],
                entry["estimated_jaccard_filtered"],
            )
        )
    for name, seconds, scores in rows:
        edited = scores.get("recall_on", {}).get("edited copies", {}).get("recall")
        edited_text = f"{edited:>7.3f}" if edited is not None else "      -"
        print(
            f"{name:<44} {seconds:>8.1f} {scores['precision']:>9.3f} {scores['recall']:>7.3f}"
            f" {edited_text}"
        )
    subsets = copies["copydesk"]["recall_on"]
    print(
        f"\nrecall on {'':<34} {'pairs':>7} {'copydesk':>9}"
        + "".join(f" {'lsh ' + str(t):>8}" for t in THRESHOLDS)
    )
    for name, subset in subsets.items():
        line = f"  {name:<42} {subset['pairs']:>7} {subset['recall']:>9.3f}"
        for threshold in THRESHOLDS:
            other = copies["datasketch"][str(threshold)]["lsh_candidates"]["recall_on"][name]
            line += f" {other['recall']:>8.3f}"
        print(line)
    dates = result["dates"]
    parser = dates["dateparser"]
    print(
        f"\ndates: copydesk {dates['copydesk']['seconds']:.1f} s for all (date models;"
        f" {dates['copydesk']['seconds_with_copy_and_story_models']:.1f} s with the copy and"
        f" story models they read); dateparser {parser['ms_per_article']} ms an article on"
        f" {parser['sample']}, extrapolated {parser['extrapolated_seconds_for_corpus']:.0f} s"
    )
    print(f"{'case':<44} {'docs':>7} {'copydesk':>9} {'sample':>7} {'same':>7} {'dateparser':>10}")
    sample_scores = dates["copydesk"]["on_the_sample"]
    for case, scores in dates["copydesk"]["by_case"].items():
        on_sample = sample_scores.get(case, {})
        parsed = parser["by_case"].get(case, {})
        print(
            f"  {case:<42} {scores['documents']:>7} {scores['accuracy']:>9.3f}"
            f" {on_sample.get('documents', 0):>7} {on_sample.get('accuracy', float('nan')):>7.3f}"
            f" {parsed.get('accuracy', float('nan')):>10.3f}"
        )
    for role, scores in dates["copydesk"]["by_role"].items():
        parsed = parser["by_role"].get(role, {})
        print(
            f"  {role:<42} {scores['documents']:>7} {scores['accuracy']:>9.3f} {'':>15}"
            f" {parsed.get('accuracy', float('nan')):>10.3f}"
        )
    outlets = result["outlets"]
    print(f"\noutlets: {outlets['accuracy']} on {outlets['documents_with_url']} records with a url")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000, help="documents, copies included")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--sample", type=int, default=1000, help="articles given to dateparser")
    parser.add_argument("--keep", action="store_true", help="keep the temp corpus and warehouse")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    version = code_version()  # before the run: the models it measures are read at its start
    if version["uncommitted"]:
        print(f"measuring uncommitted changes: {version['uncommitted']}")
    result = run(args.articles, args.seed, args.sample, args.keep)
    result["measured_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    result["code"] = version
    result["machine"] = {"cpus": os.cpu_count()}
    result["note"] = "wall times are noisy: a shared 2-core machine (see load_average_*)"
    print_table(result)
    merge_results(args.out, "side_by_side", result)
    print(f"\nwritten to {args.out} (side_by_side.{args.articles})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
