"""`copydesk export` and COPYDESK_EXPORT: the marts as Parquet, one generation at a time."""

from __future__ import annotations

import json
import os
import shutil

import duckdb
import pyarrow.dataset as pads
import pyarrow.parquet as pq

from copydesk.cli import main
from copydesk.warehouse.export import mart_names
from flows.nightly import nightly
from tests.conftest import SEEDS_DIR


def warehouse_counts(data) -> dict[str, int]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return {
            table: conn.execute(f"select count(*) from main.{table}").fetchall()[0][0]  # noqa: S608
            for table in mart_names()
        }


def published_run(data) -> str:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return conn.execute("select run_id from runs where status = 'published'").fetchall()[0][0]


def read_back(out) -> dict[str, int]:
    """Each table's rows as pyarrow reads the export, the way pandas, Polars and Spark do."""
    return {
        table: pads.dataset(out / table, format="parquet", partitioning="hive").count_rows()
        for table in sorted(p.name for p in out.iterdir() if p.is_dir())
    }


def test_export_reads_back_with_the_warehouses_row_counts(published_seeds, tmp_path, capsys):
    out = tmp_path / "export"
    assert main(["export", "--data", str(published_seeds), "--out", str(out)]) == 0
    assert (
        "articles                   5 rows  1 file, by published_month" in capsys.readouterr().out
    )
    counts = warehouse_counts(published_seeds)
    assert read_back(out) == counts
    assert counts["articles"] == 5 and counts["copy_pairs"] == 6  # not a comparison of empties
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["run_id"] == published_run(published_seeds)
    assert {name: table["rows"] for name, table in manifest["tables"].items()} == counts


def test_articles_are_partitioned_by_published_month_and_compressed_with_zstd(
    published_seeds, tmp_path
):
    out = tmp_path / "export"
    assert main(["export", "--data", str(published_seeds), "--out", str(out)]) == 0
    assert sorted(p.name for p in (out / "articles").iterdir()) == ["published_month=2025-06"]
    assert [p.name for p in (out / "fct_stories").iterdir()] == ["data_0.parquet"]
    month = pads.dataset(out / "articles", format="parquet", partitioning="hive").to_table()
    assert set(month.column("published_month").to_pylist()) == {"2025-06"}
    assert {str(d) for d in month.column("published_date").to_pylist()} <= {
        f"2025-06-{day:02d}" for day in range(1, 31)
    }
    (parquet,) = (out / "articles" / "published_month=2025-06").glob("*.parquet")
    column = pq.ParquetFile(parquet).metadata.row_group(0).column(0)
    assert column.compression == "ZSTD"
    # Any DuckDB reads it as the README says.
    with duckdb.connect() as conn:
        pattern = str(out / "articles" / "**" / "*.parquet")
        found = conn.execute(
            "select count(*), count(distinct published_month)"
            " from read_parquet(?, hive_partitioning = true)",
            [pattern],
        ).fetchall()
    assert found == [(5, 1)]


def test_an_export_is_swapped_in_whole_and_the_one_before_kept(published_seeds, tmp_path):
    out = tmp_path / "export"
    killed = tmp_path / ".export.copydesk-export.killed.1"  # left by an export killed half-way
    killed.mkdir()
    assert main(["export", "--data", str(published_seeds), "--out", str(out)]) == 0
    first = out.resolve()
    held = sorted(first.rglob("*.parquet"))  # a reader listed the files of the first export
    runs_only = ["export", "--data", str(published_seeds), "--out", str(out), "--tables", "runs"]
    assert main(runs_only) == 0
    assert out.is_symlink() and out.resolve() != first
    assert [p.name for p in out.iterdir() if p.is_dir()] == ["runs"]  # no mix of two exports
    assert all(path.exists() for path in held)  # the one before stays for its readers
    assert main(runs_only) == 0
    beside = sorted(
        p.name
        for p in tmp_path.iterdir()
        if p.name.startswith(".export.copydesk-export.") and p.is_dir()
    )
    assert len(beside) == 2 and not killed.exists()  # the current and the one before
    assert os.readlink(out) in beside


def test_export_refuses_unknown_tables_and_a_folder_that_is_not_an_export(
    published_seeds, tmp_path, capsys
):
    assert main(["export", "--data", str(published_seeds), "--tables", "staging"]) == 2
    assert "not a mart: staging" in capsys.readouterr().err
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("someone's files")
    assert main(["export", "--data", str(published_seeds), "--out", str(mine)]) == 2
    assert "not a Copydesk export" in capsys.readouterr().err
    assert (mine / "notes.txt").read_text() == "someone's files"
    assert main(["export", "--data", str(tmp_path / "nothing")]) == 2


def test_copydesk_export_setting_exports_after_every_publish_and_a_failure_never_unpublishes(
    tmp_path, prefect_server, monkeypatch
):
    raw, data, out = tmp_path / "raw", tmp_path / "data", tmp_path / "parquet"
    shutil.copytree(SEEDS_DIR, raw)
    monkeypatch.setenv("COPYDESK_EXPORT", "1")
    monkeypatch.setenv("COPYDESK_EXPORT_DIR", str(out))
    out.mkdir()
    (out / "notes.txt").write_text("not an export: the export step must fail")

    first = nightly(raw_dir=str(raw), data_dir=str(data))
    assert first.status == "published" and (data / "warehouse.duckdb").exists()
    assert any("Parquet export failed" in notice for notice in first.notices)
    assert (out / "notes.txt").exists()

    # Fixed: a night with nothing new exports the generation the last export missed.
    (out / "notes.txt").unlink()
    quiet = nightly(raw_dir=str(raw), data_dir=str(data))
    assert quiet.status == "nothing_new" and not quiet.notices
    assert json.loads((out / "manifest.json").read_text())["run_id"] == first.run_id
    assert read_back(out) == warehouse_counts(data)

    (raw / "extra.txt").write_text("A new story arrives tonight and is long enough to publish.")
    second = nightly(raw_dir=str(raw), data_dir=str(data))
    assert second.status == "published"
    assert json.loads((out / "manifest.json").read_text())["run_id"] == second.run_id
    assert read_back(out)["articles"] == 6 == warehouse_counts(data)["articles"]
