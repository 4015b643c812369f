"""Word splitters side by side: the same bodies split by each, timed, and their lists compared.

A word is a run of Unicode letters and digits, lowercased (`text_words`, sql/macros/shingles.sql).
The bodies are synthetic articles (copydesk.synth's rewritten sources) plus a few texts in other
scripts and with awkward punctuation (accents, CJK, Arabic, Devanagari, digits, apostrophes,
hyphens), so a splitter that is fast but wrong shows up as a difference. Each splitter writes its
lists into a table on one in-memory DuckDB connection; CPU seconds are the process's (every DuckDB
thread counted), best of --repeat runs.

Usage: python bench/word_split.py [--bodies 20000] [--repeat 3] [--threads N]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/word_split.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

from copydesk.synth.night import build_pools, load_sources, synthetic_article  # noqa: E402

# Texts whose words a careless splitter gets wrong; each appears many times among the bodies.
AWKWARD = [
    "Café déjà-vu: l'été à São Paulo — ÉLÈVES, naïve façade; Straße GROẞ Ölçü İstanbul",
    "北京时间 2025年6月2日，新华社报道：国务院总理李强出席会议。東京の天気は晴れ",
    "قال الرئيس إن الاجتماع عقد في ٢٠٢٥ في القاهرة، مع وزير الخارجية",
    "प्रधानमंत्री ने कहा कि २०२५ में भारत की अर्थव्यवस्था बढ़ेगी",
    "Don't stop: it's 3.14% of $1,200,000 in Q2/2025 (x86-64, e-mail, co-op) № 5 ½ ² Ⅻ",
    "Ελληνικά ΚΕΦΑΛΑΙΑ και Σίσυφος; Русский ТЕКСТ, ёлка; ՀԱՅԵՐԵՆ; 한국어 문장입니다",
    "tabs\tand\nnew lines\r\n  double  spaces ''quotes'' “curly” ‘single’ — en–dash…",
    "",
    "   ",
    "!!!---???",
    "x",
    "e\u0301cole decomposed, ﬁ ligature, ＦＵＬＬＷＩＤＴＨ ２０２５,"
    " zero\u200bwidth, nbsp\u00a0here",
]

# The pattern of one non-word run: what the splitters below cut at.
NOT_WORD = r"[^\p{L}\p{N}]+"

SPLITTERS = {
    "regexp_extract_all (today)": r"regexp_extract_all(lower(body), '[\p{L}\p{N}]+')",
    "string_split after regexp_replace": (
        "list_filter(string_split(regexp_replace(lower(body), '" + NOT_WORD + "', ' ', 'g'), ' '),"
        " lambda word: word <> '')"
    ),
    "string_split_regex": (
        "list_filter(string_split_regex(lower(body), '" + NOT_WORD + "'), lambda word: word <> '')"
    ),
    "regexp_split_to_array, trimmed": (
        "list_filter(regexp_split_to_array(lower(body), '" + NOT_WORD + "'),"
        " lambda word: word <> '')"
    ),
    "arrow UDF (utf8_lower, split_pattern_regex)": "arrow_words(body)",
}


def arrow_words(bodies: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Arrow compute's split of a batch: lowercase, cut at non-word runs, drop the empty ends."""
    if isinstance(bodies, pa.ChunkedArray):  # DuckDB hands a vector over as a chunked array
        bodies = bodies.combine_chunks()
    pieces = pc.split_pattern_regex(pc.utf8_lower(bodies), NOT_WORD)
    flat = pc.list_flatten(pieces)
    keep = pc.not_equal(pc.binary_length(flat), 0)
    parents = pc.list_parent_indices(pieces).to_numpy()
    kept_parents = parents[keep.to_numpy(zero_copy_only=False)]
    counts = np.bincount(kept_parents, minlength=len(bodies))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    words = pa.ListArray.from_arrays(pa.array(offsets), flat.filter(keep))
    # A null body has null words, as regexp_extract_all gives.
    return pc.if_else(pc.is_null(bodies), pa.nulls(len(bodies), words.type), words)


def bodies_of(count: int, seed: int) -> list[str]:
    """`count` synthetic article bodies, one in 200 an awkward text."""
    bases = load_sources()
    names, words = build_pools(bases)
    rng = random.Random(seed)
    bodies = []
    for index in range(count):
        if index % 200 == 0:
            bodies.append(AWKWARD[(index // 200) % len(AWKWARD)])
            continue
        article = synthetic_article(index, seed, bases, names, words)
        bodies.append("\n\n".join(article["paragraphs"]))
    rng.shuffle(bodies)
    return bodies


def timed(conn: duckdb.DuckDBPyConnection, name: str, expression: str, repeat: int) -> dict:
    best = None
    for _ in range(repeat):
        cpu, wall = time.process_time(), time.perf_counter()
        # Our own expressions (SPLITTERS), never input.
        conn.execute(
            f"create or replace table {name} as select id, {expression} as words from bodies"  # noqa: S608
        )
        seconds = (time.process_time() - cpu, time.perf_counter() - wall)
        best = seconds if best is None or seconds[0] < best[0] else best
    assert best is not None
    return {"cpu_seconds": round(best[0], 3), "wall_seconds": round(best[1], 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bodies", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: its default)")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    bodies = bodies_of(args.bodies, args.seed)
    megabytes = sum(len(body.encode()) for body in bodies) / 1e6
    made = time.perf_counter() - started
    print(f"{len(bodies)} bodies, {megabytes:.1f} MB, made in {made:.1f} s")

    conn = duckdb.connect()
    if args.threads:
        conn.execute(f"set threads = {args.threads}")
    conn.register("body_table", pa.table({"id": range(len(bodies)), "body": bodies}))
    conn.execute("create table bodies as select * from body_table")
    conn.unregister("body_table")
    conn.create_function("arrow_words", arrow_words, ["VARCHAR"], "VARCHAR[]", type="arrow")

    results = {}
    for number, (label, expression) in enumerate(SPLITTERS.items()):
        results[label] = timed(conn, f"split_{number}", expression, args.repeat)
        differing = conn.execute(
            f"select count(*) from split_0 as today join split_{number} as other using (id)"  # noqa: S608
            " where today.words is distinct from other.words"
        ).fetchone()
        results[label]["differing_bodies"] = differing[0] if differing else None
    words = conn.execute("select sum(len(words)) from split_0").fetchone()
    threads = args.threads or "default"
    print(f"{words[0] if words else 0} words; best of {args.repeat}, threads {threads}")
    print(f"{'splitter':<45} {'CPU s':>7} {'wall s':>7} {'MB/CPU s':>9} {'differ':>7}")
    for label, result in results.items():
        rate = megabytes / result["cpu_seconds"] if result["cpu_seconds"] else float("inf")
        print(
            f"{label:<45} {result['cpu_seconds']:>7} {result['wall_seconds']:>7}"
            f" {rate:>9.1f} {result['differing_bodies']:>7}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
