"""Bad input, each case once: accepted (maybe repaired and flagged), quarantined with a reason, or
skipped with a logged reason; the counts reconcile and no file fails the run.

The cases tests/test_ingest.py already covers (empty, whitespace, PNG, BOM, UTF-16, cp1252,
mojibake, CRLF/CR, fifo, symlink outside, glob/unicode names, broken JSONL line, truncated gz,
news-please) are not repeated here; the end-to-end cases (dates, HTML) are at the bottom.
"""

import ctypes
import gzip
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from pathlib import Path

import duckdb
import pytest

import copydesk.ingest.commit
import copydesk.ingest.readers
from copydesk.ingest.commit import ingest
from tests.conftest import SEEDS_DIR, lake_rows, query


def test_every_listed_file_is_counted_once_and_a_rerun_adds_nothing(raw, lake):
    (raw / "good.txt").write_text("A good story about the harbour.")
    (raw / "copy of good.txt").write_text("A good story about the harbour.")  # same text twice
    (raw / "empty.txt").write_bytes(b"")
    (raw / "garbage.txt").write_bytes(os.urandom(4096))
    (raw / "notes.md").write_text("# not a dump")
    os.mkfifo(raw / "pipe.jsonl")
    (raw / "feed.jsonl").write_text(
        json.dumps({"text": "A feed story."})
        + "\n{broken\n\n"  # a broken line and a blank one (blank lines are not records)
        + json.dumps({"text": "A good story about the harbour."})  # already in good.txt
        + "\n"
    )
    first = ingest(raw, lake, "run-1")
    assert first.reconciles(), first
    assert (
        first.files_listed,
        first.files_accepted,
        first.files_quarantined,
        first.files_skipped,
        first.files_duplicate,
    ) == (7, 2, 2, 2, 1)
    # feed.jsonl: 3 records (1 new, 1 duplicate, 1 bad); copy + good: 2; empty, garbage: 2 bad.
    assert (first.records_read, first.documents_new, first.documents_duplicate) == (7, 2, 2)
    assert (first.records_bad, first.quarantine_new) == (3, 3)
    assert len(lake_rows(lake, "quarantine")) == 3
    # Files are read in name order: the first name a text is seen under is the one kept.
    assert {r["source_id"] for r in lake_rows(lake)} == {"copy of good.txt", "feed.jsonl:1"}

    second = ingest(raw, lake, "run-2")
    assert second.reconciles(), second
    # The files that gave documents are unchanged and not read again; the two that only
    # quarantined are, and their bad records are known already.
    assert (second.files_unchanged, second.files_duplicate, second.files_skipped) == (3, 2, 2)
    assert (second.documents_new, second.quarantine_new, second.quarantine_known) == (0, 0, 2)
    assert len(lake_rows(lake)) == 2 and len(lake_rows(lake, "quarantine")) == 3


def test_stray_nul_bytes_are_removed_and_flagged_but_binary_is_quarantined(raw, lake):
    (raw / "nul.txt").write_bytes(b"A story with a stray\x00 NUL byte in the middle of it.\n")
    (raw / "escaped.jsonl").write_text(json.dumps({"text": "An escaped \u0000 NUL in JSON."}))
    (raw / "utf16-no-bom.txt").write_bytes("Half of these bytes are NUL.".encode("utf-16-le"))
    report = ingest(raw, lake, "run-1")
    assert report.reconciles()
    docs = {r["source_id"]: r for r in lake_rows(lake)}
    assert docs["nul.txt"]["text"] == "A story with a stray NUL byte in the middle of it."
    assert docs["nul.txt"]["repairs"] == "nul_bytes_removed"
    assert docs["escaped.jsonl:1"]["text"] == "An escaped  NUL in JSON."
    assert docs["escaped.jsonl:1"]["repairs"] == "nul_bytes_removed"
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(lake, "quarantine")}
    assert reasons["utf16-no-bom.txt"].startswith("binary content")


def test_lone_surrogates_and_undecodable_names_are_stored_not_fatal(raw, lake):
    (raw / "surrogate.jsonl").write_text(
        '{"id": "half-\\ud83d", "text": "An emoji cut in half: \\ud83d."}\n'
        + json.dumps({"text": "The next line is fine."})
        + "\n"
    )
    (Path(os.fsdecode(bytes(raw) + b"/caf\xe9.txt"))).write_text("A Latin-1 file name.")
    report = ingest(raw, lake, "run-1")
    assert report.reconciles() and report.documents_new == 3
    docs = {r["source_id"]: r for r in lake_rows(lake)}
    assert docs["half-\ufffd"]["text"] == "An emoji cut in half: \ufffd."
    assert docs["half-\ufffd"]["repairs"] == "invalid_unicode_replaced"
    assert docs["caf\\xe9.txt"]["text"] == "A Latin-1 file name."


