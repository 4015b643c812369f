"""Nightly updates: a night that adds documents updates a copy of the published warehouse, and
gives exactly the tables a full build from the same lake gives."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import pytest

from copydesk.synth import DEVSET, synth
from flows.nightly import nightly
from tests.conftest import BUILD_RECORD_TABLES, IDF_DRIFT_COLUMNS, SEEDS_DIR, query, suites_with

pytestmark = pytest.mark.usefixtures("prefect_server")

# Seed 002 ends with a cut-off teaser of this story; the story itself arrives a night later.
TEASED_STORY = (
    " date 2025-06-01 WARSAW: Poland is set to hold a presidential runoff election today between"
    " two candidates offering starkly different visions for the country’s future. The winner"
    " would succeed Polish President Andrzej Duda, a conservative who is finishing his second and"
    " final term. The outcome would determine whether Poland embraces a nationalist populist"
    " trajectory or pivots more fully toward liberal, pro-European policies. An exit poll by Ipsos"
    " would be released when polls close today at 9pm local time, with a margin of error of plus"
    " or minus 2 percentage points. Final results are expected tomorrow. Whoever wins can be"
    " expected to either help or hinder the government’s agenda.\n\n"
    "Turnout in the first round was the highest in a presidential election in decades, and both"
    " camps spent the final days of the campaign courting the voters of eliminated candidates.\n"
)


def published_tables(data: Path) -> dict[str, list[tuple]]:
    """Every table of the published warehouse but the build records, rows in a stable order; of
    the tables the idf snapshot makes drift, only the columns IDF_DRIFT_COLUMNS names."""
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        names = [
            f"{schema}.{table}"
            for schema, table in conn.execute(
                "select schema_name, table_name from duckdb_tables() order by all"
            ).fetchall()
            if f"{schema}.{table}" not in BUILD_RECORD_TABLES
        ]
        # Table and column names come from the warehouse's own catalog and our own table.
        return {
            name: conn.execute(
                f"select {', '.join(IDF_DRIFT_COLUMNS.get(name, ['*']))} from {name} order by all"  # noqa: S608
            ).fetchall()
            for name in names
            if IDF_DRIFT_COLUMNS.get(name) != ()
        }


def differing_tables(updated: Path, rebuilt: Path) -> dict[str, str]:
    """Tables whose rows differ between two warehouses, with how."""
    left, right = published_tables(updated), published_tables(rebuilt)
    differences = {}
    for name in sorted(left.keys() | right.keys()):
        rows_left, rows_right = left.get(name), right.get(name)
        if rows_left != rows_right:
            # As text: a row with a list or struct column cannot go into a set.
            as_left, as_right = (
                {repr(row) for row in rows or []} for rows in (rows_left, rows_right)
            )
            only_left, only_right = len(as_left - as_right), len(as_right - as_left)
            differences[name] = f"{only_left} rows only updated, {only_right} only rebuilt"
    return differences


def two_nights(first: list[Path], second: list[Path], tmp_path: Path):
    """Run a night on `first`, add `second` to the raw folder and run the next night; then a full
    build from a copy of the same lake. Returns both nights' summaries and the two data folders."""
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir(parents=True)
    for path in first:
        shutil.copy(path, raw / path.name)
    night_one = nightly(raw_dir=str(raw), data_dir=str(data))
    for path in second:
        shutil.copy(path, raw / path.name)
    night_two = nightly(raw_dir=str(raw), data_dir=str(data))
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(data / "lake", rebuilt / "lake")
    full = nightly(raw_dir=str(raw), data_dir=str(rebuilt), full_rebuild=True)
    return night_one, night_two, full, data, rebuilt


