"""Quality gates: suites pass good rows and fail tables that break any critical expectation."""

import re
from datetime import UTC, date, datetime, timedelta

import duckdb
import pyarrow as pa
import pytest

from copydesk.ingest.lake import DOCUMENT_SCHEMA
from copydesk.quality.aggregates import is_table_level
from copydesk.quality.gates import GateFailed, check_suite, enforce, validate_stage
from copydesk.quality.gx_context import QualityContext
from copydesk.quality.suites import load_suites, new_rows, read_gated_rows
from copydesk.warehouse.build import build_models, record_new_documents, record_table_counts
from copydesk.warehouse.models import load_models
from copydesk.warehouse.runs import RUNS_SCHEMA, RunSummary
from tests.conftest import build_warehouse, document, seed_documents


def gate(conn, stage, run_id, quality):
    """Validate a stage and enforce its verdicts, as the nightly flow's check does."""
    return enforce(validate_stage(conn, stage, run_id, quality))


@pytest.fixture(scope="module")
def quality(tmp_path_factory):
    return QualityContext(tmp_path_factory.mktemp("quality"))


@pytest.fixture(scope="module")
def seed_warehouse():
    return build_warehouse(seed_documents())


def suite_named(name: str) -> dict:
    return next(s for s in load_suites() if s["name"] == name)


def check_articles(conn, quality):
    return check_suite(conn, suite_named("articles"), "test-run", quality)


def test_the_seed_warehouse_passes_every_marts_gate(seed_warehouse, quality):
    results = gate(seed_warehouse, "marts", "test-run", quality)
    assert {r.suite for r in results} == {
        "articles",
        "article_fragments",
        "article_terms",
        "copy_pairs",
        "date_evidence",
        "dim_outlets",
        "fct_stories",
        "inputs",
        "quarantine",
    }
    assert all(r.passed for r in results)


def bad_articles_table() -> duckdb.DuckDBPyConnection:
    """A one-row articles table whose date confidence is out of range."""
    conn = build_warehouse(seed_documents())
    conn.execute("create or replace table main.articles as select * from main.articles limit 1")
    conn.execute("update main.articles set date_confidence = 1.7")
    return conn


def test_a_one_row_bad_articles_table_fails_its_suite_with_the_row_named(quality):
    conn = bad_articles_table()
    article_id = conn.execute("select article_id from main.articles").fetchall()[0][0]
    with pytest.raises(GateFailed) as failure:
        gate(conn, "marts", "test-run", quality)
    message = str(failure.value)
    assert "gate 'articles'" in message
    assert "expect_column_values_to_be_between(date_confidence)" in message
    assert article_id in message


def test_duplicated_document_rows_fail_the_one_article_per_document_rule(quality):
    conn = build_warehouse(seed_documents())
    conn.execute(
        "insert into main.articles select * replace (article_id || '-dup' as article_id)"
        " from main.articles limit 1"
    )
    result = check_articles(conn, quality)
    failed = {(o.expectation, o.column) for o in result.failed_critical}
    assert failed == {("expect_column_values_to_be_unique", "doc_id")}
    # Counted in SQL, and named: the duplicated document.
    [duplicate] = result.failed_critical
    doubled = conn.execute("select doc_id from main.articles group by 1 having count(*) > 1")
    assert duplicate.unexpected_count == 1
    assert duplicate.examples == [doubled.fetchall()[0][0]]


def test_a_one_row_bad_fragments_table_fails_its_suite(quality):
    conn = build_warehouse(seed_documents())
    conn.execute(
        "create or replace table main.article_fragments as"
        " select * replace ('advert' as fragment_kind) from main.article_fragments limit 1"
    )
    result = check_suite(conn, suite_named("article_fragments"), "test-run", quality)
    assert [o.column for o in result.failed_critical] == ["fragment_kind"]
    with pytest.raises(GateFailed, match="gate 'article_fragments'"):
        gate(conn, "marts", "test-run", quality)


