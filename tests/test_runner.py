"""The SQL runner: order from the SQL itself, comments into the catalog."""

import duckdb
import pytest

from copydesk.warehouse.build import build_models, check_grain, record_new_documents
from copydesk.warehouse.connection import prepare_connection
from copydesk.warehouse.models import load_models, parse_model


def test_every_model_comes_after_the_tables_it_reads():
    models = load_models()
    position = {model.table: i for i, model in enumerate(models)}
    for model in models:
        for dependency in model.depends_on:
            if dependency in position:
                assert position[dependency] < position[model.table], (model.table, dependency)


def test_layers_map_to_schemas_and_marts_land_in_main():
    tables = {model.table for model in load_models()}
    assert "staging.stg_documents" in tables
    assert "main.articles" in tables
    assert all(t.split(".")[0] in {"staging", "intermediate", "main"} for t in tables)


def test_unqualified_table_references_are_refused(tmp_path):
    path = tmp_path / "staging" / "stg_bad.sql"
    path.parent.mkdir()
    path.write_text("-- bad\n-- bad\nselect * from documents\n")
    with pytest.raises(ValueError, match="schema.table"):
        parse_model(path, "staging")


def test_reading_a_table_no_model_builds_is_refused(tmp_path):
    for layer in ("staging", "intermediate", "marts"):
        (tmp_path / layer).mkdir()
    (tmp_path / "marts" / "orphan.sql").write_text(
        "-- row\n-- why\nselect * from intermediate.nothing\n"
    )
    with pytest.raises(ValueError, match="intermediate.nothing"):
        load_models(tmp_path)


def test_header_and_column_comments_reach_the_catalog():
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute("create table raw.documents as select 'x' as doc_id")
    model = next(m for m in load_models() if m.table == "staging.stg_documents")
    assert model.description.startswith("One row per distinct document")
    assert model.column_comments["header_date_raw"].startswith('the " date ..." header')
    import pyarrow as pa

    from copydesk.ingest.lake import DOCUMENT_SCHEMA
    from tests.conftest import document

    conn.register(
        "docs", pa.Table.from_pylist([document("Some text here.")], schema=DOCUMENT_SCHEMA)
    )
    conn.execute("create or replace table raw.documents as select * from docs")
    record_new_documents(conn)
    build_models(conn, [model])
    comment = conn.execute(
        "select comment from duckdb_tables() where table_name = 'stg_documents'"
    ).fetchall()[0][0]
    assert comment == model.description
    column_comment = conn.execute(
        "select comment from duckdb_columns() where table_name = 'stg_documents'"
        " and column_name = 'header_date_raw'"
    ).fetchall()[0][0]
    assert column_comment == model.column_comments["header_date_raw"]


def test_models_turn_timestamps_into_dates_in_utc_whatever_the_machines_zone():
    conn = duckdb.connect()
    conn.execute("set TimeZone = 'Pacific/Kiritimati'")  # UTC+14
    prepare_connection(conn)
    fetched = conn.execute("select (timestamptz '2025-06-02 20:00:00+00')::date").fetchall()
    assert str(fetched[0][0]) == "2025-06-02"


def test_a_model_with_two_rows_of_one_grain_key_fails_naming_the_model_and_key(tmp_path):
    path = tmp_path / "intermediate" / "cleanup" / "int_twice.sql"
    path.parent.mkdir(parents=True)
    path.write_text(
        "-- One row per document.\n-- Why: a test.\n-- @grain doc_id, part\n"
        "select doc_id, 1 as part from raw.documents\n"
        "union all select doc_id, 1 from raw.documents\n"
    )
    model = parse_model(path, "intermediate")
    assert model.grain == ("doc_id", "part")
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute("create table raw.documents as select 'abc' as doc_id")
    with pytest.raises(RuntimeError, match=r"intermediate\.int_twice .*doc_id = 'abc', part = 1"):
        build_models(conn, [model])
    conn.execute(
        "delete from intermediate.int_twice where rowid = (select min(rowid) from intermediate.int_twice)"
    )
    check_grain(conn, model)  # one row per key now


def test_models_in_a_layers_subfolders_are_found_and_a_name_twice_is_refused(tmp_path):
    for folder in ("staging", "intermediate/dates", "intermediate/copies", "marts"):
        (tmp_path / folder).mkdir(parents=True)
    model = "-- One row per document.\n-- Why: a test.\n-- @grain doc_id\nselect 'x' as doc_id\n"
    (tmp_path / "intermediate" / "dates" / "int_one.sql").write_text(model)
    assert [m.table for m in load_models(tmp_path)] == ["intermediate.int_one"]
    (tmp_path / "intermediate" / "copies" / "int_one.sql").write_text(model)
    with pytest.raises(ValueError, match="intermediate.int_one"):
        load_models(tmp_path)