def test_a_night_of_new_seeds_updates_the_warehouse_to_what_a_full_build_gives(tmp_path):
    seeds = sorted(SEEDS_DIR.glob("*.txt"))
    teased = tmp_path / "teased.txt"
    teased.write_text(TEASED_STORY, encoding="utf-8")
    # Night one: AFP seeds 000 and 002 (with its teasers) and Xinhua 004; night two: the other
    # AFP reprints (copies of night one's, one with an inverted date their dates repair) and the
    # story seed 002's last teaser comes from.
    first = [p for p in seeds if p.name[:3] in ("000", "002", "004")]
    second = [p for p in seeds if p.name[:3] in ("001", "003")] + [teased]
    night_one, night_two, full, updated, rebuilt = two_nights(first, second, tmp_path)

    assert night_one.build.startswith("full build of 3 documents: no published warehouse")
    assert night_two.build == "update of the published warehouse with 3 new documents"
    assert full.build.startswith("full build of 6 documents: a full rebuild was asked for")
    assert differing_tables(updated, rebuilt) == {}
    with duckdb.connect(str(updated / "warehouse.duckdb"), read_only=True) as conn:
        # The paths an update must take were taken: seed 002 (night one) now knows its teaser's
        # story, night two's reprints joined night one's copy group, and seed 003's inverted
        # header is repaired.
        teasers = query(
            conn,
            "select documents.source_id from intermediate.int_teaser_matches as matches"
            " join staging.stg_documents as documents on documents.doc_id = matches.teased_doc_id",
        )
        assert {row["source_id"] for row in teasers} == {"teased.txt"}
        computed = query(
            conn,
            "select left(source_id, 3) as name from intermediate.int_changed_documents"
            " join staging.stg_documents using (doc_id) order by 1",
        )
        assert [row["name"] for row in computed] == ["001", "002", "003", "tea"]
        groups = query(
            conn,
            "select left(source_id, 3) as seed, copy_group_id, published_date, date_source"
            " from articles where source_id < '005' order by 1",
        )
    assert len({row["copy_group_id"] for row in groups if row["seed"] != "004"}) == 1
    assert {row["seed"]: str(row["published_date"]) for row in groups}["003"] == "2025-06-02"
    assert not list(updated.glob(".warehouse.*"))


@pytest.mark.skipif(not DEVSET.exists(), reason="needs ../shared/devsets")
def test_a_synthetic_night_updates_the_warehouse_to_what_a_full_build_gives(tmp_path):
    """Copies, teasers, stories and lent dates across two nights of a synthetic crawl."""
    corpus = tmp_path / "corpus"
    synth(600, corpus, seed=5)
    files = sorted(p for p in (corpus / "raw").rglob("*") if p.is_file())
    staged = tmp_path / "staged"
    for index, path in enumerate(files):
        # Keep each file's folder-relative name unique when flattened into one raw folder.
        target = staged / f"{index:05d}-{path.name}"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    staged_files = sorted(staged.iterdir())
    first, second = staged_files[::2], staged_files[1::2]
    _, night_two, _, updated, rebuilt = two_nights(first, second, tmp_path / "nights")
    assert night_two.build.startswith("update of the published warehouse")
    assert differing_tables(updated, rebuilt) == {}
    with duckdb.connect(str(updated / "warehouse.duckdb"), read_only=True) as conn:
        across = query(
            conn,
            "select count(*) as pairs from intermediate.int_copy_pairs as copy_pairs"
            " join staging.stg_documents as a on a.doc_id = copy_pairs.doc_a"
            " join staging.stg_documents as b on b.doc_id = copy_pairs.doc_b"
            " where a.run_id <> b.run_id",
        )
        earlier_recomputed = query(
            conn,
            "select count(*) as documents from intermediate.int_changed_documents"
            " where doc_id not in (select doc_id from staging.stg_documents"
            " where run_id = (select max(run_id) from staging.stg_documents))",
        )
        rewritten = query(
            conn,
            "select (select count(*) from intermediate.int_touched_documents) as touched,"
            " (select count(*) from intermediate.int_redated_documents) as redated,"
            " (select count(*) from staging.stg_documents) as documents",
        )[0]
    # The comparison means something: copies span the two nights, and some earlier pages got
    # their teasers' stories that night.
    assert across[0]["pairs"] > 20
    assert earlier_recomputed[0]["documents"] > 0
    # And the date evidence and the articles mart were updated, not rewritten whole.
    assert 0 < rewritten["redated"] < rewritten["documents"]
    assert 0 < rewritten["touched"] < rewritten["documents"]