def test_unknown_date_source_fails(quality):
    conn = build_warehouse(seed_documents())
    conn.execute("update main.articles set date_source = 'guess' where source_id like '000%'")
    result = check_articles(conn, quality)
    assert [o.column for o in result.failed_critical] == ["date_source"]


def test_warnings_are_recorded_but_do_not_block(quality):
    conn = build_warehouse(seed_documents())
    conn.execute("update main.articles set published_date = null where source_id like '000%'")
    result = check_articles(conn, quality)
    assert result.passed
    assert [o.column for o in result.warnings] == ["published_date"]


def test_a_bad_lake_row_fails_the_ingest_gate(quality):
    conn = build_warehouse(seed_documents())
    conn.execute("create or replace table raw.documents as select * from raw.documents limit 1")
    conn.execute("update raw.documents set doc_id = 'not-a-hash'")
    conn.execute("create or replace table build.new_documents as select doc_id from raw.documents")
    with pytest.raises(GateFailed, match="expect_column_values_to_match_regex\\(doc_id\\)"):
        gate(conn, "ingest", "test-run", quality)


def test_the_ingest_gate_checks_the_documents_the_warehouse_lacks_whatever_run_added_them(quality):
    conn = staging_of_a_night_with_one_new_document()
    # A published document broken after it passed is not read again...
    conn.execute("update raw.documents set format = 'pdf' where source_id like '000%'")
    results = gate(conn, "ingest", "test-run", quality)
    assert results[0].rows_checked == 1
    # ...but a document the warehouse lacks is, even when an earlier (failed) run added it.
    conn.execute(
        "update raw.documents set format = 'pdf', run_id = 'a-failed-run'"
        " where source_id like '004%'"
    )
    with pytest.raises(GateFailed, match="expect_column_values_to_be_in_set\\(format\\)"):
        gate(conn, "ingest", "test-run", quality)


def test_text_checked_only_for_nulls_and_lengths_is_read_cut_short_and_still_judged(quality):
    # Gates read a text column only as far as its checks need (a length bound + 1 characters),
    # so article bodies never land in pandas whole; a too-long or too-short value still fails.
    suite = {
        "name": "lengths",
        "meta": {"table": "main.texts", "stage": "test", "id_column": "id"},
        "expectations": [
            {
                "type": "expect_column_value_lengths_to_be_between",
                "kwargs": {"column": "body", "min_value": 20, "max_value": 100},
                "severity": "critical",
                "meta": {"why": "test"},
            },
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "body"},
                "severity": "critical",
                "meta": {"why": "test"},
            },
        ],
    }
    conn = duckdb.connect()
    conn.execute("create table main.texts (id varchar, body varchar)")
    conn.execute(
        "insert into main.texts values ('ok', repeat('a', 100)), ('long', repeat('b', 5000))"
    )
    frame = read_gated_rows(conn, suite, "test-run")
    assert frame["body"].str.len().max() == 101
    result = quality.validate(suite, frame, "test-run")
    assert not result.passed and "long" in str(result.summary())
    conn.execute("delete from main.texts where id = 'long'")
    conn.execute("insert into main.texts values ('short', 'too short'), ('missing', null)")
    result = quality.validate(suite, read_gated_rows(conn, suite, "test-run"), "test-run")
    failed = {outcome.expectation for outcome in result.failed_critical}
    assert failed == {
        "expect_column_value_lengths_to_be_between",
        "expect_column_values_to_not_be_null",
    }


def staging_of_a_night_with_one_new_document():
    """The seed warehouse as a night that added seed 004 to the four others."""
    conn = build_warehouse(seed_documents())
    conn.execute(
        "create or replace table build.new_documents as select doc_id, doc_key"
        " from staging.stg_documents where source_id like '004%'"
    )
    return conn


def test_a_night_checks_its_new_staging_rows_and_their_twins_not_every_earlier_row(quality):
    conn = staging_of_a_night_with_one_new_document()
    # An earlier document's row broken after it passed: the night does not read it again.
    conn.execute("update staging.stg_documents set body_text = null where source_id like '000%'")
    results = gate(conn, "staging", "test-run", quality)
    assert results[0].rows_checked == 1

    # An earlier row sharing the new document's doc_key is read with it, and fails the night.
    conn.execute(
        "update staging.stg_documents set doc_key = (select doc_key from build.new_documents)"
        " where source_id like '001%'"
    )
    with pytest.raises(GateFailed, match="expect_column_values_to_be_unique\\(doc_key\\)"):
        gate(conn, "staging", "test-run", quality)


