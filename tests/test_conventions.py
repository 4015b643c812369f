"""House rules a newcomer can rely on: headers on every model, a suite for every mart."""

import json
import re

from copydesk.quality.suites import load_suites
from copydesk.settings import EXPECTATIONS_DIR, SQL_DIR
from copydesk.warehouse.models import load_models

PREFIXES = {"staging": "stg_", "intermediate": "int_"}


def test_every_sql_file_opens_with_a_comment_saying_what_a_row_is_and_why():
    for path in sorted(SQL_DIR.glob("**/*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines()
        assert lines[0].startswith("-- "), f"{path} has no header comment"
        header = " ".join(line for line in lines if line.startswith("--"))
        assert "why" in header.lower(), f"{path}: the header should say why the model exists"


def test_model_headers_say_what_a_row_is_then_why_in_at_most_three_lines():
    for model in load_models():
        header = []
        for line in model.sql.splitlines():
            if not line.startswith("--"):
                break
            if not line[2:].strip().startswith("@"):  # the runner's declarations
                header.append(line)
        assert header[0].startswith("-- One row per"), model.path
        why = next(i for i, line in enumerate(header) if line.startswith("-- Why:"))
        assert why <= 2, f"{model.path}: say what a row is in at most two lines"
        assert len(header) - why <= 3, f"{model.path}: at most three lines of why in the header"


def test_every_model_declares_its_grain():
    for model in load_models():
        assert model.grain is not None, (
            f"{model.path}: declare the columns of one row, `-- @grain <columns>`"
            " (or `-- @grain none: <why>`)"
        )


def test_model_file_names_carry_their_layer_prefix():
    for model in load_models():
        prefix = PREFIXES.get(model.layer)
        if prefix:
            assert model.name.startswith(prefix), model.path


def test_every_mart_has_a_suite_named_like_it():
    suites = {s["name"]: s for s in load_suites()}
    for model in load_models():
        if model.layer == "marts":
            assert model.name in suites, f"mart {model.name} has no expectations/{model.name}.json"
            assert suites[model.name]["meta"]["table"] == model.table


def test_suites_are_pretty_printed_and_every_expectation_says_why():
    for path in sorted(EXPECTATIONS_DIR.glob("*.json")):
        text = path.read_text(encoding="utf-8")
        suite = json.loads(text)
        assert text == json.dumps(suite, indent=2, ensure_ascii=False) + "\n", (
            f"{path} is not pretty-printed"
        )
        for expectation in suite["expectations"]:
            assert expectation["meta"].get("why"), f"{path}: {expectation['type']} has no why"
            assert expectation["severity"] in {"critical", "warning"}


# A cast that raises on a bad value: `cast(`, `strptime(` or `::type` other than a text type.
# try_cast and try_strptime give null instead, so one bad input cannot fail the night.
BARE_CAST = re.compile(r"(?<![\w.])(?:cast|strptime)\s*\(|::\s*(?!(?:varchar|text)\b)[a-z]", re.I)
STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
TOTAL_MARKER = re.compile(r"--\s*total:\s*\S")


def bare_casts(sql: str) -> list[str]:
    """The lines of a SQL text that cast without try_ and carry no `-- total: <why>` marker."""
    found = []
    for number, line in enumerate(sql.splitlines(), start=1):
        code = STRING_LITERAL.sub("''", line).split("--", 1)[0]
        if BARE_CAST.search(code) and not TOTAL_MARKER.search(line):
            found.append(f"{number}: {line.strip()}")
    return found


def test_the_bare_cast_check_catches_casts_and_accepts_try_and_marked_ones():
    planted = [
        "select x::integer",
        "select x :: date",
        "select cast(x as date)",
        "select CAST (x AS INT)",
        "select strptime(x, '%Y')",
        "select (a + b)::double",
        "select left(x, 16)::ubigint -- a cast",
        "select x::decimal(18, 6)",
    ]
    for line in planted:
        assert bare_casts(line) == [f"1: {line}"], line
    fine = [
        "select try_cast(x as integer)",
        "select try_strptime(x, '%Y-%m-%d')",
        "select x::varchar, y::text",
        "select 'a::integer or cast(x as int)' as quoted",
        "-- a comment saying cast(x as date) or x::date",
        "select x::integer -- total: x is a row count",
        "select broadcast(x)",
    ]
    for line in fine:
        assert bare_casts(line) == [], line


def test_no_sql_casts_a_value_without_try():
    for path in sorted(SQL_DIR.glob("**/*.sql")):
        found = bare_casts(path.read_text(encoding="utf-8"))
        assert not found, (
            f"{path}: use try_cast/try_strptime, or say why the cast cannot fail on the line"
            f" (`-- total: <why>`): {found}"
        )


# Joins DuckDB runs by comparing every row of one side with every row of the other: a condition
# that is not an equality (`in (a, b)`, `like`, `<`) turns a join linear in the corpus quadratic.
QUADRATIC_JOINS = re.compile(
    r"─ (Nested Loop Join|Blockwise Nl Join|Piecewise Merge Join|Ie Join) ─", re.IGNORECASE
)


def test_no_model_plans_a_join_that_compares_every_row_with_every_row():
    from tests.conftest import build_warehouse, seed_documents

    conn = build_warehouse(seed_documents())
    for model in load_models():
        if model.layer == "staging":
            continue  # reference tables and one scan of the lake: no join grows with the corpus
        plan = "\n".join(
            str(cell) for row in conn.execute(f"explain {model.sql}").fetchall() for cell in row
        )
        assert not QUADRATIC_JOINS.findall(plan), (
            f"{model.path}: {QUADRATIC_JOINS.findall(plan)} - join on equalities, then filter"
        )
