"""Side by side: Copydesk's copy and date models against datasketch and dateparser, one corpus.

One synthetic night (`copydesk synth`) is ingested and built into a DuckDB file stage by stage, as
bench/scale.py does (its code, imported). Then, on the same documents:

- copies: Copydesk's models (the sql/intermediate/copies family, their build times)
  against datasketch's MinHash (num_perm=128, 5-word shingles of the articles mart's cleaned body,
  the words of sql/macros/shingles.sql) and MinHashLSH at 0.5 and 0.3 (hashing + index + query
  timed), each scored pair by pair against the planted truth: two documents are a true pair when
  they are the original or copies of the same synthetic article;
- dates: Copydesk's date models (the dates family) against dateparser's
  `search_dates` on a deterministic sample (its first date found, the usual naive use), accuracy
  per header case against the planted true date; dateparser's time for the whole corpus is
  extrapolated from the sample;
- dates, fairly: the same sample given as a user would give it: the record's own date, else a date
  in the url path, else dateparser on the title and text; and htmldate (its url extractor, then its
  text search on the title and text as minimal HTML); every tool's accuracy is also reported apart
  for documents dated by metadata (record date, url) and by text only;
- outlets: Copydesk's outlet for every record with a url against the planted domain (circular: the
  synthetic outlets come from the reference CSV Copydesk reads), and on real hosts: NAEB's urls
  against their site, UCI's urls against PUBLISHER (bench/realpages.py), per devset half.

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
import json
import os
import random
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


if str(ROOT) not in sys.path:  # `python bench/sidebyside.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

from bench.baselines import (  # noqa: E402
    DATEPARSER_CHARS,
    THRESHOLDS,
    datasketch_copies,
    dateparser_dates,
    dateparser_fair,
    htmldate_dates,
    record_date,
    shingles,
    url_date,
)
from bench.realpages import real_host_outlets  # noqa: E402
from bench.scale import LAYERS, code_version, measure, merge_results  # noqa: E402
from bench.scoring import (  # noqa: E402
    copy_truth,
    date_accuracy,
    date_case,
    expected_outlet,
    group_scores,
    pairs_of_groups,
    reference_outlets,
    score_copies,
)
from copydesk.synth import synth  # noqa: E402
from copydesk.warehouse.models import load_models  # noqa: E402

OUT = ROOT / "bench" / "results.json"


def family(name: str) -> tuple[str, ...]:
    """The models of one sql/intermediate/<name>/ family, in build order."""
    return tuple(m.table for m in load_models() if m.path.parent.name == name)


COPY_MODELS = family("copies")
DATE_MODELS = family("dates")
# What the date evidence reads besides the date models: dates are lent along copies and stories.
DATE_DEPENDENCIES = (*COPY_MODELS, *family("stories"))


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
        fair, answered_by, fair_seconds = dateparser_fair(sample, DATEPARSER_CHARS)
        fair_found = dict(zip(sample_sources, fair, strict=True))
        html_found, html_seconds = {}, None
        try:
            html_dates, html_seconds = htmldate_dates(sample)
            html_found = dict(zip(sample_sources, html_dates, strict=True))
            print(f"  htmldate: {html_seconds / len(sample) * 1000:.1f} ms an article", flush=True)
        except ImportError:
            print("  htmldate: not installed (pip install -e '.[dev]')", flush=True)
        # Documents a record's own date or its url dates, apart from those only the text dates.
        evidence = {
            s: "metadata: record date"
            if record_date(d)
            else "metadata: date in url"
            if url_date(d["url"])
            else "text only"
            for s, (_, d) in documents.items()
        }
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
                "by_evidence": accuracy(copydesk_found, evidence),
                "on_the_sample": accuracy({s: copydesk_found[s] for s in sample_sources}, cases),
                "on_the_sample_by_evidence": accuracy(
                    {s: copydesk_found[s] for s in sample_sources}, evidence
                ),
            },
            "dateparser": {
                "sample": len(sample),
                "chars": DATEPARSER_CHARS,
                "sample_seconds": round(parse_seconds, 2),
                "ms_per_article": round(per_article * 1000, 1),
                "extrapolated_seconds_for_corpus": round(per_article * len(documents), 1),
                "by_case": accuracy(dateparser_found, cases),
                "by_role": accuracy(dateparser_found, roles),
                "by_evidence": accuracy(dateparser_found, evidence),
                "no_date_found": sum(found is None for found in parsed),
            },
            "dateparser_with_url_and_record_date": {
                "given": "the record's date, else a date in the url path, else dateparser's first"
                " date in the title and text",
                "sample_seconds": round(fair_seconds, 2),
                "answered_by": dict(sorted(Counter(answered_by).items())),
                "by_case": accuracy(fair_found, cases),
                "by_evidence": accuracy(fair_found, evidence),
            },
            "htmldate": {
                "given": "the record's date, else htmldate.find_date on the url and the title"
                " and text as minimal HTML (original_date, max_date the fetch day)",
                "installed": bool(html_found),
                "sample_seconds": round(html_seconds, 2) if html_seconds is not None else None,
                "by_case": accuracy(html_found, cases),
                "by_evidence": accuracy(html_found, evidence),
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
            "note": "circular: synth drew these outlets from the reference CSV Copydesk reads;"
            " see real_hosts",
            "wrong_examples": wrong[:10],
            "real_hosts": real_host_outlets(),
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
    print(
        f"{'case':<44} {'docs':>7} {'copydesk':>9} {'sample':>7} {'same':>7} {'dateparser':>10}"
        f" {'dp+url+record':>13} {'htmldate':>9}"
    )
    sample_scores = dates["copydesk"]["on_the_sample"]
    for case, scores in dates["copydesk"]["by_case"].items():
        on_sample = sample_scores.get(case, {})
        peers = [
            dates[peer]["by_case"].get(case, {}).get("accuracy", float("nan"))
            for peer in ("dateparser", "dateparser_with_url_and_record_date", "htmldate")
        ]
        print(
            f"  {case:<42} {scores['documents']:>7} {scores['accuracy']:>9.3f}"
            f" {on_sample.get('documents', 0):>7} {on_sample.get('accuracy', float('nan')):>7.3f}"
            f" {peers[0]:>10.3f} {peers[1]:>13.3f} {peers[2]:>9.3f}"
        )
    for role, scores in dates["copydesk"]["by_role"].items():
        parsed = parser["by_role"].get(role, {})
        print(
            f"  {role:<42} {scores['documents']:>7} {scores['accuracy']:>9.3f} {'':>15}"
            f" {parsed.get('accuracy', float('nan')):>10.3f}"
        )
    print(
        f"{'by evidence, on the sample':<44} {'docs':>7} {'copydesk':>9} {'dateparser':>10}"
        f" {'dp+url+record':>13} {'htmldate':>9}"
    )
    for group, scores in dates["copydesk"]["on_the_sample_by_evidence"].items():
        cells = [
            dates[peer]["by_evidence"].get(group, {}).get("accuracy", float("nan"))
            for peer in ("dateparser", "dateparser_with_url_and_record_date", "htmldate")
        ]
        print(
            f"  {group:<42} {scores['documents']:>7} {scores['accuracy']:>9.3f}"
            f" {cells[0]:>10.3f} {cells[1]:>13.3f} {cells[2]:>9.3f}"
        )
    outlets = result["outlets"]
    print(
        f"\noutlets: {outlets['accuracy']} on {outlets['documents_with_url']} synthetic records"
        " with a url (circular: drawn from the reference CSV)"
    )
    for half, real in outlets["real_hosts"].items():
        print(
            f"  real hosts, {half} half: NAEB {real['naeb']['accuracy']} on {real['naeb']['urls']}"
            f" urls; UCI {real['uci']['accuracy']} on {real['uci']['articles']} urls"
            f" (publisher name {real['uci']['accuracy_publisher_name']};"
            f" the bare host as the name {real['uci']['host_as_name_baseline']})"
        )


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