def term_rows_checked(conn, quality, sample_documents: int | None = None) -> int:
    """How many article_terms rows its suite judges on this connection (a sample bound given)."""
    suite = next(s for s in load_suites() if s["name"] == "article_terms")
    if sample_documents is not None:
        suite = {**suite, "meta": {**suite["meta"], "sample_documents": sample_documents}}
    return quality.validate(
        suite, read_gated_rows(conn, suite, "test-run"), "test-run"
    ).rows_checked


def test_a_night_checks_the_term_rows_of_its_new_articles_by_their_key(quality):
    conn = staging_of_a_night_with_one_new_document()
    new_rows = conn.execute(
        "select count(*) from main.article_terms"
        " where article_key = (select doc_key from build.new_documents)"
    ).fetchall()[0][0]
    assert 0 < new_rows < conn.execute("select count(*) from main.article_terms").fetchall()[0][0]
    assert term_rows_checked(conn, quality) == new_rows
    # Every row of at most the sample's number of new articles, however many the night added.
    conn.execute(
        "create or replace table build.new_documents as select doc_id, doc_key"
        " from staging.stg_documents"
    )
    rows_per_article = conn.execute(
        "select count(*) from main.article_terms group by article_key"
    ).fetchall()
    assert term_rows_checked(conn, quality, sample_documents=1) in {n for (n,) in rows_per_article}
    assert term_rows_checked(conn, quality) == sum(n for (n,) in rows_per_article)


def test_the_term_sample_is_the_same_documents_whatever_order_they_were_written_in():
    suite = next(s for s in load_suites() if s["name"] == "article_terms")
    sampled = []
    for order in ("doc_key", "doc_key desc", "hash(doc_key + 1)"):
        conn = duckdb.connect()
        conn.execute("create schema build")
        conn.execute(
            "create table build.new_documents as select 'd' || i as doc_id, i as doc_key"
            f" from range(20000) as keys(i) order by {order.replace('doc_key', 'i')}"
        )
        conn.execute(
            "create table article_terms as select i as article_key from range(20000) as keys(i)"
        )
        sampled.append(
            conn.execute(
                f"select list(article_key order by article_key) from article_terms"
                f" where {new_rows(suite)}"
            ).fetchone()[0]
        )
    assert len(sampled[0]) == suite["meta"]["sample_documents"] < 20000
    assert sampled[0] == sampled[1] == sampled[2]


def test_a_full_build_checks_every_staging_row(quality):
    conn = build_warehouse(seed_documents())
    conn.execute("update staging.stg_documents set body_text = null where source_id like '000%'")
    with pytest.raises(GateFailed, match="expect_column_values_to_not_be_null\\(body_text\\)"):
        gate(conn, "staging", "test-run", quality)


def test_an_empty_timestamp_header_does_not_fail_the_night(quality):
    epoch = document(
        " date 1970-01-01 PARIS: The minister said on Monday the plan would go ahead.",
        source_id="epoch.txt",
    )
    conn = build_warehouse([*seed_documents(), epoch])
    assert all(r.passed for r in gate(conn, "marts", "test-run", quality))


def critical_expectations():
    """(suite, expectation) for every critical expectation of every suite in expectations/."""
    return [
        pytest.param(suite, expectation, id=f"{suite['name']}-{number}-{expectation['type']}")
        for suite in load_suites()
        for number, expectation in enumerate(suite["expectations"])
        if expectation["severity"] == "critical"
    ]