@pytest.mark.parametrize("declared", ["", "-- @incremental doc_id = intermediate.scope.doc_id\n"])
def test_after_an_update_the_grain_is_checked_where_the_update_wrote(tmp_path, declared):
    path = tmp_path / "intermediate" / "int_parts.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per document part.\n-- Why: a test.\n-- @grain doc_id, part\n"
        f"{declared}select doc_id, 1 as part from intermediate.scope\n"
    )
    model = parse_model(path, "intermediate")
    conn = duckdb.connect()
    conn.execute("create schema intermediate")
    conn.execute("create table intermediate.scope as select 'new' as doc_id")
    # An earlier generation's duplicate ('old') and the update's rows ('new').
    conn.execute(
        "create table intermediate.int_parts as"
        " select * from (values ('old', 1), ('old', 1), ('new', 1), ('new', 2)) t(doc_id, part)"
    )
    rewritten = "doc_id in (select doc_id from intermediate.scope)"
    check_grain(conn, model, rewritten)  # the rows the update wrote are one per key
    conn.execute("insert into intermediate.int_parts values ('new', 2)")
    with pytest.raises(RuntimeError, match="doc_id = 'new', part = 2"):
        check_grain(conn, model, rewritten)
    conn.execute("delete from intermediate.int_parts where doc_id = 'new'")
    with pytest.raises(RuntimeError, match="doc_id = 'old', part = 1"):
        check_grain(conn, model)  # a full build's check covers the whole table


def test_after_an_update_a_grain_without_the_scope_key_is_checked_against_the_whole_table(
    tmp_path,
):
    path = tmp_path / "marts" / "articles.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per article.\n-- Why: a test.\n-- @grain article_id\n"
        "-- @incremental doc_id = intermediate.scope.doc_id\n"
        "select doc_id, 'A' as article_id from intermediate.scope\n"
    )
    model = parse_model(path, "marts")
    conn = duckdb.connect()
    conn.execute("create schema intermediate")
    conn.execute("create table intermediate.scope as select 'new' as doc_id")
    # The update wrote 'new' as article A, which an earlier generation's document already is.
    conn.execute(
        "create table main.articles as"
        " select * from (values ('old', 'A'), ('new', 'A'), ('new2', 'B')) t(doc_id, article_id)"
    )
    rewritten = "doc_id in (select doc_id from intermediate.scope)"
    with pytest.raises(RuntimeError, match="article_id = 'A'"):
        check_grain(conn, model, rewritten)
    conn.execute("delete from main.articles where doc_id = 'old'")
    check_grain(conn, model, rewritten)


def test_an_update_keeps_a_snapshot_as_the_last_full_build_wrote_it(tmp_path):
    path = tmp_path / "intermediate" / "int_totals.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per build.\n-- Why: a test.\n-- @snapshot: kept between full builds\n"
        "-- @grain none: one row\nselect count(*) as documents from intermediate.scope\n"
    )
    model = parse_model(path, "intermediate")
    assert model.snapshot
    conn = duckdb.connect()
    conn.execute("create schema intermediate")
    conn.execute("create table intermediate.scope as select 'one' as doc_id")
    assert build_models(conn, [model]) == {"intermediate.int_totals": 1}
    conn.execute("insert into intermediate.scope values ('two')")
    build_models(conn, [model], incremental=True)
    assert conn.execute("select documents from intermediate.int_totals").fetchall() == [(1,)]
    build_models(conn, [model])  # a full build writes it anew
    assert conn.execute("select documents from intermediate.int_totals").fetchall() == [(2,)]


def test_a_snapshot_declaration_says_why(tmp_path):
    path = tmp_path / "int_totals.sql"
    path.write_text("-- One row.\n-- @snapshot\nselect 1 as one\n")
    with pytest.raises(ValueError, match="@snapshot: <why>"):
        parse_model(path, "intermediate")


