"""The copydesk command, called through its entry point."""

import json
import subprocess
import sys

import pytest

from copydesk.cli import main
from copydesk.settings import PROJECT_ROOT


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_server):
    """A data folder with the seeds published by `copydesk run`."""
    import shutil

    from tests.conftest import SEEDS_DIR

    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS_DIR, root / "raw")
    assert main(["run", "--raw", str(root / "raw"), "--data", str(root / "data")]) == 0
    return root / "data"


def test_run_prints_the_summary(published, capsys):
    # The module fixture ran it; run again to see the summary of a night with nothing new.
    assert main(["run", "--raw", str(published.parent / "raw"), "--data", str(published)]) == 0
    out = capsys.readouterr().out
    assert "files listed            5" in out and "unchanged since read 5)" in out
    assert (
        "inputs                  0  (accepted 0, duplicate 0, quarantined 0, skipped 0;"
        " one row each in the inputs table)" in out
    )
    assert "articles published      5  (+ 4 fragments)" in out
    assert "dates repaired          1" in out
    assert "nothing_new" in out and "published warehouse unchanged" in out
    assert "quality report" in out and "index.html" in out


def test_sql_prints_a_table_with_types_and_row_count(published, capsys):
    assert (
        main(
            [
                "sql",
                "--data",
                str(published),
                "select source_id, published_date from articles where source_id like '003%'",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["source_id", "|", "published_date"]
    assert out[1].split() == ["varchar", "|", "date"]
    assert "003_53b6467d699949e3.txt | 2025-06-02" in out[3]
    assert out[-1].startswith("1 row in")


def test_sql_csv_and_json(published, capsys):
    assert (
        main(["sql", "--data", str(published), "--format", "csv", "select 1 as a, 'x' as b"]) == 0
    )
    assert capsys.readouterr().out.splitlines() == ["a,b", "1,x"]
    assert (
        main(
            [
                "sql",
                "--data",
                str(published),
                "--format",
                "json",
                "select count(*) as n from articles",
            ]
        )
        == 0
    )
    assert json.loads(capsys.readouterr().out) == [{"n": 5}]


def test_sql_reads_the_query_from_a_file(published, tmp_path, capsys):
    query = tmp_path / "q.sql"
    query.write_text("select count(*) as n from articles")
    assert main(["sql", "--data", str(published), "--format", "csv", "--file", str(query)]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", "5"]


def test_bad_sql_fails_with_duckdbs_error(published, capsys):
    assert main(["sql", "--data", str(published), "select nope from articles"]) == 1
    assert 'Referenced column "nope" not found' in capsys.readouterr().err


@pytest.mark.parametrize(
    "statement",
    [
        "select * from read_text('/etc/passwd')",
        "copy articles to '/tmp/copydesk-leak.csv'",
        "attach '/tmp/copydesk-other.duckdb' as other",
        "install httpfs",
        "set enable_external_access = true",
        "create table hack as select 1",
    ],
)
def test_sql_cannot_touch_files_or_write(published, statement, capsys):
    assert main(["sql", "--data", str(published), statement]) == 1
    assert capsys.readouterr().err.startswith("copydesk sql:")


def test_schema_lists_tables_and_column_meanings(published, capsys):
    assert main(["schema", "--data", str(published)]) == 0
    out = capsys.readouterr().out
    assert "main.articles" in out
    assert "published_date" in out and "the publication date after normalization" in out


def test_schema_lists_the_marts_first_then_staging_then_intermediate(published, capsys):
    assert main(["schema", "--data", str(published)]) == 0
    lines = capsys.readouterr().out.splitlines()
    headings = [line.split(":")[0] for line in lines if line in HEADINGS]
    assert headings == ["Marts", "Staging", "Intermediate"]
    tables = [line for line in lines if line.startswith(("main.", "staging.", "intermediate."))]
    layers = [table.split(".")[0] for table in tables]
    assert layers == sorted(layers, key=["main", "staging", "intermediate"].index)
    assert lines.index(HEADINGS[0]) < lines.index("main.articles") < lines.index(HEADINGS[1])
    assert (
        lines.index(HEADINGS[1]) < lines.index("staging.stg_documents") < lines.index(HEADINGS[2])
    )


HEADINGS = [
    "Marts: the published tables to query: select * from articles",
    "Staging: records parsed and the outlet reference, kept for debugging",
    "Intermediate: the models' working tables, kept for debugging",
]


def test_csv_is_rfc_4180_and_tsv_escapes_what_would_break_its_lines(published, capsys):
    query = "select 'x,\"y\"' as a, e'tab\there\\nline\\\\' as b, null as c"
    assert main(["sql", "--data", str(published), "--format", "csv", query]) == 0
    assert capsys.readouterr().out == 'a,b,c\r\n"x,""y""","tab\there\nline\\",\r\n'
    assert main(["sql", "--data", str(published), "--format", "tsv", query]) == 0
    assert capsys.readouterr().out == 'a\tb\tc\nx,"y"\ttab\\there\\nline\\\\\t\n'


def copydesk(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
    """The command as a shell runs it, in a process of its own; its output as written."""
    done = subprocess.run(
        [sys.executable, "-m", "copydesk.cli", *args],
        input=stdin.encode(),
        capture_output=True,
        check=False,
    )
    done.stdout, done.stderr = done.stdout.decode(), done.stderr.decode()
    return done


@pytest.mark.parametrize("fmt", ["csv", "tsv", "table", "json"])
def test_output_cut_short_by_a_closed_pipe_ends_quietly(published, fmt):
    # `copydesk sql ... | head -1`: far more than a pipe's buffer, and the reader leaves early.
    command = [sys.executable, "-m", "copydesk.cli", "sql", "--data", str(published)]
    command += ["--format", fmt, "--max-rows", "200000", "select * from range(200000)"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.readline()
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait() == 0
    assert "Traceback" not in errors and "BrokenPipe" not in errors and not errors.strip()


def test_sql_without_a_query_runs_the_statements_on_stdin_one_by_one(published):
    statements = "\n".join(
        [
            "select count(*) as n from articles;",
            ".tables",
            "select 1 as a,",
            "  'x;y' as b; -- a comment; with a semicolon's quote",
            "select 'it''s' as c; select nope from articles;",
            "create table hack as select 1;",
            "select 2 as d",  # the end of input ends it
        ]
    )
    done = copydesk("sql", "--data", str(published), "--format", "csv", stdin=statements)
    assert done.stdout.splitlines() == [
        "n",
        "5",
        "marts: " + ", ".join(MARTS),
        *[line for line in done.stdout.splitlines() if line.startswith(("staging:", "inter"))],
        "a,b",
        "1,x;y",
        "c",
        "it's",
        "d",
        "2",
    ]
    assert len([line for line in done.stdout.splitlines() if line.startswith("staging:")]) == 1
    errors = done.stderr.split("copydesk sql: ")
    assert len(errors) == 3 and 'column "nope" not found' in errors[1]
    assert "read-only" in errors[2]
    assert done.returncode == 1  # a piped statement failed: a script must know


# The published marts are the models of sql/marts/, one table each.
MARTS = sorted(model.stem for model in (PROJECT_ROOT / "sql" / "marts").glob("*.sql"))


def test_the_prompt_stops_at_quit_and_a_single_piped_query_needs_no_semicolon(published):
    statements = "select 1 as a;\n.quit\nselect 2;\n"
    done = copydesk("sql", "--data", str(published), "--format", "csv", stdin=statements)
    assert (done.returncode, done.stderr, done.stdout) == (0, "", "a\r\n1\r\n")
    one = copydesk("sql", "--data", str(published), "--format", "json", stdin="select 3 as b\n")
    assert (one.returncode, json.loads(one.stdout)) == (0, [{"b": 3}])


def test_on_a_terminal_sql_without_a_query_prompts_until_quit(published):
    import os
    import pty

    terminal, side = pty.openpty()
    command = [sys.executable, "-m", "copydesk.cli", "sql", "--data", str(published)]
    process = subprocess.Popen(command, stdin=side, stdout=side, stderr=side, close_fds=True)
    os.close(side)
    os.write(terminal, b"select count(*)\n  as n from articles;\nselect nope;\n.quit\n")
    screen = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the command exited: its side of the terminal is closed
            break
        if not chunk:
            break
        screen += chunk
    os.close(terminal)
    text = screen.decode().replace("\r", "")
    assert process.wait() == 0  # a mistake typed at the prompt is no failure of the command
    assert "statement with ';'" in text and "read-only" in text  # the banner
    assert text.count("copydesk> ") == 3 and "   ...> " in text
    assert (
        "\nbigint\n------\n5 " in text
        and 'copydesk sql: Binder Error: Referenced column "nope"' in text
    )


def test_a_malformed_setting_stops_run_and_serve_before_they_start(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("COPYDESK_FIELD_MAP", "text")
    for command in ("run", "serve"):
        assert main([command, "--raw", str(tmp_path), "--data", str(tmp_path / "data")]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"copydesk {command}: COPYDESK_FIELD_MAP='text': 'text' is not")
    assert not (tmp_path / "data").exists()


def test_the_summary_lines_up_its_gates_whatever_the_suite_names(capsys):
    from copydesk.cli import print_summary
    from copydesk.warehouse.runs import RunSummary

    summary = RunSummary(run_id="r", started_at=None, status="published")
    summary.ingest = dict.fromkeys(
        (
            "files_listed",
            "files_accepted",
            "files_quarantined",
            "files_skipped",
            "files_duplicate",
            "files_unchanged",
            "records_read",
            "documents_new",
            "documents_duplicate",
            "records_bad",
        ),
        0,
    )
    summary.counts = {"articles": 1, "fragments": 0, "dates_repaired": 0, "quarantined": 0}
    gate = {"stage": "marts", "passed": True, "expectations": 1, "rows_checked": 1, "warnings": []}
    summary.gates = [{**gate, "suite": "articles"}, {**gate, "suite": "article_fragments"}]
    print_summary(summary)
    lines = [line for line in capsys.readouterr().out.splitlines() if "expectations," in line]
    assert len(lines) == 2 and len({line.index("marts") for line in lines}) == 1


def test_synth_writes_a_night_and_its_truth(tmp_path, capsys):
    assert main(["synth", "--articles", "40", "--out", str(tmp_path), "--seed", "3"]) == 0
    report = json.loads(capsys.readouterr().out)
    truth = (tmp_path / "truth.jsonl").read_text().splitlines()
    assert report["documents"] == len(truth) == 40
    assert any((tmp_path / "raw").rglob("*.txt"))


def test_synth_without_the_devset_says_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("copydesk.synth.night.DEVSET", tmp_path / "missing.jsonl")
    assert main(["synth", "--articles", "5", "--out", str(tmp_path / "night")]) == 2
    assert f"needs the MEANTIME devset at {tmp_path / 'missing.jsonl'}" in capsys.readouterr().err
    assert not (tmp_path / "night").exists()


def search(published, capsys, *argv: str) -> tuple[int, list[dict], str]:
    """`copydesk search` in JSON: its exit code, the rows and what it said on stderr."""
    code = main(["search", "--data", str(published), "--format", "json", *argv])
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if code == 0 else [], captured.err


def test_search_finds_the_article_holding_both_words_in_any_case(published, capsys):
    code, rows, _ = search(published, capsys, "TURKIYE fidan")
    assert code == 0
    assert [row["title"] for row in rows] == ["Russia, Ukraine hold peace talks in Turkiye"]
    assert set(rows[0]) == {"article_id", "published_date", "outlet", "title", "score"}


def test_search_finds_nothing_when_one_word_is_absent_from_the_article(published, capsys):
    # Turkiye is only in the Xinhua article, Kyiv only in the AFP copies.
    assert search(published, capsys, "turkiye kyiv")[:2] == (0, [])
    assert len(search(published, capsys, "kyiv")[1]) == 4


def test_search_ranks_by_how_often_the_words_are_used_then_limits(published, capsys):
    code, rows, _ = search(published, capsys, "kyiv", "--limit", "2")
    assert code == 0 and len(rows) == 2
    assert rows[0]["score"] >= rows[1]["score"]


def test_search_prints_a_table_like_sql(published, capsys):
    assert main(["search", "--data", str(published), "fidan turkiye"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == [
        "article_id",
        "|",
        "published_date",
        "|",
        "outlet",
        "|",
        "title",
        "|",
        "score",
    ]
    assert out[-1].startswith("1 row in")


@pytest.mark.parametrize(
    ("words", "found"),
    [
        # Quotes, operators and metacharacters are no words: "peace talks" is searched, then
        # "kyiv", then "peace" (10k characters), then 2,000 words no article holds together.
        ("it's \"peace\" talks' OR 1=1; --", 5),
        ("(kyiv|.*)+ [a-z]{2,} \\b\\d+ $^ % _ ?", 4),
        ("peace " * 1_700, 5),
        (" ".join(f"w{n}" for n in range(2_000)), 0),
    ],
    ids=["quotes", "regex", "10k-characters", "2000-words"],
)
def test_search_survives_hostile_words(published, words, found, capsys):
    code, rows, err = search(published, capsys, words)
    assert (code, len(rows), err) == (0, found, "")


@pytest.mark.parametrize("words", ["", "   ", "the of a", "!!! ??? '\"", "\x00", "x" * 10_000])
def test_search_without_a_word_to_search_says_so(published, words, capsys):
    code, _, err = search(published, capsys, words)
    assert code == 2 and err.startswith("copydesk search: no word to search for")