@pytest.fixture(scope="module")
def every_gated_table():
    """The seed warehouse with a row in every gated table: a rejected document in quarantine, a
    run in the run log, a copy of a seed in the input ledger and the build's table counts."""
    conn = build_warehouse([*seed_documents(), document("Too short.", source_id="short.txt")])
    record = RunSummary(run_id="test-run", status="published").record()
    conn.register("run_row", pa.Table.from_pylist([record], schema=RUNS_SCHEMA))
    conn.execute("insert into raw.runs select * from run_row")
    conn.unregister("run_row")
    conn.execute(
        "insert into raw.inputs select 'test-run', 'copy.txt', 'copy.txt', 'duplicate',"
        " 'same text as a document already in the lake', min(doc_id) from raw.documents"
    )
    marts = [model for model in load_models() if model.layer == "marts"]
    built = build_models(conn, marts)
    record_table_counts(conn, built)
    return conn


def one_row_table(source: duckdb.DuckDBPyConnection, table: str) -> duckdb.DuckDBPyConnection:
    """A new in-memory database holding the first row of `table`, under the same name."""
    rows = source.sql(f"select * from {table} limit 1").to_arrow_table()  # noqa: S608
    assert rows.num_rows == 1, f"{table} has no good row to start from"
    conn = duckdb.connect()
    conn.execute(f"create schema if not exists {table.split('.')[0]}")
    conn.register("good_row", rows)
    conn.execute(f"create table {table} as select * from good_row")  # noqa: S608
    conn.unregister("good_row")
    return conn


def outside(kwargs: dict):
    """A value below min_value, else above max_value, of an expect_…_between expectation."""
    bound, step = (kwargs["min_value"], -1) if "min_value" in kwargs else (kwargs["max_value"], 1)
    assert not isinstance(bound, dict), f"no fixed bound to step past in {kwargs}"
    if isinstance(bound, str):  # a date
        return date.fromisoformat(bound) + timedelta(days=step)
    return bound + step


def violate(conn: duckdb.DuckDBPyConnection, table: str, expectation: dict) -> None:
    """Change the one good row of `table` so that it breaks `expectation`."""
    kind, kwargs = expectation["type"], expectation["kwargs"]
    column = f'"{kwargs.get("column")}"'
    if kind == "expect_column_values_to_not_be_null":
        conn.execute(f"update {table} set {column} = null")
    elif kind == "expect_column_values_to_be_unique":
        conn.execute(f"insert into {table} select * from {table}")  # noqa: S608
    elif kind == "expect_column_values_to_be_in_set":
        value = "not-" + "-or-".join(map(str, kwargs["value_set"]))
        conn.execute(f"update {table} set {column} = ?", [value])
    elif kind == "expect_column_values_to_be_between":
        conn.execute(f"update {table} set {column} = ?", [outside(kwargs)])
    elif kind == "expect_column_value_lengths_to_be_between":
        length = kwargs["min_value"] - 1 if "min_value" in kwargs else kwargs["max_value"] + 1
        conn.execute(f"update {table} set {column} = repeat('x', ?)", [length])
    elif kind == "expect_column_values_to_match_regex":
        value = "Not A Match!"
        assert not re.search(kwargs["regex"], value)
        conn.execute(f"update {table} set {column} = ?", [value])
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b" and not kwargs.get("or_equal"):
        conn.execute(f'update {table} set "{kwargs["column_A"]}" = "{kwargs["column_B"]}"')
    elif kind == "expect_column_pair_values_to_be_equal":
        b = kwargs["column_B"]
        conn.execute(f'update {table} set "{kwargs["column_A"]}" = "{b}" + 1')
    else:
        raise AssertionError(f"no bad table known for {kind} {kwargs}: teach violate() one")


@pytest.mark.parametrize("suite", load_suites(), ids=lambda suite: suite["name"])
def test_a_good_row_of_every_gated_table_passes_its_suite(suite, every_gated_table, quality):
    table = suite["meta"]["table"]
    conn = one_row_table(every_gated_table, table)
    result = check_suite(conn, suite, "test-run", quality)
    assert result.rows_checked == 1
    assert len(result.outcomes) == len(suite["expectations"])  # the table-level ones too
    assert result.passed and not result.warnings, result.summary()