def test_a_changes_model_records_the_keys_whose_rows_a_build_changed(tmp_path):
    folder = tmp_path / "intermediate"
    folder.mkdir()
    (folder / "int_groups.sql").write_text(
        "-- One row per document and its group.\n-- Why: a test.\n-- @grain doc_id\n"
        "-- @changes doc_id\nselect doc_id, min(doc_id) over (partition by grp) as grp"
        " from raw.links\n"
    )
    (folder / "int_later.sql").write_text(
        "-- One row per changed document.\n-- Why: a test.\n-- @grain doc_id\n"
        "select doc_id from build.changed_int_groups\n"
    )
    models = load_models(tmp_path)
    # build.changed_int_groups is written by int_groups' build: it is read after it.
    assert [m.table for m in models] == ["intermediate.int_groups", "intermediate.int_later"]
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute(
        "create table raw.links as"
        " select * from (values ('a', 1), ('b', 1), ('c', 2), ('d', 3)) t(doc_id, grp)"
    )
    changed = "select doc_id from intermediate.int_later order by 1"
    build_models(conn, models)
    assert conn.execute(changed).fetchall() == [("a",), ("b",), ("c",), ("d",)]
    # 'aa' arrives in c's group (named after its smallest member), and 'b' leaves a's: aa, b
    # and c changed, a and d did not.
    conn.execute("update raw.links set grp = 4 where doc_id = 'b'")
    conn.execute("insert into raw.links values ('aa', 2)")
    build_models(conn, models, incremental=True)
    assert conn.execute(changed).fetchall() == [("aa",), ("b",), ("c",)]
    assert not conn.execute(
        "select * from duckdb_tables() where table_name = 'previous_rows'"
    ).fetchall()


def test_a_changes_model_of_several_rows_per_key_records_only_keys_whose_rows_changed(tmp_path):
    path = tmp_path / "intermediate" / "int_lent.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per date a document is lent.\n-- Why: a test.\n"
        "-- @grain none: two lenders may lend the same date\n-- @changes doc_id\n"
        "select doc_id, lent_date from raw.lent\n"
    )
    model = parse_model(path, "intermediate")
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute(
        "create table raw.lent as select * from (values ('a', 1), ('a', 2), ('b', 1), ('b', 1),"
        " ('c', 1), ('c', 2)) t(doc_id, lent_date)"
    )
    build_models(conn, [model])
    # a's rows stay (read in another order), one of b's two equal rows goes, c's 2 becomes 3.
    conn.execute(
        "create or replace table raw.lent as select * from raw.lent order by lent_date desc"
    )
    conn.execute(
        "delete from raw.lent where rowid = (select min(rowid) from raw.lent where doc_id = 'b')"
    )
    conn.execute("update raw.lent set lent_date = 3 where doc_id = 'c' and lent_date = 2")
    build_models(conn, [model], incremental=True)
    changed = "select doc_id from build.changed_int_lent order by 1"
    assert conn.execute(changed).fetchall() == [("b",), ("c",)]


def test_an_incremental_changes_model_records_what_changed_among_the_rows_it_rewrote(tmp_path):
    path = tmp_path / "intermediate" / "int_dates.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per document and its date.\n-- Why: a test.\n"
        "-- @incremental doc_id = intermediate.scope.doc_id\n-- @grain doc_id\n-- @changes doc_id\n"
        "select doc_id, day from raw.days\n"
        "where doc_id in (select doc_id from intermediate.scope)\n"
    )
    model = parse_model(path, "intermediate")
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute("create schema intermediate")
    conn.execute("create schema build")
    conn.execute(
        "create table raw.days as select * from (values ('a', 1), ('b', 2)) t(doc_id, day)"
    )
    conn.execute("create table intermediate.scope as select doc_id from raw.days")
    conn.execute("create table build.new_documents as select doc_id from raw.days")
    build_models(conn, [model])
    changed = "select doc_id from build.changed_int_dates order by 1"
    assert conn.execute(changed).fetchall() == [("a",), ("b",)]
    # The night: new 'c', and 'a' and 'b' in scope; a's day moves, b's stays. Out of scope, 'd'
    # has a row the update must neither rewrite nor count.
    conn.execute("insert into intermediate.int_dates values ('d', 9)")
    conn.execute("update raw.days set day = 5 where doc_id = 'a'")
    conn.execute("insert into raw.days values ('c', 3)")
    conn.execute("create or replace table intermediate.scope as select doc_id from raw.days")
    conn.execute("create or replace table build.new_documents as select 'c' as doc_id")
    build_models(conn, [model], incremental=True)
    assert conn.execute(changed).fetchall() == [("a",), ("c",)]
    rows = "select * from intermediate.int_dates order by 1"
    assert conn.execute(rows).fetchall() == [("a", 5), ("b", 2), ("c", 3), ("d", 9)]