def test_names_with_newlines_are_kept_and_logged_on_one_line(raw, lake):
    (raw / "two\nlines.txt").write_text("A story whose file name has a newline.")
    os.mkfifo(raw / "pipe\nname.txt")
    report = ingest(raw, lake, "run-1")
    assert report.reconciles() and report.documents_new == 1
    assert lake_rows(lake)[0]["source_id"] == "two\nlines.txt"
    assert report.skipped == ["pipe\\nname.txt: not a regular file (pipe, socket or device)"]


def test_a_file_that_becomes_a_pipe_after_listing_is_refused_without_hanging(
    raw, lake, monkeypatch
):
    (raw / "late.txt").write_text("placeholder")
    listed = copydesk.ingest.commit.list_raw_files(raw)
    (raw / "late.txt").unlink()
    os.mkfifo(raw / "late.txt")  # swapped between listing and reading: no writer, open blocks
    (raw / "gone.txt").write_text("this one vanishes")
    listed = (listed[0] + [raw.resolve() / "gone.txt"], listed[1])
    (raw / "gone.txt").unlink()
    monkeypatch.setattr(copydesk.ingest.commit, "list_raw_files", lambda *_: listed)
    started = time.monotonic()
    report = ingest(raw, lake, "run-1")
    assert time.monotonic() - started < 5
    assert report.reconciles() and report.files_quarantined == 2
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(lake, "quarantine")}
    assert reasons == {
        "late.txt": "not a regular file (pipe, socket or device)",
        "gone.txt": "unreadable: No such file or directory",
    }


SYS_SETRESUID = {"x86_64": 117, "aarch64": 147}


def run_without_root(function):
    """Run function in a thread whose own effective uid is nobody (Linux credentials are per
    thread at the syscall level), so a chmod 000 file really is unreadable even for root."""
    if os.geteuid() != 0:
        return function()
    number = SYS_SETRESUID.get(platform.machine())
    if number is None:
        pytest.skip(f"no setresuid syscall number known for {platform.machine()}")
    libc = ctypes.CDLL(None, use_errno=True)
    outcome = {}

    def worker():
        if libc.syscall(number, -1, 65534, -1) != 0:
            outcome["error"] = OSError(ctypes.get_errno(), "setresuid failed")
            return
        try:
            outcome["value"] = function()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def test_an_unreadable_file_is_quarantined_and_the_others_are_read():
    root = Path(tempfile.mkdtemp(prefix="copydesk-perm-"))
    os.chmod(root, 0o777)
    raw = root / "raw"
    raw.mkdir(mode=0o777)
    os.chmod(raw, 0o777)
    (raw / "locked.txt").write_text("You may not read this.")
    os.chmod(raw / "locked.txt", 0)
    (raw / "open.txt").write_text("Anyone may read this story.")
    report = run_without_root(lambda: ingest(raw, root / "lake", "run-1"))
    assert report.reconciles()
    assert (report.files_accepted, report.files_quarantined) == (1, 1)
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(root / "lake", "quarantine")}
    assert reasons == {"locked.txt": "unreadable: Permission denied"}


