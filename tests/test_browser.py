"""The dashboard and the Data Docs opened from disk in headless Chromium, network off, as a person
would: pages render without console errors, charts are drawn, the screenshot is not blank, the
numbers match the warehouse, and article payloads (`<script>`, `onerror=`) execute nothing.

Driven with Selenium and Debian's chromium + chromium-driver (`make test` installs them): WebDriver
gives the console log, script evaluation and clicks in one API, and its DevTools bridge switches
the network off and hooks alert() before any page script runs. The driver path is given, so
Selenium Manager never looks for (or downloads) a driver.
"""

import base64
import json
import os
import re
from pathlib import Path

import duckdb
import pytest

from flows.nightly import nightly
from tests.conftest import query, suites_with
from tests.test_dashboard import XSS_IMG, XSS_SCRIPT, write_hostile_raw

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRED = bool(os.environ.get("CI") or os.environ.get("COPYDESK_REQUIRE_BROWSER"))

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    message = "chromium and chromium-driver are not installed (`make test` installs them)"
    if REQUIRED:
        raise RuntimeError(message)
    pytest.skip(message, allow_module_level=True)

# Replaces alert/confirm/prompt in every document before its own scripts run: a payload that
# executes leaves a trace in window.__alerts instead of a dialog.
ALERT_TRAP = """
window.__alerts = [];
for (const name of ["alert", "confirm", "prompt"]) {
  window[name] = function (message) { window.__alerts.push(name + ":" + String(message)); };
}
"""
# Decode a PNG in the browser (no imaging library in the venv) and measure how much is drawn.
SCREENSHOT_STATS = """
const [b64, done] = arguments;
const img = new Image();
img.onload = () => {
  const canvas = document.createElement("canvas");
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const colors = new Set();
  let inked = 0, sampled = 0;
  for (let i = 0; i < data.length; i += 4 * 5) {
    colors.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
    if (data[i] + data[i + 1] + data[i + 2] < 600) inked += 1;
    sampled += 1;
  }
  done({colors: colors.size, inked: inked / sampled, width: img.width, height: img.height});
};
img.onerror = () => done({error: "not a PNG"});
img.src = "data:image/png;base64," + b64;
"""


def echoing_expectations(folder: Path) -> Path:
    """The real suites plus a warning that fails on markup in titles, so GX echoes the payloads
    into the Data Docs (without stopping the run)."""
    return suites_with(
        folder,
        {
            "type": "expect_column_values_to_match_regex",
            "kwargs": {"column": "title", "regex": "^[^<>]*$"},
            "severity": "warning",
            "meta": {"why": "headlines carry no markup"},
        },
    )


@pytest.fixture(scope="module")
def night(tmp_path_factory, prefect_server):
    root = tmp_path_factory.mktemp("browser")
    write_hostile_raw(root / "raw")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COPYDESK_EXPECTATIONS", str(echoing_expectations(root / "suites")))
        summary = nightly(raw_dir=str(root / "raw"), data_dir=str(root / "data"))
    assert summary.status == "published"
    return root / "data"


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1400,1800",
        # Network off: no name resolves, and DevTools puts the page offline below.
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--allow-file-access-from-files",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0},
        )
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": ALERT_TRAP})
        driver.set_script_timeout(20)
        yield driver
    finally:
        driver.quit()


def open_page(driver, path: Path, fragment: str = "") -> None:
    driver.get_log("browser")  # drop what earlier pages logged
    driver.get(path.as_uri() + fragment)
    driver.execute_async_script(
        "const done = arguments[0];"
        "if (document.readyState === 'complete') done(); else addEventListener('load', () => done());"
    )


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def assert_inert(driver) -> None:
    """Nothing a payload could do happened, and the payloads are in the DOM only as text."""
    assert driver.execute_script("return window.__alerts") == []
    found = driver.execute_script(
        "return {"
        " imgs: document.querySelectorAll('img[src=\"x\"], [onerror], [onmouseover]').length,"
        " scripts: Array.from(document.scripts).filter(s => /alert\\(/.test(s.text)).length"
        "}"
    )
    assert found == {"imgs": 0, "scripts": 0}


def assert_only_local_resources(driver) -> None:
    resources = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
    )
    assert all(name.startswith(("file:", "data:")) for name in resources), resources


def screenshot_stats(driver) -> dict:
    png = driver.get_screenshot_as_png()
    driver.get("about:blank")
    return driver.execute_async_script(SCREENSHOT_STATS, base64.b64encode(png).decode())