def test_a_sliced_model_is_built_one_slice_of_its_keys_per_statement_but_updated_in_one(
    tmp_path,
):
    path = tmp_path / "intermediate" / "int_pairs.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per pair of documents.\n-- Why: a test.\n-- @grain doc_a, doc_b\n"
        "-- @incremental doc_a, doc_b = intermediate.scope.doc_id\n"
        "-- @slices 3: a test\n"
        "select a.doc_id as doc_a, b.doc_id as doc_b, min(a.doc_id) over () as statement\n"
        "from raw.documents as a join raw.documents as b on a.doc_id < b.doc_id\n"
        "where (a.doc_id in (select doc_id from intermediate.scope)\n"
        "    or b.doc_id in (select doc_id from intermediate.scope))\n"
        "    and in_build_slice(a.doc_id)\n"
    )
    model = parse_model(path, "intermediate")
    assert model.slices == 3
    conn = duckdb.connect()
    conn.execute("create schema intermediate")
    conn.execute("create schema raw")
    conn.execute("create schema build")
    conn.execute("create table raw.documents as select 'doc' || range as doc_id from range(12)")
    conn.execute("create table intermediate.scope as select * from raw.documents")
    conn.execute("create table build.new_documents as select * from raw.documents")
    build_models(conn, [model])
    pairs = "select doc_a, doc_b from intermediate.int_pairs order by all"
    every_pair = (
        "select a.doc_id, b.doc_id from raw.documents a join raw.documents b"
        " on a.doc_id < b.doc_id order by all"
    )
    assert conn.execute(pairs).fetchall() == conn.execute(every_pair).fetchall()
    # Three statements, each over one slice's keys; the macro lets every key through after.
    statements = conn.execute(
        "select statement, count(distinct hash(doc_a) % 3) from intermediate.int_pairs group by all"
    ).fetchall()
    assert len(statements) == 3 and all(slices == 1 for _, slices in statements)
    every_key = "select count(*) from range(5) where in_build_slice(range)"
    assert conn.execute(every_key).fetchall() == [(5,)]
    # An update: its scope, one night's documents, in one statement.
    conn.execute("insert into raw.documents values ('doc99')")
    conn.execute("create or replace table intermediate.scope as select 'doc99' as doc_id")
    conn.execute("create or replace table build.new_documents as select 'doc99' as doc_id")
    build_models(conn, [model], incremental=True)
    assert conn.execute(pairs).fetchall() == conn.execute(every_pair).fetchall()
    assert conn.execute("select count(*) from intermediate.int_pairs").fetchall() == [(78,)]
    update_statements = "select count(distinct statement) from intermediate.int_pairs"
    assert conn.execute(update_statements + " where doc_b = 'doc99'").fetchall() == [(1,)]


def test_a_slices_declaration_says_how_many_and_why(tmp_path):
    path = tmp_path / "int_pairs.sql"
    path.write_text("-- One row.\n-- @slices 4\nselect 1 as one\n")
    with pytest.raises(ValueError, match="@slices <N>: <why>"):
        parse_model(path, "intermediate")


def test_a_merge_model_replaces_the_rows_of_its_update_selects_grains(tmp_path):
    path = tmp_path / "intermediate" / "int_word_counts.sql"
    path.parent.mkdir()
    path.write_text(
        "-- One row per word.\n-- Why: a test.\n-- @grain word\n-- @merge: a test\n"
        "select word, count(*) as documents, is_update() as updated from raw.words\n"
        "where not is_update() or word in (select word from raw.words where doc_id = 'new')\n"
        "group by word\n"
    )
    model = parse_model(path, "intermediate")
    assert model.merge
    conn = duckdb.connect()
    conn.execute("create schema raw")
    conn.execute(
        "create table raw.words as"
        " select * from (values ('a', 'x'), ('a', 'y'), ('b', 'y')) t(doc_id, word)"
    )
    build_models(conn, [model])
    counts = "select word, documents, updated from intermediate.int_word_counts order by 1"
    assert conn.execute(counts).fetchall() == [("x", 1, False), ("y", 2, False)]
    # The update's select returns the words of the new document: y's row is replaced, z's added,
    # x's stays as the full build wrote it.
    conn.execute("insert into raw.words values ('new', 'y'), ('new', 'z')")
    build_models(conn, [model], incremental=True)
    assert conn.execute(counts).fetchall() == [("x", 1, False), ("y", 3, True), ("z", 1, True)]
    assert conn.execute("select is_update()").fetchall() == [(False,)]
    assert not conn.execute("select * from duckdb_tables() where temporary").fetchall()


def test_a_merge_model_declares_its_grain_and_why(tmp_path):
    path = tmp_path / "int_words.sql"
    path.write_text("-- One row.\n-- @merge: a test\nselect 1 as one\n")
    with pytest.raises(ValueError, match="declare one"):
        parse_model(path, "intermediate")
    path.write_text("-- One row.\n-- @grain one\n-- @merge\nselect 1 as one\n")
    with pytest.raises(ValueError, match="@merge: <why>"):
        parse_model(path, "intermediate")
    path.write_text(
        "-- One row.\n-- @grain one\n-- @merge: a test\n-- @changes one\nselect 1 as one\n"
    )
    with pytest.raises(ValueError, match="drop the other update lines"):
        parse_model(path, "intermediate")