def write_gzip_bomb(path, inflated_bytes, chunk):
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: a gzip header
    with open(path, "wb") as sink:
        for _ in range(inflated_bytes // len(chunk)):
            sink.write(compressor.compress(chunk))
        sink.write(compressor.flush())


@pytest.mark.parametrize("chunk", [b"\0" * 2**20, b"\n" * 2**20], ids=["one-line", "blank-lines"])
def test_a_gzip_bomb_is_stopped_early(raw, lake, chunk):
    write_gzip_bomb(raw / "bomb.jsonl.gz", 256 * 2**20, chunk)  # 256 MiB from about 250 KB
    (raw / "ok.jsonl.gz").write_bytes(gzip.compress(b'{"text": "A fine zipped story."}\n'))
    started = time.monotonic()
    report = ingest(raw, lake, "run-1")
    assert time.monotonic() - started < 10
    assert report.reconciles() and report.documents_new == 1
    reasons = [r["reason"] for r in lake_rows(lake, "quarantine")]
    assert len(reasons) == 1 and "gzip bomb" in reasons[0]
    # Stopped soon after BOMB_FLOOR_BYTES, long before the stream's end.
    inflated = int(reasons[0].split("(")[1].split()[0])
    assert inflated < 2 * copydesk.ingest.readers.BOMB_FLOOR_BYTES


MEMORY_PROBE = """
import resource, sys
from pathlib import Path
from copydesk.ingest.commit import ingest
report = ingest(Path(sys.argv[1]), Path(sys.argv[2]), "run-1")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
print(report.reconciles(), report.files_accepted, report.files_quarantined, report.documents_new)
"""


def peak_rss_mib(raw, lake):
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE, str(raw), str(lake)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    return int(out[0]), out[1]


def test_a_50_mb_file_and_a_10_mb_line_are_read_in_bounded_memory(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    (small / "a.txt").write_text("A tiny story.")
    baseline, _ = peak_rss_mib(small, tmp_path / "small-lake")

    raw = tmp_path / "big"
    raw.mkdir()
    paragraph = "A paragraph of a long story that goes on and on. " * 20 + "\n\n"
    with open(raw / "huge.txt", "w") as sink:  # 50 MB in one .txt: not one article
        while sink.tell() < 50 * 2**20:
            sink.write(paragraph)
    with open(raw / "feed.jsonl", "w") as sink:  # 50 MB of JSONL: about 26,000 articles
        number = 0
        while sink.tell() < 50 * 2**20:
            sink.write(json.dumps({"text": f"Story {number}. " + paragraph * 2}) + "\n")
            number += 1
    (raw / "one-line.txt").write_text("word " * (2 * 2**20))  # a 10 MB single line
    with open(raw / "long-line.jsonl", "w") as sink:
        sink.write(json.dumps({"text": "before"}) + "\n")
        sink.write(json.dumps({"text": "x" * (10 * 2**20)}) + "\n")
        sink.write(json.dumps({"text": "after"}) + "\n")
    peak, outcome = peak_rss_mib(raw, tmp_path / "big-lake")
    # 110 MB of input; reading any 50 MB file whole (bytes, text, rows, Arrow) would cost far
    # more than this. Measured: about +100 MiB, set by the 10 MB line's few copies.
    assert peak - baseline < 160, (baseline, peak)
    assert outcome == f"True 3 1 {number + 4}"
    reasons = [r["reason"] for r in lake_rows(tmp_path / "big-lake", "quarantine")]
    assert len(reasons) == 1
    assert reasons[0].endswith("bytes is larger than one article (limit 16 MiB)")


def test_twenty_thousand_tiny_files_all_reach_the_lake(raw, lake):
    # How fast is bench/scale.py's to measure (2.5 s on 2 cores); this is that none is lost.
    for number in range(20_000):
        (raw / f"tiny-{number:05d}.txt").write_text(f"Tiny story number {number}.")
    report = ingest(raw, lake, "run-1")
    assert report.reconciles() and report.files_accepted == 20_000
    assert len(lake_rows(lake)) == 20_000


def test_html_and_script_are_stored_verbatim_as_text(raw, lake):
    story = (
        "<p>Officials met on <b>Monday</b>.</p>\n\n"
        "<script>alert('copydesk')</script> <img src=x onerror=alert(1)>"
    )
    (raw / "html.txt").write_text(story)
    ingest(raw, lake, "run-1")
    assert lake_rows(lake)[0]["text"] == story


# End to end: one nightly run over the seeds plus the inputs that only the models can judge.

SCRIPT = "<script>alert('copydesk-xss')</script>"


@pytest.fixture(scope="module")
def published(tmp_path_factory, prefect_server):
    """The seeds and the awkward documents, published by one nightly run."""
    import shutil

    from flows.nightly import nightly

    root = tmp_path_factory.mktemp("bad-e2e")
    raw = root / "raw"
    shutil.copytree(SEEDS_DIR, raw)
    seed = (SEEDS_DIR / "000_26e8e96977f2cfc8.txt").read_text(encoding="utf-8")
    body = seed.split("\n", 1)[1]
    (raw / "month-13.txt").write_text(" date 2025-13-45 ISTANBUL: " + body[:1500] + "Month 13.")
    (raw / "zero-date.txt").write_text(" date 0000-00-00 ISTANBUL: " + body[:1500] + "Zero date.")
    (raw / "future.txt").write_text(" date 2099-06-02 ISTANBUL: " + body[:1500] + "Far future.")
    (raw / "no-body.txt").write_text(" date 2025-06-02\n")
    (raw / "html.txt").write_text(
        " date 2025-06-02 PARIS: Officials said <b>Monday</b> the talks were over.\n\n"
        f"{SCRIPT}\n\nThe talks would resume <i>next week</i>, they said."
    )
    # The inputs that each cost a night once (issue 14), among the good ones.
    for name, header in HOSTILE_HEADERS.items():
        (raw / name).write_text(f" date {header} ISTANBUL: " + body[:1500] + f" {name}")
    (raw / "one-line-10mb.txt").write_text(" date 2025-06-02 " + "word " * (2 * 1024 * 1024))
    (raw / "zipped.txt.gz").write_bytes(gzip.compress(("Zipped. " + body[:1500]).encode()))
    (raw / "feed.jsonl").write_text(json.dumps({"id": "feed-1", "text": body[:900]}) + "\n{cut")
    (raw / "loop-a.txt").symlink_to(raw / "loop-b.txt")
    (raw / "loop-b.txt").symlink_to(raw / "loop-a.txt")
    (raw / "dangling.txt").symlink_to(raw / "never-written.txt")
    (raw / "outside.txt").symlink_to(SEEDS_DIR / "000_26e8e96977f2cfc8.txt")
    (raw / "arriving.txt.part").write_text("half a")
    (raw / ".hidden.txt").write_text("an editor's backup")
    summary = nightly(raw_dir=str(raw), data_dir=str(root / "data"))
    assert summary.status == "published"
    return root / "data", summary


HOSTILE_HEADERS = {
    "month-only.txt": "2025-06",
    "slashed.txt": "06/02/2025",
    "word.txt": "yesterday",
    "bad-time.txt": "2025-06-02T25:61:00+25:00",
    "epoch.txt": "1970-01-01",
    "two-headers.txt": "2025-06-02\n date 2025-06-03",
}


def test_every_input_of_a_hostile_night_is_in_the_ledger_with_its_outcome(published):
    data, summary = published
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        ledger = query(conn, "select source_id, outcome, reason, ended_as from inputs")
    outcome = {row["source_id"]: (row["outcome"], row["ended_as"]) for row in ledger}
    assert len(outcome) == len(ledger)  # one row each
    for name in [*HOSTILE_HEADERS, "one-line-10mb.txt", "zipped.txt.gz", "feed-1"]:
        assert outcome[name] == ("accepted", "article"), name
    assert outcome["feed.jsonl:2"] == ("quarantined", "quarantine")
    for name in ("loop-a.txt", "loop-b.txt", "dangling.txt", "outside.txt", ".hidden.txt"):
        assert outcome[name] == ("skipped", "skip"), name
    assert outcome["arriving.txt.part"] == ("skipped", "skip")
    assert sum(summary.inputs.values()) == len(ledger)


def articles(data):
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        return {
            r["source_id"]: r
            for r in query(
                conn,
                "select source_id, header_date_raw, published_date, date_source, body"
                " from articles",
            )
        }


def test_impossible_and_future_header_dates_never_become_published_dates(published):
    data, summary = published
    rows = articles(data)
    assert summary.ingest["documents_new"] >= 8
    for name in ("month-13.txt", "zero-date.txt", "future.txt"):
        assert name in rows, name  # accepted, not lost
    assert rows["month-13.txt"]["header_date_raw"].startswith("2025-13-45")
    assert rows["zero-date.txt"]["header_date_raw"].startswith("0000-00-00")
    for name in ("month-13.txt", "zero-date.txt", "future.txt"):
        published_date = rows[name]["published_date"]
        assert published_date is None or 1990 <= published_date.year <= summary.started_at.year
        assert rows[name]["date_source"] != "header"


def test_a_header_with_no_body_is_published_or_quarantined_never_lost(published):
    data, _ = published
    with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
        published_rows = query(conn, "select 1 from articles where source_id = 'no-body.txt'")
        quarantined = query(conn, "select reason from quarantine where source_id = 'no-body.txt'")
    assert len(published_rows) + len(quarantined) >= 1
    assert all(r["reason"] for r in quarantined)


def test_html_is_stored_as_text_and_never_reaches_a_report_unescaped(published):
    data, _ = published
    body = articles(data)["html.txt"]["body"]
    assert SCRIPT in body and "<b>Monday</b>" in body
    for page in (data / "quality").rglob("*.html"):
        assert SCRIPT not in page.read_text(encoding="utf-8", errors="replace"), page