def warehouse(data: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return query(conn, sql)


def test_the_dashboard_renders_offline_with_charts_and_no_errors(night, browser):
    index = night / "quality" / "dashboard" / "index.html"
    open_page(browser, index)
    assert console_errors(browser) == []
    assert browser.execute_script("return document.documentElement.dataset.ready") == "true"
    charts = browser.execute_script(
        "return Array.from(document.querySelectorAll('figure.chart')).map(f => ({"
        " id: f.id,"
        " bars: Array.from(f.querySelectorAll('rect.bar')).filter("
        "   r => r.getBBox().width > 0 && r.getBBox().height > 0).length,"
        " shown: f.getBoundingClientRect().height > 40}))"
    )
    ids = {chart["id"] for chart in charts}
    assert {
        "chart-volumes",
        "chart-timeline",
        "chart-dates",
        "chart-confidence",
        "chart-outlets",
        "chart-inputs-per-run",
    } <= ids
    assert all(chart["bars"] > 0 and chart["shown"] for chart in charts), charts
    assert_only_local_resources(browser)
    assert_inert(browser)
    stats = screenshot_stats(browser)
    assert stats["colors"] > 20 and 0.02 < stats["inked"] < 0.9, stats


def test_dashboard_numbers_match_the_warehouse_and_links_show_those_articles(night, browser):
    open_page(browser, night / "quality" / "dashboard" / "index.html")
    bars = browser.execute_script(
        "return Object.fromEntries(Array.from("
        " document.querySelectorAll('#chart-dates rect.bar')).map("
        "   r => [r.dataset.key, Number(r.dataset.value)]))"
    )
    counts = warehouse(
        night,
        "select count(*) filter (where published_date is null) as undated,"
        " count(*) filter (where date_source = 'header_ambiguous') as ambiguous,"
        " count(*) filter (where header_date_raw is null and published_date is not null)"
        "   as inferred,"
        " count(*) as total from articles",
    )[0]
    assert bars["undated"] == counts["undated"]
    assert bars["ambiguous"] == counts["ambiguous"]
    assert bars["inferred"] == counts["inferred"]
    assert sum(bars.values()) == counts["total"]
    repaired = warehouse(night, "select dates_repaired from runs")[0]["dates_repaired"]
    assert sum(v for k, v in bars.items() if k.startswith("repaired")) == repaired

    # Follow the "inferred" bar: the articles page shows exactly the rows it counted.
    link = browser.find_element("css selector", "#chart-dates a.bar-link:nth-of-type(5)")
    assert link.get_dom_attribute("href") == "articles.html#articles?date_category=inferred"
    link.find_element("css selector", "rect").click()
    browser.execute_async_script(
        "const done = arguments[0]; const wait = () =>"
        " document.documentElement.dataset.ready ? done() : setTimeout(wait, 50); wait();"
    )
    assert browser.current_url.endswith("articles.html#articles?date_category=inferred")
    shown = browser.execute_script(
        "return Array.from(document.querySelectorAll('#articles tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.dataset.article_id)"
    )
    expected = warehouse(
        night,
        "select article_id from articles"
        " where header_date_raw is null and published_date is not null",
    )
    assert sorted(shown) == sorted(r["article_id"] for r in expected)
    status = browser.find_element("id", "filter-status").text
    assert status.startswith(f"{len(expected)} articles row")


def test_the_timeline_gate_grid_and_ledger_per_run_render(night, browser):
    open_page(browser, night / "quality" / "dashboard" / "index.html")
    assert console_errors(browser) == []
    drawn = browser.execute_script(
        "const visible = (e) => { const r = e.getBoundingClientRect();"
        " return r.width > 0 && r.height > 0; };"
        "const stacks = (id) => Array.from(document.querySelectorAll(`#${id} g.stack`)).map("
        " g => ({title: g.querySelector('title').textContent,"
        "  bars: Array.from(g.querySelectorAll('rect.bar')).filter(visible).map("
        "   r => [r.dataset.key, Number(r.dataset.value)])}));"
        "return {"
        " timeline: stacks('chart-timeline'),"
        " legend: document.querySelectorAll('#chart-timeline .legend li').length,"
        " caption: document.querySelector('#chart-timeline figcaption').textContent,"
        " inputs: stacks('chart-inputs-per-run'),"
        " grid: Array.from(document.querySelectorAll('#gate-grid tr[data-suite] td')).map("
        "  td => ({state: td.dataset.state, title: td.title, shown: visible(td),"
        "   color: getComputedStyle(td).backgroundColor}))"
        "}"
    )
    dated = warehouse(night, "select count(published_date) as n from articles")[0]["n"]
    timeline = [s for s in drawn["timeline"] if s["bars"]]
    assert timeline and sum(v for s in timeline for _, v in s["bars"]) == dated
    assert all(re.match(r"\d{4}-\d\d-\d\d: \d+ dates — ", s["title"]) for s in timeline)
    assert drawn["legend"] == 7 and drawn["caption"].startswith("Published dates per day")

    runs = warehouse(night, "select run_id from runs")
    with duckdb.connect() as conn:  # the run's record in the lake, publish gate included
        (gates,) = conn.execute(f"select gates from '{night}/lake/runs/*/*.parquet'").fetchone()
    assert len(drawn["grid"]) == len(json.loads(gates)) >= 5  # one run: a cell per suite
    for cell in drawn["grid"]:
        assert cell["shown"] and cell["state"] in ("passed", "warning")
        assert runs[0]["run_id"] in cell["title"] and "0 failed expectations" in cell["title"]
        assert cell["color"] not in ("rgba(0, 0, 0, 0)", "transparent")

    ledger = warehouse(night, "select run_id, outcome, count(*) as n from inputs group by all")
    assert len(drawn["inputs"]) == len({r["run_id"] for r in ledger}) == 1
    assert sorted(map(tuple, drawn["inputs"][0]["bars"])) == sorted(
        (r["outcome"], r["n"]) for r in ledger
    )
    assert drawn["inputs"][0]["title"].startswith(f"run {runs[0]['run_id']}: ")
    assert_inert(browser)


def test_tables_sort_when_a_header_is_clicked(night, browser):
    open_page(browser, night / "quality" / "dashboard" / "articles.html")
    header = browser.find_element("css selector", "#articles thead th:nth-child(8)")
    header.click()
    first = browser.execute_script(
        "return Array.from(document.querySelectorAll('#articles tbody tr'))"
        ".map(r => Number(r.cells[7].textContent))"
    )
    assert first == sorted(first)
    header.click()
    second = browser.execute_script(
        "return Array.from(document.querySelectorAll('#articles tbody tr'))"
        ".map(r => Number(r.cells[7].textContent))"
    )
    assert second == sorted(first, reverse=True)
    assert header.get_attribute("aria-sort") == "descending"


def test_article_payloads_show_as_text_and_execute_nothing(night, browser):
    for name in ("index.html", "articles.html"):
        open_page(browser, night / "quality" / "dashboard" / name)
        assert console_errors(browser) == []
        assert_inert(browser)
    text = browser.find_element("id", "articles").text
    assert XSS_SCRIPT in text and XSS_IMG in text
    assert "<img src=x onerror=alert(4)>.txt" in text  # the file name
    assert "<script>alert(1)</script>" in browser.find_element("id", "quarantine").text


def test_data_docs_render_offline_from_vendored_files_and_stay_inert(night, browser):
    site = night / "quality" / "gx" / "uncommitted" / "data_docs" / "local_site"
    pages = [site / "index.html", *sorted((site / "validations").rglob("*.html"))]
    assert len(pages) >= 7
    for page in pages:
        open_page(browser, page)
        assert console_errors(browser) == [], page
        assert_only_local_resources(browser)
        assert_inert(browser)
        loaded = browser.execute_script(
            "return {"
            " jquery: typeof window.jQuery === 'function',"
            " table: !!(window.jQuery && jQuery.fn.bootstrapTable),"
            " vega: typeof window.vega === 'object' && typeof window.vegaEmbed === 'function',"
            " bootstrap: (() => { const probe = document.createElement('div');"
            "   probe.className = 'd-none'; document.body.appendChild(probe);"
            "   const display = getComputedStyle(probe).display; probe.remove(); return display; })(),"
            " icons: getComputedStyle(document.querySelector('i.fas, i.fa') || document.body)"
            "   .fontFamily,"
            " sheets: Array.from(document.styleSheets).filter(s => s.href).length"
            "}"
        )
        assert loaded["jquery"] and loaded["table"] and loaded["vega"], (page, loaded)
        assert loaded["bootstrap"] == "none" and loaded["sheets"] >= 5, (page, loaded)
    # The articles validation echoes the payload titles: shown as text, never run.
    articles_page = next(p for p in pages if "/validations/articles/" in p.as_posix())
    open_page(browser, articles_page)
    assert XSS_SCRIPT in browser.find_element("tag name", "body").text
    assert_inert(browser)
    stats = screenshot_stats(browser)
    assert stats["colors"] > 20 and stats["inked"] > 0.02, stats


def test_the_data_docs_link_on_the_dashboard_opens_them(night, browser):
    open_page(browser, night / "quality" / "dashboard" / "index.html")
    href = browser.find_element("id", "data-docs-link").get_attribute("href")
    assert re.match(r"file:///.*/local_site/index\.html$", href)
    browser.get(href)
    assert "Data Docs" in browser.title or browser.find_elements("css selector", ".ge-index-page")
