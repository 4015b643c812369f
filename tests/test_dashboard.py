"""The quality dashboard and `copydesk sql` output: figures against the warehouse, escaping,
graceful degradation. The browser checks (rendering, no script runs) are in test_browser.py."""

import json
import re
import shutil
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from copydesk.cli import main
from copydesk.quality.dashboard import build_dashboard
from copydesk.quality.data_docs import offline_links
from copydesk.quality.gates import GateFailed
from copydesk.settings import Settings
from flows.nightly import nightly
from tests.conftest import SEEDS_DIR, query, suites_with

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = "<img src=x onerror=alert(2)>"
XSS_FILE_NAME = "<img src=x onerror=alert(4)>.txt"


def write_hostile_raw(raw: Path) -> None:
    """The seeds plus articles whose text, title, outlet, url and file name carry payloads."""
    shutil.copytree(SEEDS_DIR, raw)
    body = (
        f"LONDON: A council meeting on Tuesday discussed {XSS_SCRIPT} the budget and {XSS_IMG}"
        " the new library, which officials said would open next spring after long delays."
    )
    lines = [
        {
            "id": "hostile-1",
            "title": f"{XSS_SCRIPT} Council budget",
            "text": body,
            "url": "javascript:alert(5)",
            "outlet": "<b onmouseover=alert(6)>Evil Outlet</b>",
            "date": "2025-06-03",
        },
        {
            "id": "plain-1",
            "title": "A library opens",
            "text": "PARIS: The city opened a new library on Monday, officials said, after years"
            " of delays and a long debate about its cost and its opening hours.",
            "url": "https://www.example-news.test/2025/06/02/library",
            "date": "2025-06-02",
        },
    ]
    text = "\n".join(json.dumps(line) for line in lines) + "\n" + '{"text": "' + XSS_SCRIPT + "\n"
    (raw / "hostile.jsonl").write_text(text, encoding="utf-8")
    (raw / XSS_FILE_NAME).write_text(
        f"HAVANA: Officials on Monday said {XSS_IMG} the harbour would reopen to ships next week"
        " after repairs, ending a closure that lasted most of the year.",
        encoding="utf-8",
    )


def strict_expectations(folder: Path) -> Path:
    """The real suites plus a critical one the next night fails."""
    return suites_with(
        folder,
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"max_value": 2},
            "severity": "critical",
            "meta": {"why": "a stricter suite a user might write"},
        },
    )


@pytest.fixture(scope="module")
def nights(tmp_path_factory, prefect_server):
    """One published night with hostile input, then a night stopped by a failed gate."""
    root = tmp_path_factory.mktemp("dashboard")
    raw, data = root / "raw", root / "data"
    write_hostile_raw(raw)
    first = nightly(raw_dir=str(raw), data_dir=str(data))
    assert first.status == "published"
    (raw / "extra.txt").write_text("A new story arrives tonight and is long enough to publish.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPYDESK_EXPECTATIONS", str(strict_expectations(root / "strict")))
        with pytest.raises(GateFailed):
            nightly(raw_dir=str(raw), data_dir=str(data))
    return data


def page(data: Path, name: str = "index.html") -> str:
    return (data / "quality" / "dashboard" / name).read_text(encoding="utf-8")