@pytest.mark.parametrize(("suite", "expectation"), critical_expectations())
def test_every_critical_expectation_fails_on_a_table_that_breaks_it(
    suite, expectation, every_gated_table, quality
):
    table = suite["meta"]["table"]
    conn = one_row_table(every_gated_table, table)
    violate(conn, table, expectation)
    result = check_suite(conn, suite, "test-run", quality)
    kwargs = expectation["kwargs"]
    failed = [
        (o.expectation, o.column)
        for o in result.failed_critical
        if not o.error  # broken, not merely failed, would prove nothing
    ]
    assert (expectation["type"], kwargs.get("column")) in failed, result.summary()
    with pytest.raises(GateFailed, match=f"gate '{suite['name']}'"):
        enforce([result])


def test_table_counts_compare_each_table_with_the_build_and_the_published_file(tmp_path):
    published = tmp_path / "published.duckdb"
    with duckdb.connect(str(published)) as old:
        old.execute("create table main.articles as select range as id from range(5)")
    conn = duckdb.connect()
    conn.execute("create table main.articles as select range as id from range(3)")
    conn.execute("create table main.runs as select range as id from range(2)")
    record_table_counts(conn, {"main.articles": 3, "main.runs": 1}, published, "because")
    rows = conn.execute("select * from build.table_counts order by table_name").fetchall()
    assert rows == [
        ("main.articles", 3, 3, 5, 0.4, "because"),
        ("main.runs", 1, 2, None, None, "because"),  # new since the published generation
    ]
    # The published file is detached again.
    attached = conn.execute("select database_name from duckdb_databases() where not internal")
    assert attached.fetchall() == [("memory",)]


def test_stories_merging_may_shrink_a_derived_mart_but_losing_articles_stops_the_night(
    tmp_path, quality
):
    # A night's article can bridge two stories into one: fct_stories, copy_pairs, date_evidence
    # and dim_outlets may lose rows when nothing was lost. A mart of one row per input may not.
    published = tmp_path / "published.duckdb"
    with duckdb.connect(str(published)) as old:
        old.execute("create table main.articles as select range as id from range(5)")
        old.execute("create table main.fct_stories as select range as id from range(5)")
    conn = duckdb.connect()
    conn.execute("create table main.articles as select range as id from range(6)")
    conn.execute("create table main.fct_stories as select range as id from range(3)")
    record_table_counts(conn, {"main.articles": 6, "main.fct_stories": 3}, published)
    suite = next(s for s in load_suites() if s["name"] == "table_counts")
    assert quality.validate(suite, read_gated_rows(conn, suite, "test-run"), "test-run").passed

    conn.execute("create or replace table main.articles as select range as id from range(3)")
    record_table_counts(conn, {"main.articles": 3, "main.fct_stories": 3}, published)
    counts = quality.validate(suite, read_gated_rows(conn, suite, "test-run"), "test-run")
    assert [o.column for o in counts.failed_critical] == ["shrink_share"]


NIGHT_TEXT = (
    "BERLIN (dpa) - The city council approved a new tram line on Tuesday, linking the eastern"
    " districts to the main station. Construction starts next spring and should take three years,"
    " the transport office said.\n\nThe line will carry 40,000 passengers a day."
)


def a_night_after_the_seeds() -> duckdb.DuckDBPyConnection:
    """The seeds built in full, then updated as a night does with one unrelated new document
    (night.txt, fetched a day after the seeds): its build rewrites only that document's article
    and date evidence."""
    conn = build_warehouse(seed_documents())
    fetched = datetime(2025, 6, 3, 9, tzinfo=UTC)
    night_document = document(NIGHT_TEXT, source_id="night.txt", fetched_at=fetched)
    night = pa.Table.from_pylist([night_document], DOCUMENT_SCHEMA)
    conn.register("night", night)
    conn.execute("insert into raw.documents select * from night")
    conn.unregister("night")
    record_new_documents(conn)
    build_models(conn, load_models(), incremental=True)
    return conn


@pytest.fixture
def night():
    return a_night_after_the_seeds()


def count(conn, sql: str) -> int:
    return conn.execute(sql).fetchall()[0][0]


