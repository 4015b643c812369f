"""The published warehouse opens in DuckDB 1.x, the release analysts' tools still embed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import duckdb
import pytest

from copydesk.settings import PROJECT_ROOT, Settings
from copydesk.warehouse import generations
from copydesk.warehouse.connection import (
    building_connection,
    older_clients_read,
    open_warehouse_file,
    storage_version,
)

# DuckDB 1.1.3 from requirements-compat.lock, in the venv `make compat` (run by `make test`) builds.
OLD_CLIENT = PROJECT_ROOT / ".venv-duckdb1" / "bin" / "python"
REQUIRED = bool(os.environ.get("CI") or os.environ.get("COPYDESK_REQUIRE_DUCKDB1"))

# What an analyst would ask first: rows of a mart, and a join of two.
MART_QUERIES = {
    "articles": "select count(*) from articles",
    "articles in a story": "select count(*) from articles join fct_stories using (story_id)",
    "copy pairs": (
        "select count(*) from copy_pairs join articles on article_id = copy_pairs.article_id_a"
    ),
    "stories": "select count(*) from fct_stories",
}

OLD_CLIENT_SCRIPT = """
import json, sys
import duckdb
conn = duckdb.connect(sys.argv[1], read_only=True)
queries = json.loads(sys.argv[2])
answers = {name: conn.execute(sql).fetchall()[0][0] for name, sql in queries.items()}
print(json.dumps({"version": duckdb.__version__, "answers": answers}))
"""


@pytest.fixture(scope="session")  # session: resolved before the published warehouse is built
def old_client():
    if not OLD_CLIENT.exists():
        message = f"DuckDB 1.x client missing ({OLD_CLIENT}); `make compat` builds it"
        if REQUIRED:
            pytest.fail(message)
        pytest.skip(message)
    return OLD_CLIENT


def ask_old_client(client, database) -> dict:
    done = subprocess.run(
        [str(client), "-c", OLD_CLIENT_SCRIPT, str(database), json.dumps(MART_QUERIES)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_published_warehouse_opens_read_only_in_duckdb_1(old_client, published_seeds):
    warehouse = Settings(data_dir=published_seeds).warehouse_path
    told = ask_old_client(old_client, warehouse)
    assert told["version"].startswith("1.1.")
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        expected = {name: conn.execute(sql).fetchall()[0][0] for name, sql in MART_QUERIES.items()}
    assert told["answers"] == expected
    assert expected == {"articles": 5, "articles in a story": 5, "copy pairs": 6, "stories": 1}


def test_the_published_file_is_tagged_readable_by_duckdb_1_1(published_seeds):
    warehouse = Settings(data_dir=published_seeds).warehouse_path
    assert older_clients_read(storage_version(warehouse))


def test_a_building_file_is_written_in_the_old_format(tmp_path):
    settings = Settings(data_dir=tmp_path)
    with building_connection(settings, "run") as conn:
        conn.execute("create table t as select 1 as x")
    assert storage_version(settings.building_path("run")) == "v1.0.0+"
    assert older_clients_read("v1.0.0+") and not older_clients_read("v2.0.0+")
    assert not older_clients_read("v1.2.0+") and not older_clients_read("")


def new_format_file(path):
    """A warehouse file as Copydesk wrote it before it chose the storage format."""
    with duckdb.connect(str(path)) as conn:
        conn.execute("create table articles as select 1 as article_id")
    assert storage_version(path) == "v2.0.0+"


def test_a_new_format_generation_is_rebuilt_not_updated(tmp_path):
    settings = Settings(data_dir=tmp_path)
    new_format_file(settings.warehouse_path)
    why = generations.why_not_readable(settings.warehouse_path)
    assert why is not None and "v2.0.0+" in why and "v1.1.0" in why
    # Updating it in place would keep its format, so opening it to write is refused.
    shutil.copyfile(settings.warehouse_path, settings.building_path("run"))
    with pytest.raises(duckdb.Error, match="cannot be lowered"):
        open_warehouse_file(settings.building_path("run"))


def test_rollback_to_a_new_format_generation_says_old_clients_cannot_read_it(tmp_path):
    settings = Settings(data_dir=tmp_path)
    new_format_file(settings.previous_warehouse_path)
    open_warehouse_file(settings.warehouse_path).close()
    told = generations.rollback(settings)
    assert "DuckDB 1.x clients cannot open it" in told and "v2.0.0+" in told
    assert "cannot open" not in generations.rollback(settings)  # undone: the old format again