def warehouse(data: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return query(conn, sql)


def lake_runs(data: Path, columns: str, order: str = "") -> list[tuple]:
    with duckdb.connect() as conn:
        sql = f"select {columns} from '{data}/lake/runs/*/*.parquet' {order}"
        return conn.execute(sql).fetchall()


def bar_values(html: str, chart_id: str) -> dict[str, int]:
    """data-key → data-value of the bars of one chart."""
    figure = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', html, re.S)
    assert figure, chart_id
    return {
        key: int(value)
        for key, value in re.findall(r'data-key="([^"]*)" data-value="(\d+)"', figure.group(1))
    }


def test_the_dashboard_is_rebuilt_after_a_failed_night_and_shows_it(nights):
    html = page(nights)
    latest = re.search(r'<p class="latest status-(\w+)" id="latest-run">', html)
    assert latest and latest.group(1) == "failed"
    assert "expect_table_row_count_to_be_between" in html
    gate_rows = re.findall(r'<tr data-run="([^"]+)">', html.split('id="gate-table"')[1])
    runs = lake_runs(nights, "run_id, status", "order by started_at desc")
    assert [r[0] for r in runs] == list(dict.fromkeys(gate_rows))
    assert [r[1] for r in runs] == ["failed", "published"]
    # Gates link to their Data Docs pages, which exist.
    links = re.findall(r'<a href="(\.\./gx/[^"]+\.html)">', html)
    assert links and all((nights / "quality" / "dashboard" / link).exists() for link in links)


def test_date_figures_match_the_warehouse(nights):
    html = page(nights)
    figures = bar_values(html, "chart-dates")
    rows = warehouse(
        nights,
        "select date_outcome, count(*) as n from articles group by all",
    )
    expected = {key: 0 for key in figures}
    for row in rows:
        expected[row["date_outcome"]] += row["n"]
    assert figures == expected
    # The repaired bars add up to the run summary's own count of repaired dates.
    published = warehouse(nights, "select dates_repaired from runs order by started_at desc")
    repaired = sum(v for k, v in figures.items() if k.startswith("repaired"))
    assert repaired == published[0]["dates_repaired"] >= 1
    # Independent SQL for the categories that need no Python.
    undated = warehouse(
        nights,
        "select count(*) as n from articles where published_date is null",
    )[0]["n"]
    assert figures["undated"] == undated
    confidence = bar_values(html, "chart-confidence")
    dated = warehouse(
        nights,
        "select count(*) as n from articles where published_date is not null",
    )[0]["n"]
    assert sum(confidence.values()) == dated


def test_volume_outlet_and_story_figures_match_the_warehouse(nights):
    html = page(nights)
    totals = warehouse(
        nights,
        "select count(*) as a, (select count(*) from article_fragments)"
        " as f, count(distinct story_id) as s from articles",
    )[0]
    assert re.search(rf'id="total-articles">{totals["a"]} articles<', html)
    assert re.search(rf'id="total-fragments">{totals["f"]} fragments<', html)
    per_outlet = warehouse(
        nights,
        "select coalesce(outlet, '(no outlet)') as o, count(*) as n from articles group by 1",
    )
    outlets = bar_values(html, "chart-outlets")
    assert outlets == {re.sub("<", "&lt;", re.sub(">", "&gt;", r["o"])): r["n"] for r in per_outlet}
    stories = bar_values(html, "chart-stories")
    assert sum(stories.values()) == totals["s"]
    biggest = warehouse(
        nights,
        "select story_id, count(*) as n from articles group by 1 order by 2 desc, 1 limit 1",
    )[0]
    assert re.search(
        rf'<tr data-story="{biggest["story_id"]}">.*?>{biggest["n"]}</a>',
        html.split('id="biggest-stories"')[1],
        re.S,
    )
    # Volumes: the published run's articles out and the failed run's new documents.
    runs = lake_runs(nights, "run_id, status, documents_new")
    volume = html.split('id="volume-table"')[1]
    for run_id, status, documents_new in runs:
        row = re.search(rf'<tr data-run="{run_id}">(.*?)</tr>', volume, re.S).group(1)
        assert re.search(rf'data-field="documents_new">{documents_new}<', row)
        if status == "published":
            out = warehouse(
                nights,
                f"select count(*) as n from articles where run_id = '{run_id}'",
            )[0]["n"]
            assert re.search(rf'data-field="articles_out"><a [^>]*>{out}</a>', row)
    # The unknown domain is listed, since no reference table is published.
    assert "example-news.test" in html.split('id="unknown-domains"')[1]
    quarantined = warehouse(nights, "select count(*) as n from quarantine")[0]["n"]
    assert quarantined >= 1 and sum(bar_values(html, "chart-quarantine").values()) == quarantined


def test_article_text_outlets_urls_and_file_names_are_escaped(nights):
    for name in ("index.html", "articles.html"):
        html = page(nights, name)
        for raw in (XSS_SCRIPT, XSS_IMG, "<img src=x onerror=alert(4)>", "<b onmouseover"):
            assert raw not in html, (name, raw)
        assert "javascript:" not in html
        scripts = re.findall(r"<script\b[^>]*>", html)
        assert scripts == ['<script src="dashboard.js" defer>'], scripts
    articles = page(nights, "articles.html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in articles
    assert "&lt;img src=x onerror=alert(4)&gt;.txt" in articles


def test_every_count_links_to_the_rows_it_counts(nights):
    html = page(nights)
    rows = articles_rows(page(nights, "articles.html"))
    for href in set(re.findall(r'href="articles\.html#articles\?([^"]*)"', html)):
        filters = dict(pair.split("=", 1) for pair in href.replace("&amp;", "&").split("&"))
        from urllib.parse import unquote

        filters = {k: unquote(v) for k, v in filters.items()}
        assert filters and all(key in rows[0] for key in filters), (
            f"unknown filter in {href}: {sorted(rows[0])}"
        )
    inverted = [r for r in rows if r["date_category"] == "repaired_inversion"]
    assert len(inverted) == bar_values(html, "chart-dates")["repaired_inversion"]


def articles_rows(html: str) -> list[dict]:
    table = html.split('id="articles"')[1].split("</table>")[0]
    return [
        dict(re.findall(r'data-(\w+)="([^"]*)"', tr))
        for tr in re.findall(r"<tr id=\"a-[^\"]+\"([^>]*)>", table)
    ]


def test_the_dashboard_degrades_without_a_warehouse_or_with_missing_tables(nights, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(nights / "lake" / "runs", data / "lake" / "runs")
    index = build_dashboard(Settings.from_env(data_dir=data))
    assert "no warehouse has been published yet" in index.read_text()
    assert 'id="inputs-missing"' in index.read_text()

    # A warehouse with only articles, plus an outlet reference table that knows one domain.
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:
        conn.execute(f"attach '{nights / 'warehouse.duckdb'}' as src (read_only)")
        conn.execute("create table articles as select * from src.articles")
        conn.execute("create table dim_outlets as select 'example-news.test' as outlet_domain")
        conn.execute("detach src")
    # A run that checked no gate (nothing new) and one that checked an unknown suite.
    record = pq.read_table(next((data / "lake" / "runs").glob("*/*.parquet"))).to_pylist()[0]
    for run_id, gates in (("zz-nothing-new", []), ("zz-odd", [{"suite": "other"}])):
        record.update(run_id=run_id, status="nothing_new", gates=json.dumps(gates))
        (data / "lake" / "runs" / "run_date=2099-01-01").mkdir(exist_ok=True)
        pq.write_table(
            pa.Table.from_pylist([record]),
            data / "lake" / "runs" / "run_date=2099-01-01" / f"{run_id}.parquet",
        )
    html = build_dashboard(Settings.from_env(data_dir=data)).read_text()
    assert "could not be read" not in html
    assert html.count('<tr data-run="zz-') == 4  # gates and volumes
    assert "Nothing is in quarantine." in html
    assert "dim_outlets" in html and 'id="no-reference"' not in html
    assert "No unknown domains." in html
    assert 'id="inputs-missing"' in html and "main.inputs" in html


def test_data_docs_links_point_at_vendored_files(nights):
    site = nights / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site"
    for html_page in site.rglob("*.html"):
        text = html_page.read_text(encoding="utf-8")
        loads = re.findall(r'<(?:script|link|img)\b[^>]*?(?:src|href)="([^"]+)"', text)
        assert loads, html_page
        for target in loads:
            assert not re.match(r"https?:|//", target), (html_page, target)
            assert (html_page.parent / target.split("?")[0]).exists(), (html_page, target)
        assert XSS_SCRIPT not in text and XSS_IMG not in text
    license_files = list((site / "static" / "vendor").rglob("LICENSE*"))
    assert len(license_files) >= 8


def test_offline_links_drops_what_could_not_be_vendored():
    page = (
        '<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<link rel="stylesheet" href="https://example.com/x.css"/>'
        '<a href="https://greatexpectations.io">GX</a>'
    )
    out = offline_links(page, "static", missing=["vega/build/vega.min.js"])
    assert out == '<a href="https://greatexpectations.io">GX</a>'


def test_sql_writes_parquet_and_other_formats_to_a_file(nights, tmp_path, capsys):
    target = tmp_path / "out.parquet"
    sql = "select article_id, published_date, date_confidence from articles order by 1"
    assert main(["sql", "--data", str(nights), "--format", "parquet", "-o", str(target), sql]) == 0
    table = pq.read_table(target)
    expected = warehouse(nights, sql)
    assert table.to_pylist() == expected
    assert str(table.schema.field("published_date").type) == "date32[day]"
    assert f"{len(expected)} rows written to {target}" in capsys.readouterr().err

    csv_file = tmp_path / "out.csv"
    assert (
        main(["sql", "--data", str(nights), "--format", "csv", "--output", str(csv_file), sql]) == 0
    )
    assert len(csv_file.read_text().splitlines()) == len(expected) + 1
    assert capsys.readouterr().out == ""

    assert (
        main(["sql", "--data", str(nights), "--format", "parquet", "-o", str(target), "selec 1"])
        == 1
    )
    assert "Parser Error" in capsys.readouterr().err


def test_sql_parquet_to_stdout(nights, capsysbinary):
    assert main(["sql", "--data", str(nights), "--format", "parquet", "select 42 as answer"]) == 0
    out = capsysbinary.readouterr().out
    assert out[:4] == b"PAR1" and out[-4:] == b"PAR1"


def test_dashboard_command_builds_and_names_the_pages(nights, capsys):
    assert main(["dashboard", "--data", str(nights)]) == 0
    out = capsys.readouterr().out
    assert f"quality dashboard: {nights / 'quality' / 'dashboard' / 'index.html'}" in out
    assert "data docs:" in out


def copy_of_night(nights: Path, data: Path) -> Path:
    """The published warehouse and the run history, in a folder the test may rebuild into."""
    shutil.copytree(nights / "lake" / "runs", data / "lake" / "runs")
    shutil.copyfile(nights / "warehouse.duckdb", data / "warehouse.duckdb")
    return data


def test_the_articles_page_rows_carry_the_start_of_their_own_text(nights, monkeypatch):
    from copydesk.quality.dashboard import reading

    monkeypatch.setattr(reading, "EXCERPT_CHARS", 40)
    with duckdb.connect(str(nights / "warehouse.duckdb"), read_only=True) as conn:
        rows = reading.Warehouse(conn).articles()
        texts = dict(conn.execute("select article_id, body from articles").fetchall())
        texts |= dict(
            conn.execute("select fragment_id, fragment_text from article_fragments").fetchall()
        )
    assert {row["is_fragment"] for row in rows} == {False, True}
    for row in rows:
        assert row["excerpt"] == texts[row["article_id"]][:40], row["article_id"]


def test_figures_count_whole_tables_when_the_listings_are_samples(nights, tmp_path, monkeypatch):
    from copydesk.quality.dashboard import reading

    data = copy_of_night(nights, tmp_path / "data")
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:  # a second quarantined record
        conn.execute(
            "insert into quarantine select * replace (source_id || '-2' as source_id,"
            " 'another reason' as reason) from quarantine"
        )
    monkeypatch.setattr(reading, "ARTICLES_LISTED", 2)
    monkeypatch.setattr(reading, "DRILL_DOWN_LIMIT", 1)
    monkeypatch.setattr(reading, "QUARANTINE_LISTED", 1, raising=False)
    html = build_dashboard(Settings.from_env(data_dir=data)).read_text()
    totals = warehouse(
        data,
        "select count(*) as a, (select count(*) from article_fragments) as f,"
        " count(distinct story_id) as s, count(distinct copy_group_id) as g,"
        " count(published_date) as dated, (select count(*) from quarantine) as q from articles",
    )[0]
    assert totals["a"] > 2 and totals["q"] > 1
    dates = {
        r["k"]: r["n"]
        for r in warehouse(data, "select date_outcome k, count(*) n from articles group by 1")
    }
    assert {k: v for k, v in bar_values(html, "chart-dates").items() if v} == dates
    assert sum(bar_values(html, "chart-confidence").values()) == totals["dated"]
    per_outlet = warehouse(
        data, "select coalesce(outlet, '(no outlet)') as o, count(*) as n from articles group by 1"
    )
    escaped = {r["o"].replace("<", "&lt;").replace(">", "&gt;"): r["n"] for r in per_outlet}
    assert bar_values(html, "chart-outlets") == escaped
    assert sum(bar_values(html, "chart-stories").values()) == totals["s"]
    assert sum(bar_values(html, "chart-copy-groups").values()) == totals["g"]
    assert sum(bar_values(html, "chart-quarantine").values()) == totals["q"]
    for row in warehouse(data, "select run_id, count(*) as n from articles group by 1"):
        volume = html.split('id="volume-table"')[1]
        cells = re.search(rf'<tr data-run="{row["run_id"]}">(.*?)</tr>', volume, re.S).group(1)
        assert re.search(rf'data-field="articles_out"><a [^>]*>{row["n"]}</a>', cells)
    # Only the example rows are samples, and they say so.
    articles = page(data, "articles.html")
    assert len(articles_rows(articles)) == 2
    assert f"2 of {totals['a'] + totals['f']:,} rows" in articles
    assert articles.count('<tr data-run="') == 1
    assert f"1 of {totals['q']:,} quarantined records" in articles


INPUT_ROWS = [
    # run, source_id, source_path, outcome, reason, doc_id
    ("LATEST", "a.txt", "raw/a.txt", "accepted", None, "d1"),
    ("LATEST", "b.txt", "raw/b.txt", "duplicate", "same text as another document", "d1"),
    ("LATEST", "c.txt", f"raw/{XSS_SCRIPT}.txt", "quarantined", "empty body", None),
    ("LATEST", "d.txt", "raw/d.txt", "quarantined", "empty body", None),
    ("LATEST", "e.bin", "raw/e.bin", "skipped", "not a .txt, .jsonl or .json file", None),
    ("LATEST", "f.jsonl#3", "raw/f.jsonl", "quarantined", "not JSON", None),
    ("zz-older", "a.txt", "raw/a.txt", "accepted", None, "d1"),
    ("zz-older", "g.txt", "raw/g.txt", "quarantined", "empty body", None),
    ("zz-older", "h.tmp", "raw/h.tmp", "skipped", "a partial file", None),
    ("zz-older", "i.txt", "raw/i.txt", "unchanged", "read before", None),
]


def test_the_inputs_section_counts_the_ledger_in_sql_and_escapes_file_names(
    nights, tmp_path, monkeypatch
):
    from copydesk.quality.dashboard import reading

    data = copy_of_night(nights, tmp_path / "data")
    published = lake_runs(data, "run_id", "where status = 'published'")[0][0]
    with duckdb.connect(str(data / "warehouse.duckdb")) as conn:
        conn.execute(
            # Rows of every outcome in place of the night's own ledger (all accepted).
            "create or replace table main.inputs (run_id varchar, source_id varchar,"
            " source_path varchar, outcome varchar, reason varchar, doc_id varchar)"
        )
        conn.executemany(
            "insert into main.inputs values (?, ?, ?, ?, ?, ?)",
            [(published if r[0] == "LATEST" else r[0], *r[1:]) for r in INPUT_ROWS],
        )
        # Files the run left unread are counted in its runs row, not the ledger (zz-older's
        # `unchanged` row is an older ledger's).
        conn.execute("update main.runs set files_unchanged = 4 where run_id = ?", [published])
    monkeypatch.setattr(reading, "INPUTS_LISTED", 3, raising=False)
    html = build_dashboard(Settings.from_env(data_dir=data)).read_text()
    section = html.split('<section id="inputs">')[1].split("</section>")[0]
    assert f"<code>{published}</code>" in section  # the newest run the ledger holds
    outcomes = warehouse(
        data,
        f"select outcome, count(*) filter (where run_id = '{published}') as latest,"
        " count(*) as total from inputs group by 1",
    )
    for row in outcomes:
        if row["outcome"] == "unchanged":
            row["latest"], row["total"] = row["latest"] + 4, row["total"] + 4
    shown = dict(
        re.findall(r'<tr data-outcome="(\w+)"><td>\w+</td><td class="num">(\d+)</td>', section)
    )
    assert shown == {r["outcome"]: str(r["latest"]) for r in outcomes} | {
        o: "0" for o in shown if o not in {r["outcome"] for r in outcomes}
    }
    totals = dict(re.findall(r'<tr data-outcome="(\w+)">.*?data-field="all">(\d+)<', section))
    assert {o: int(n) for o, n in totals.items() if int(n)} == {
        r["outcome"]: r["total"] for r in outcomes
    }
    reasons = warehouse(
        data,
        f"select outcome, reason, count(*) filter (where run_id = '{published}') as latest,"
        " count(*) as total from inputs where outcome in ('skipped', 'quarantined') group by all",
    )
    listed = re.findall(
        r'<tr data-reason-outcome="(\w+)"><td>([^<]*)</td><td class="num">(\d+)</td>'
        r'<td class="num">(\d+)</td>',
        section,
    )
    assert sorted(listed) == sorted(
        (r["outcome"], r["reason"], str(r["latest"]), str(r["total"])) for r in reasons
    )
    # A sample of the latest run's other-than-accepted inputs, labelled as one, escaped.
    assert "3 of 5 inputs" in section
    assert len(re.findall(r"<tr data-sample-outcome=", section)) == 3
    assert XSS_SCRIPT not in html
    assert "raw/&lt;script&gt;alert(1)&lt;/script&gt;.txt" in section
    # Outcomes per run, in a table and a stacked chart, as SQL counts them.
    per_run = warehouse(data, "select run_id, outcome, count(*) as n from inputs group by all")
    expected: dict[str, dict[str, int]] = {}
    for row in per_run:
        expected.setdefault(row["run_id"], {})[row["outcome"]] = row["n"]
    expected[published]["unchanged"] = 4
    table = section.split('id="input-runs"')[1].split("</table>")[0]
    rows = dict(re.findall(r'<tr data-ledger-run="([^"]+)">(.*?)</tr>', table, re.S))
    assert {
        run: {
            o: int(n)
            for o, n in re.findall(r'data-ledger-outcome="(\w+)">(\d+)<', cells)
            if n != "0"
        }
        for run, cells in rows.items()
    } == expected
    assert stacks(section, "chart-inputs-per-run") == {f"run {r}": v for r, v in expected.items()}
    assert f"<title>run {published}: 10 inputs — accepted 1 · duplicate 1 · quarantined 3 ·" in (
        section
    )


def known_articles(rows: list[tuple]) -> duckdb.DuckDBPyConnection:
    """An in-memory warehouse whose articles have the given (published_date, date_source,
    date_outcome)."""
    conn = duckdb.connect()
    conn.execute(
        "create table articles (article_id varchar, published_date date, date_source varchar,"
        " date_outcome varchar)"
    )
    conn.executemany(
        "insert into articles values (?, ?, ?, ?)",
        [(f"a{index}", *row) for index, row in enumerate(rows)],
    )
    return conn


TIMELINE_ROWS = [
    ("2025-06-02", "header", "kept"),
    ("2025-06-02", "header", "kept"),
    ("2025-06-02", "header_inverted", "repaired_inversion"),
    ("2025-06-02", "copy_group", "repaired_other"),
    ("2025-06-03", "fetched_at", "inferred"),  # a crawl day's spike of fetch dates
    ("2025-06-03", "fetched_at", "inferred"),
    ("2025-06-03", "fetched_at", "inferred"),
    ("2025-06-03", "copy_group", "inferred"),
    ("2025-06-05", "url", "inferred"),
    ("2025-06-05", "metadata", "inferred"),
    ("2025-06-05", "dateline", "inferred"),
    ("2025-06-05", "header_month", "inferred"),
    ("2025-06-05", "header_ambiguous", "ambiguous"),
    (None, "none", "undated"),
]


def stacks(html: str, chart_id: str) -> dict[str, dict[str, int]]:
    """data-bin → {data-key: data-value} of a stacked chart's bars."""
    figure = re.search(rf'<figure class="chart" id="{chart_id}">(.*?)</figure>', html, re.S)
    assert figure, chart_id
    bins: dict[str, dict[str, int]] = {
        b: {} for b in re.findall(r'<g class="stack" data-bin="([^"]*)"', figure.group(1))
    }
    for b, key, value in re.findall(
        r'<rect class="bar" [^>]*data-bin="([^"]*)" data-key="([^"]*)" data-value="(\d+)"',
        figure.group(1),
    ):
        bins[b][key] = int(value)
    return bins


def test_the_timeline_counts_dates_per_day_and_how_each_was_decided():
    from datetime import date

    from copydesk.quality.dashboard.reading import Warehouse

    with known_articles(TIMELINE_ROWS) as conn:
        timeline = Warehouse(conn).date_timeline()
    assert timeline["unit"] == "day"
    assert sorted((r["bin"], r["category"], r["n"]) for r in timeline["rows"]) == [
        (date(2025, 6, 2), "kept", 2),
        (date(2025, 6, 2), "repaired", 2),
        (date(2025, 6, 3), "copies", 1),
        (date(2025, 6, 3), "fetched", 3),
        (date(2025, 6, 5), "ambiguous", 1),
        (date(2025, 6, 5), "text", 2),
        (date(2025, 6, 5), "url", 2),
    ]


def test_the_timeline_chart_shows_every_day_a_legend_and_the_figures_in_tooltips():
    from copydesk.quality.dashboard.reading import Warehouse
    from copydesk.quality.dashboard.sections import timeline_section
    from copydesk.quality.dashboard.site import environment

    with known_articles(TIMELINE_ROWS) as conn:
        section = timeline_section(Warehouse(conn).date_timeline(), undated=1)
    html = (
        environment()
        .from_string('{% from "charts.html.j2" import chart %}{{ chart(c, t, "chart-timeline") }}')
        .render(c=section["chart"], t=section["caption"])
    )
    shown = stacks(html, "chart-timeline")
    assert shown == {
        "2025-06-02": {"kept": 2, "repaired": 2},
        "2025-06-03": {"copies": 1, "fetched": 3},
        "2025-06-04": {},  # an empty day is a gap, not skipped
        "2025-06-05": {"ambiguous": 1, "text": 2, "url": 2},
    }
    assert (
        "<title>2025-06-03: 4 dates — lent by copies or the story 1 · the fetch date 3</title>"
        in (html)
    )
    assert section["caption"] == "Published dates per day; 1 undated article not shown"
    assert html.count('<ul class="legend">') == 1 and "header repaired" in html


@pytest.mark.parametrize(
    ("first", "last", "unit", "bins", "first_bin"),
    [
        ("2025-06-01", "2025-08-31", "day", 92, "2025-06-01"),
        ("2025-01-01", "2025-12-31", "week", 53, "week of 2024-12-30"),
        ("2012-03-15", "2025-06-02", "month", 160, "2012-03"),
        ("1990-01-02", "2026-01-01", "year", 37, "1990"),
    ],
)
def test_a_long_timeline_is_binned_by_week_month_or_year_and_says_so(
    first, last, unit, bins, first_bin
):
    from copydesk.quality.dashboard.reading import Warehouse
    from copydesk.quality.dashboard.sections import timeline_section

    rows = [(first, "header", "kept"), (last, "url", "inferred"), (last, "url", "inferred")]
    with known_articles(rows) as conn:
        section = timeline_section(Warehouse(conn).date_timeline(), undated=0)
    stacks_shown = section["chart"]["stacks"]
    assert section["unit"] == unit and len(stacks_shown) == bins
    assert stacks_shown[0]["bin"] == first_bin and stacks_shown[0]["total"] == 1
    assert stacks_shown[-1]["total"] == 2 and sum(s["total"] for s in stacks_shown) == 3
    if unit == "day":
        assert section["caption"] == "Published dates per day"
    else:
        assert f"each bar is one {unit}" in section["caption"]
    assert section["chart"]["width"] < 1000  # thin bars, not a page wider than the screen


def test_the_timeline_matches_the_warehouse(nights):
    html = page(nights)
    shown = stacks(html, "chart-timeline")
    per_day = warehouse(
        nights,
        "select strftime(published_date, '%Y-%m-%d') as day, count(*) as n from articles"
        " where published_date is not null group by 1",
    )
    assert {day: sum(v.values()) for day, v in shown.items() if v} == {
        r["day"]: r["n"] for r in per_day
    }
    repaired = warehouse(
        nights,
        "select count(*) as n from articles where date_outcome like 'repaired%'",
    )[0]["n"]
    assert sum(v.get("repaired", 0) for v in shown.values()) == repaired >= 1


def test_the_gate_grid_shows_each_suite_over_the_runs(nights):
    html = page(nights)
    grid = html.split('id="gate-grid"')[1].split("</table>")[0]
    runs = lake_runs(nights, "run_id, started_at, gates", "order by started_at")
    assert re.findall(r'<td class="run-\w+" data-run="([^"]+)"', grid) == [r[0] for r in runs]
    suites = {gate["suite"] for _, _, gates in runs for gate in json.loads(gates)}
    rows = dict(re.findall(r'<tr data-suite="([^"]+)">(.*?)</tr>', grid, re.S))
    assert set(rows) == suites
    not_run = 0
    for suite, cells in rows.items():
        found = re.findall(
            r'<td class="gate-(\w+)" data-run="([^"]+)" data-state="\w+" data-failed="(\d+)"'
            r' title="([^"]*)"',
            cells,
        )
        assert [f[1] for f in found] == [r[0] for r in runs]
        for (state, run_id, failed, title), (_, started, gates) in zip(found, runs, strict=True):
            gate = next((g for g in json.loads(gates) if g["suite"] == suite), None)
            assert run_id in title and f"{started:%Y-%m-%d %H:%M} UTC" in title
            if gate is None:
                assert state == "none" and title.endswith("not run")
                not_run += 1
                continue
            assert int(failed) == len(gate["failed_critical"])
            assert state == ("passed" if gate["passed"] else "failed") or state == "warning"
            assert f"{len(gate['failed_critical'])} failed expectation" in title
    # The failed night stopped at the articles gate: it failed there, and later gates never ran.
    assert re.search(
        r'<td class="gate-failed" data-run="[^"]+" data-state="failed"'
        r' data-failed="1"',
        rows["articles"],
    )
    assert not_run >= 1
    # The published night's record holds its publish gate's verdicts too, and the grid shows them.
    published = lake_runs(nights, "run_id, gates", "where status = 'published'")[0]
    publish_stage = {g["suite"] for g in json.loads(published[1]) if g["stage"] == "publish"}
    assert publish_stage == {"runs", "table_counts"}
    for suite in publish_stage:
        assert re.search(rf'<td class="gate-passed" data-run="{published[0]}"', rows[suite])
    # The last night failed, so each gate's details are open below the grid.
    assert '<details id="gate-details" open>' in html