def test_page_furniture_found_a_night_later_leaves_earlier_pairs_as_they_were(tmp_path):
    """One article in two sites' heavy frames arrives first, each site's second page (the frame
    that makes the rest furniture) a night later: the update and a full build agree."""
    from tests.test_copy_models import made_up_words, prose

    head_s, foot_s, head_t, foot_t = (made_up_words(300, seed=s) for s in (11, 12, 13, 14))
    story, second_story, third_story = (made_up_words(200, seed=s) for s in (15, 16, 17))
    pages = {
        "1-on-s.txt": head_s + story + foot_s,
        "1-on-t.txt": head_t + story + foot_t,
        "2-on-s.txt": head_s + second_story + foot_s,
        "3-on-t.txt": head_t + third_story + foot_t,
    }
    staged = tmp_path / "staged"
    staged.mkdir()
    for name, words in pages.items():
        (staged / name).write_text(f" date 2025-06-02 {prose(words)}", encoding="utf-8")
    first = [staged / "1-on-s.txt", staged / "1-on-t.txt"]
    second = [staged / "2-on-s.txt", staged / "3-on-t.txt"]
    _, night_two, _, updated, rebuilt = two_nights(first, second, tmp_path / "nights")
    assert night_two.build.startswith("update of the published warehouse")
    assert differing_tables(updated, rebuilt) == {}
    with duckdb.connect(str(updated / "warehouse.duckdb"), read_only=True) as conn:
        frames = query(
            conn,
            "select a.source_id as a, b.source_id as b from intermediate.int_page_frames"
            " join staging.stg_documents as a on a.doc_key = key_a"
            " join staging.stg_documents as b on b.doc_key = key_b",
        )
        pairs = query(conn, "select count(*) as n from intermediate.int_copy_pairs")
    # Each site's two pages are a frame, found on night two; the article's pair was measured on
    # night one with both frames (0.25 of each page shared) and keeps that verdict in both.
    assert sorted(tuple(sorted((f["a"], f["b"]))) for f in frames) == [
        ("1-on-s.txt", "2-on-s.txt"),
        ("1-on-t.txt", "3-on-t.txt"),
    ]
    assert pairs[0]["n"] == 0


def test_a_night_rebuilds_in_full_when_the_published_warehouse_cannot_be_updated(
    tmp_path, monkeypatch
):
    seeds = {path.name[:3]: path for path in sorted(SEEDS_DIR.glob("*.txt"))}
    raw, data = tmp_path / "raw", tmp_path / "data"
    raw.mkdir()

    def night_with(seed: str, **environment) -> str:
        shutil.copy(seeds[seed], raw / seeds[seed].name)
        with monkeypatch.context() as patch:
            for name, value in environment.items():
                patch.setenv(name, value)
            summary = nightly(raw_dir=str(raw), data_dir=str(data))
        assert summary.status == "published"
        return summary.build

    assert night_with("000") == "full build of 1 document: no published warehouse yet"
    assert night_with("001") == "update of the published warehouse with 1 new document"
    # A week of updates (here: none allowed) ends in a full build.
    assert night_with("002", COPYDESK_FULL_REBUILD_DAYS="0").startswith(
        "full build of 3 documents: its last full build is 0 days old"
    )
    # Other suites (like other SQL or code) may build other tables: no update across them.
    suites = suites_with(
        tmp_path / "suites",
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "article_id"},
            "severity": "warning",
            "meta": {"why": "a test's extra expectation"},
        },
    )
    assert night_with("003", COPYDESK_EXPECTATIONS=str(suites)) == (
        "full build of 4 documents: the SQL models, code or suites changed since it was built"
    )
    # Documents gone from the lake cannot stay in the warehouse. Removed on purpose here, so the
    # operator allows the marts to shrink (copy pairs and date evidence lose their share of 000).
    first_night = min((data / "lake" / "documents").glob("*/*.parquet"))
    first_night.unlink()
    assert night_with("004", COPYDESK_EXPECTATIONS=str(suites), COPYDESK_ALLOW_SHRINK="1") == (
        "full build of 4 documents: the lake no longer holds 1 of its documents"
    )