def test_an_incremental_night_checks_the_rows_it_changed_and_aggregates_of_the_rest(night, quality):
    results = {r.suite: r for r in gate(night, "marts", "test-run", quality)}
    touched = "select doc_id from intermediate.int_touched_documents"
    changed = count(night, f"select count(*) from main.articles where doc_id in ({touched})")  # noqa: S608
    assert changed == 1 < count(night, "select count(*) from main.articles")
    assert results["articles"].rows_checked == changed
    assert results["article_fragments"].rows_checked == count(
        night,
        f"select count(*) from main.article_fragments where doc_id in ({touched})",  # noqa: S608
    )
    # The unrelated article's evidence alone was rewritten, and read.
    redated = "article_id in (select left(doc_id, 16) from intermediate.int_redated_documents)"
    evidence = count(night, f"select count(*) from main.date_evidence where {redated}")  # noqa: S608
    assert 0 < evidence < count(night, "select count(*) from main.date_evidence")
    assert results["date_evidence"].rows_checked == evidence
    # The table-level expectations were judged too, on the whole table.
    articles = suite_named("articles")
    assert len(results["articles"].outcomes) == len(articles["expectations"])
    unique = [o for o in results["articles"].outcomes if o.expectation.endswith("_unique")]
    assert [o.observed_value for o in unique] == [
        {"articles 1 article_id duplicates": 0},
        {"articles 2 doc_id duplicates": 0},
    ]


def test_a_bad_row_among_the_nights_rows_fails_the_gate(night, quality):
    night.execute("update main.articles set date_confidence = 1.7 where source_id = 'night.txt'")
    with pytest.raises(GateFailed, match="expect_column_values_to_be_between\\(date_confidence\\)"):
        gate(night, "marts", "test-run", quality)


def test_a_night_reads_no_row_it_did_not_write_but_judges_keys_and_shares_on_all(night, quality):
    # An earlier article broken after it passed is not read again...
    night.execute("update main.articles set date_confidence = 1.7 where source_id like '000%'")
    assert check_articles(night, quality).passed
    # ...but a key repeated among earlier rows fails the night: uniqueness is table-wide.
    night.execute(
        "insert into main.articles select * replace (doc_id || '-twin' as doc_id)"
        " from main.articles where source_id like '001%'"
    )
    result = check_articles(night, quality)
    failed = [(o.expectation, o.column, o.examples) for o in result.failed_critical]
    article_id = count(night, "select article_id from main.articles where source_id like '001%'")
    assert failed == [("expect_column_values_to_be_unique", "article_id", [article_id])]
    assert result.rows_checked == 1

    # So is a share: most of the table undated fails, though the night's own article is dated.
    night.execute("delete from main.articles where doc_id like '%-twin'")
    night.execute("update main.articles set published_date = null where source_id != 'night.txt'")
    night.execute("update main.articles set published_date = today() where source_id = 'night.txt'")
    result = check_articles(night, quality)
    assert [(o.column, o.unexpected_count) for o in result.failed_critical] == [
        ("published_date", 5)
    ]


def test_a_full_build_checks_every_row_of_every_mart(seed_warehouse, quality):
    results = {r.suite: r for r in gate(seed_warehouse, "marts", "test-run", quality)}
    for mart in ("articles", "article_fragments", "copy_pairs", "date_evidence"):
        assert results[mart].rows_checked == count(
            seed_warehouse,
            f"select count(*) from main.{mart}",  # noqa: S608
        )


@pytest.mark.parametrize("suite", load_suites(), ids=lambda suite: suite["name"])
def test_a_suite_checking_changed_rows_judges_keys_and_shares_table_wide(suite):
    # A key or a share judged on the night's rows alone would pass a duplicate of an earlier row,
    # or a table going bad a night at a time.
    if suite["meta"].get("scope") != "changed_rows":
        return
    untagged = [
        (e["type"], e["kwargs"]["column"])
        for e in suite["expectations"]
        if (e["type"] == "expect_column_values_to_be_unique" or "mostly" in e["kwargs"])
        and not is_table_level(e)
    ]
    assert untagged == []
