"""Idf drift: the stories of a warehouse updated by a night against a full build of its lake.

A night weighs names by the idf of the last full build (int_story_idf), so its story pairs, and
the stories made of them, may differ from what a full build of the same lake gives. This builds
that full build beside a folder `bench/scale.py --night N --keep` left, and counts the differences.

Usage: python bench/story_drift.py WORK_DIR [--out bench/story_drift.json]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from copydesk.settings import Settings
from copydesk.warehouse.build import build_models, record_new_documents
from copydesk.warehouse.connection import (
    drop_sources,
    open_warehouse_file,
    register_sources,
    sql_literal,
)
from copydesk.warehouse.models import load_models

# Each figure: a query over `updated` (the night's warehouse) and the full build (the default
# database). Stories are compared as sets of articles, named by their smallest doc_id.
FIGURES = {
    "articles": "select count(*) from intermediate.int_stories",
    "articles_whose_story_differs": """
        select count(*) from intermediate.int_stories as full_build
        join updated.intermediate.int_stories as night using (doc_id)
        where full_build.story_doc_id <> night.story_doc_id""",
    "articles_in_stories_of_2_or_more": (
        "select count(*) from intermediate.int_stories where story_size > 1"
    ),
    "stories_full_build": "select count(distinct story_doc_id) from intermediate.int_stories",
    "stories_updated": "select count(distinct story_doc_id) from updated.intermediate.int_stories",
    "stories_only_in_full_build": """
        select count(*) from (
            select story_doc_id, story_size from intermediate.int_stories
            except
            select story_doc_id, story_size from updated.intermediate.int_stories)""",
    "story_pairs_full_build": "select count(*) from intermediate.int_story_pairs",
    "story_pairs_updated": "select count(*) from updated.intermediate.int_story_pairs",
    "story_pairs_only_in_full_build": """
        select count(*) from (
            select doc_a, doc_b from intermediate.int_story_pairs
            except
            select doc_a, doc_b from updated.intermediate.int_story_pairs)""",
    "story_pairs_only_updated": """
        select count(*) from (
            select doc_a, doc_b from updated.intermediate.int_story_pairs
            except
            select doc_a, doc_b from intermediate.int_story_pairs)""",
    "copy_groups_differing": """
        select count(*) from intermediate.int_copy_groups as full_build
        join updated.intermediate.int_copy_groups as night using (doc_id)
        where full_build.copy_group_doc_id <> night.copy_group_doc_id""",
    "articles_whose_published_date_differs": """
        select count(*) from main.articles as full_build
        join updated.main.articles as night using (article_id)
        where full_build.published_date is distinct from night.published_date""",
}


def full_build(work: Path) -> tuple[Path, float]:
    """A full build of the lake in work/data, in work/full; returns its file and seconds."""
    data, full = work / "data", work / "full"
    shutil.rmtree(full, ignore_errors=True)
    full.mkdir()
    shutil.copytree(data / "lake", full / "lake")
    path = full / "warehouse.duckdb"
    started = time.perf_counter()
    conn = open_warehouse_file(path)
    try:
        register_sources(conn, Settings(raw_dir=work / "corpus" / "raw", data_dir=full))
        record_new_documents(conn)
        build_models(conn, load_models())
        drop_sources(conn)
        conn.execute("checkpoint")
    finally:
        conn.close()
    return path, round(time.perf_counter() - started, 1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("work", type=Path, help="a folder bench/scale.py --night N --keep left")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    path, seconds = full_build(args.work)
    conn = open_warehouse_file(path)
    updated = args.work / "data" / "warehouse.duckdb"
    conn.execute(f"attach {sql_literal(str(updated))} as updated (read_only)")
    figures: dict[str, object] = {"full_build_seconds": seconds}
    for name, sql in FIGURES.items():
        figures[name] = conn.execute(sql).fetchall()[0][0]
    conn.close()
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
