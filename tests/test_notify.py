"""COPYDESK_NOTIFY: a failed or refused night tells a command or a webhook; a good one does not."""

import json
import shlex
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import duckdb
import pytest

from copydesk.quality.gates import GateFailed
from copydesk.settings import Settings
from copydesk.warehouse.runs import RunRefused, run_lock
from flows.nightly import nightly
from tests.conftest import suites_with

pytestmark = pytest.mark.usefixtures("prefect_server")


def writer_command(path) -> str:
    """A command (no shell) that writes what it reads on stdin to `path`."""
    code = f"import sys; open({str(path)!r}, 'w').write(sys.stdin.read())"
    return shlex.join([sys.executable, "-c", code])


def strict_articles_suite(tmp_path):
    return suites_with(
        tmp_path / "strict-expectations",
        {
            "type": "expect_table_row_count_to_be_between",
            "kwargs": {"max_value": 2},
            "severity": "critical",
            "meta": {"why": "a stricter suite a user might write"},
        },
    )


def test_a_failed_night_is_reported_to_the_command_and_a_published_one_is_not(
    seeds, tmp_path, monkeypatch
):
    notice = tmp_path / "notice.txt"
    monkeypatch.setenv("COPYDESK_NOTIFY", writer_command(notice))
    data = tmp_path / "data"
    assert nightly(raw_dir=str(seeds), data_dir=str(data)).status == "published"
    assert not notice.exists()
    assert nightly(raw_dir=str(seeds), data_dir=str(data)).status == "nothing_new"
    assert not notice.exists()

    monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(strict_articles_suite(tmp_path)))
    (seeds / "extra.txt").write_text("A new story arrives tonight and is long enough to publish.")
    with pytest.raises(GateFailed):
        nightly(raw_dir=str(seeds), data_dir=str(data))
    text = notice.read_text()
    (failed_run,) = duckdb.sql(
        f"select run_id from '{data}/lake/runs/*/*.parquet' where status = 'failed'"
    ).fetchall()[0]
    assert failed_run in text
    assert "failed" in text
    assert "articles" in text and "marts" in text
    assert "expect_table_row_count_to_be_between" in text
    assert "new documents" in text
    assert (data / "quality" / "dashboard" / "index.html").as_uri() in text


def test_a_refused_night_is_reported_but_a_locked_one_is_not(tmp_path, seeds, monkeypatch):
    notice = tmp_path / "notice.txt"
    monkeypatch.setenv("COPYDESK_NOTIFY", writer_command(notice))
    data = tmp_path / "data"
    with pytest.raises(RunRefused):
        nightly(raw_dir=str(tmp_path / "nope"), data_dir=str(data))
    text = notice.read_text()
    assert "refused" in text and "no raw dumps to read" in text and "missing folder" in text
    notice.unlink()

    # Another run holds the lock: that night is running and reports its own outcome.
    with run_lock(Settings.from_env(str(seeds), str(data))), pytest.raises(RunRefused):
        nightly(raw_dir=str(seeds), data_dir=str(data))
    assert not notice.exists()


def test_a_notifier_that_fails_never_hides_the_nights_own_error(tmp_path, monkeypatch, caplog):
    failing = shlex.join([sys.executable, "-c", "import sys; sys.exit('mail server down')"])
    monkeypatch.setenv("COPYDESK_NOTIFY", failing)
    with pytest.raises(RunRefused, match="no raw dumps"):
        nightly(raw_dir=str(tmp_path / "nope"), data_dir=str(tmp_path / "data"))
    assert "mail server down" in caplog.text and "exited with 1" in caplog.text

    monkeypatch.setenv("COPYDESK_NOTIFY", "http://127.0.0.1:9/nobody-listens")
    with pytest.raises(RunRefused, match="no raw dumps"):
        nightly(raw_dir=str(tmp_path / "nope"), data_dir=str(tmp_path / "data"))
    assert "http://127.0.0.1:9/nobody-listens" in caplog.text


def test_a_failed_night_posts_json_to_a_webhook(seeds, tmp_path, monkeypatch):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((self.headers["Content-Type"], json.loads(body)))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("COPYDESK_NOTIFY", f"http://127.0.0.1:{server.server_port}/hook")
        monkeypatch.setenv("COPYDESK_EXPECTATIONS", str(strict_articles_suite(tmp_path)))
        with pytest.raises(GateFailed):
            nightly(raw_dir=str(seeds), data_dir=str(tmp_path / "data"))
    finally:
        server.shutdown()
        server.server_close()
    ((content_type, notice),) = received
    assert content_type == "application/json"
    assert notice["status"] == "failed"
    assert [(g["suite"], g["stage"]) for g in notice["failed_gates"]] == [("articles", "marts")]
    assert "expect_table_row_count_to_be_between" in notice["failed_gates"][0]["failed"][0]
    assert notice["run_id"] in notice["text"] and "articles" in notice["text"]
    assert notice["dashboard"].endswith("dashboard/index.html")


def test_a_command_that_does_not_split_is_refused_when_the_settings_are_read(monkeypatch):
    monkeypatch.setenv("COPYDESK_NOTIFY", "mail -s 'night failed desk@example.com")
    with pytest.raises(ValueError, match="COPYDESK_NOTIFY=.*No closing quotation"):
        Settings.from_env()
