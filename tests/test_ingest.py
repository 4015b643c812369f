"""Ingest: every format and encoding read, bad input quarantined with a reason, nothing twice."""

import gzip
import json
import os
import random
import re
import shutil
import time
from pathlib import Path

import ftfy
import pytest

import copydesk.ingest.readers
from copydesk.ingest.commit import ingest
from copydesk.ingest.decode import may_be_mojibake
from copydesk.ingest.fields import parse_field_map
from copydesk.settings import Settings
from tests.conftest import SEEDS_DIR, lake_rows


def test_the_seeds_become_five_documents_and_a_second_ingest_adds_nothing(seeds, lake):
    first = ingest(seeds, lake, "run-1")
    assert (first.files_listed, first.documents_new, first.records_bad) == (5, 5, 0)
    # Unchanged files are not even read again; a copy of one under a new name is, and its text
    # is recognized as already in the lake.
    second = ingest(seeds, lake, "run-2")
    assert (second.files_unchanged, second.records_read, second.documents_new) == (5, 0, 0)
    assert second.reconciles(), second
    first_seed = sorted(seeds.iterdir())[0]
    shutil.copy(first_seed, seeds / "z-copy.txt")
    third = ingest(seeds, lake, "run-3")
    assert (third.files_unchanged, third.files_duplicate, third.documents_duplicate) == (5, 1, 1)
    assert third.reconciles(), third
    (seeds / "z-copy.txt").unlink()
    rows = lake_rows(lake)
    assert len(rows) == 5
    assert {r["source_id"] for r in rows} == {p.name for p in seeds.iterdir()}
    assert all(len(r["doc_id"]) == 64 and r["format"] == "txt" for r in rows)


def test_a_raw_file_changed_since_it_was_read_is_read_again(raw, lake):
    # A feed appended to in place: same path, new size and modification time.
    feed = raw / "feed.jsonl"
    feed.write_text(json.dumps({"text": "The first story of the feed."}) + "\n")
    assert ingest(raw, lake, "run-1").documents_new == 1
    with feed.open("a") as handle:
        handle.write(json.dumps({"text": "A second story, appended later."}) + "\n")
    second = ingest(raw, lake, "run-2")
    assert (second.files_unchanged, second.files_accepted) == (0, 1)
    assert (second.documents_new, second.documents_duplicate) == (1, 1)
    assert len(lake_rows(lake)) == 2


def test_jsonl_keeps_good_lines_around_a_broken_one(raw, lake):
    lines = [
        json.dumps(
            {"id": "a1", "text": "First story text.", "url": "https://x.com/a", "outlet": "X"}
        ),
        '{"text": "broken json',
        json.dumps(
            {
                "text": "Third story text.",
                "fetched_at": "2025-06-03T08:00:00Z",
                "date": "2025-06-02",
            }
        ),
        json.dumps({"title": "no text field"}),
    ]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n")
    report = ingest(raw, lake, "run-1")
    assert (report.records_read, report.documents_new, report.records_bad) == (4, 2, 2)
    docs = {r["source_id"]: r for r in lake_rows(lake)}
    assert set(docs) == {"a1", "feed.jsonl:3"}
    assert docs["a1"]["url"] == "https://x.com/a" and docs["a1"]["outlet_hint"] == "X"
    assert docs["feed.jsonl:3"]["date_hint"] == "2025-06-02"
    assert docs["feed.jsonl:3"]["fetched_at"].isoformat() == "2025-06-03T08:00:00+00:00"
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(lake, "quarantine")}
    assert reasons["feed.jsonl:2"].startswith("invalid JSON")
    assert reasons["feed.jsonl:4"] == "no article text (fields: title)"


def test_gzipped_jsonl_and_a_truncated_gzip(raw, lake):
    body = (
        json.dumps({"text": "Zipped story one."})
        + "\n"
        + json.dumps({"text": "Zipped story two."})
        + "\n"
    ).encode()
    (raw / "good.jsonl.gz").write_bytes(gzip.compress(body))
    many = "".join(
        json.dumps({"text": f"Story number {i} of the long feed."}) + "\n" for i in range(5000)
    )
    compressed = gzip.compress(many.encode())
    (raw / "cut.jsonl.gz").write_bytes(compressed[: len(compressed) // 2])
    report = ingest(raw, lake, "run-1")
    # The good file's two records, and the cut file's records up to the break, are all kept.
    assert 2 < report.documents_new < 5002
    reasons = [r["reason"] for r in lake_rows(lake, "quarantine")]
    assert any("compressed stream broken" in reason for reason in reasons)


def test_news_please_json(raw, lake):
    article = {
        "maintext": "The news-please body.",
        "title": "A title",
        "date_publish": "2025-06-02 10:00:00",
        "source_domain": "japantimes.co.jp",
        "url": "https://www.japantimes.co.jp/news/2025/06/02/x/",
        "date_download": "2025-06-02 12:00:00",
    }
    (raw / "article.json").write_text(json.dumps(article))
    ingest(raw, lake, "run-1")
    row = lake_rows(lake)[0]
    assert (row["format"], row["title_hint"], row["outlet_hint"]) == (
        "json",
        "A title",
        "japantimes.co.jp",
    )
    assert row["text"] == "The news-please body."


def test_a_feeds_own_field_names_are_read_by_their_aliases(raw, lake):
    lines = [
        {"body": "Body story.", "published": "2025-06-02T09:00:00+02:00", "link": "https://x/a"},
        {
            "content": "Content story.",
            "pubDate": "Tue, 10 Jun 2025 08:00:00 GMT",
            "source": {"id": None, "name": "Reuters"},  # NewsAPI's shape: an object
            "headline": "A headline",
        },
        # An empty `text` is no text: the next alias that holds some wins.
        {"text": "  ", "article": "Article story.", "publisher": "Xinhua", "date": 20250602},
        {"maintext": ["not", "a", "string"], "source": ["x"], "articleBody": "Last story."},
        {"id": 7, "headline": "Only a headline", "summary": "s", "description": "A teaser."},
    ]
    (raw / "feed.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = ingest(raw, lake, "run-1")
    assert (report.documents_new, report.records_bad) == (4, 1)
    docs = {r["text"]: r for r in lake_rows(lake)}
    body = docs["Body story."]
    assert (body["url"], body["date_hint"]) == ("https://x/a", "2025-06-02T09:00:00+02:00")
    content = docs["Content story."]
    assert (content["outlet_hint"], content["title_hint"]) == ("Reuters", "A headline")
    assert content["date_hint"] == "Tue, 10 Jun 2025 08:00:00 GMT"
    # Only strings count: a number under `date`, a list under `source`, are not values.
    assert (docs["Article story."]["outlet_hint"], docs["Article story."]["date_hint"]) == (
        "Xinhua",
        None,
    )
    assert docs["Last story."]["outlet_hint"] is None
    [bad] = lake_rows(lake, "quarantine")
    assert bad["source_id"] == "7"
    assert bad["reason"] == "no article text (fields: id, headline, summary, description)"


def test_the_field_map_comes_before_the_aliases(raw, lake):
    record = {
        "story_body": "The mapped story.",
        "body": "Not this one.",
        "permalink": "https://x/mapped",
        "url": "https://x/alias",
    }
    (raw / "feed.jsonl").write_text(json.dumps(record) + "\n")
    (raw / "other.json").write_text(json.dumps({"body": "An alias still works."}))
    field_map = parse_field_map(" text=story_body, url = permalink,")
    assert field_map == (("text", "story_body"), ("url", "permalink"))
    ingest(raw, lake, "run-1", field_map=field_map)
    docs = {r["text"]: r for r in lake_rows(lake)}
    assert set(docs) == {"The mapped story.", "An alias still works."}
    assert docs["The mapped story."]["url"] == "https://x/mapped"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("txt=body", "unknown field 'txt' (expected one of text, url, title"),
        ("text", "'text' is not FIELD=NAME"),
        ("text=", "'text=' is not FIELD=NAME"),
        ("=body", "'=body' is not FIELD=NAME"),
        ("text=a,text=b", "'text' is mapped twice"),
    ],
)
def test_a_malformed_field_map_is_refused_when_the_settings_are_read(monkeypatch, value, message):
    monkeypatch.setenv("COPYDESK_FIELD_MAP", value)
    with pytest.raises(ValueError, match=re.escape(f"COPYDESK_FIELD_MAP={value!r}: {message}")):
        Settings.from_env()


def test_the_fields_a_textless_record_had_are_named_within_bounds(raw, lake):
    record = {f"field_{i:03d}_{'x' * 30}": i for i in range(100)} | {"bad\nkey": 1}
    (raw / "feed.jsonl").write_text(json.dumps(record) + "\n" + json.dumps({}) + "\n")
    ingest(raw, lake, "run-1")
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(lake, "quarantine")}
    wide = reasons["feed.jsonl:1"]
    assert wide.startswith("no article text (fields: field_000_xxx")
    assert wide.endswith(" more)") and len(wide) < 300 and "\n" not in wide
    assert reasons["feed.jsonl:2"] == "no article text (fields: none)"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffBOM story “quoted”.".encode(), "utf-8-sig"),
        ("UTF-16 story “quoted”.".encode("utf-16"), "utf-16"),
        ("Windows story “quoted”.".encode("cp1252"), "cp1252"),
    ],
)
def test_encodings_decode_to_the_same_text(raw, lake, data, encoding):
    (raw / "story.txt").write_bytes(data)
    ingest(raw, lake, "run-1")
    row = lake_rows(lake)[0]
    assert row["encoding"] == encoding
    assert "“quoted”" in row["text"] and "\ufeff" not in row["text"]


def test_the_mojibake_shortcut_skips_ftfy_only_where_ftfy_would_change_nothing():
    """may_be_mojibake spares ftfy's slow check; whenever it says no, ftfy leaves the text as is,
    and it says yes to UTF-8 read in every single-byte encoding ftfy repairs."""
    seeds = [path.read_text(encoding="utf-8") for path in sorted(SEEDS_DIR.glob("*.txt"))]
    accented = [text for text in seeds if not text.isascii()]
    assert accented  # curly quotes: the seeds are real news
    garbled = [
        text.encode("utf-8").decode(encoding, errors="replace")
        for text in accented
        for encoding in ("latin-1", "windows-1252", "windows-1251", "macroman", "cp437")
    ]
    garbled.append("Caf\u00c3\u00a9 au lait, \u00c3 la carte")  # a 0xA0 byte lost as a space
    assert all(may_be_mojibake(text) for text in garbled)
    # Random strings of the characters that matter: ASCII, quotes and dashes, accented, Cyrillic,
    # Greek, box drawing, no-break space, C1 controls, replacement characters.
    pool = list("ab e.") + list(
        "’‘“”–—…•éèÃÂâ€™ÐÑ¢°©±µ»«ï¿½ЖжΩ╔░\u00a0\u0080\u0081\u0093\u009d\ufffd\x1a"
    )
    rng = random.Random(5)
    fuzz = ["".join(rng.choice(pool) for _ in range(rng.randint(2, 10))) for _ in range(20000)]
    skipped = [text for text in seeds + garbled + fuzz if not may_be_mojibake(text)]
    assert len(skipped) > 2000  # the shortcut is taken, not just declined
    assert [text for text in skipped if ftfy.fix_encoding(text) != text] == []


def test_mojibake_is_repaired_and_flagged(raw, lake):
    (raw / "moji.txt").write_bytes("Europe’s largest conflict".encode().decode("cp1252").encode())
    ingest(raw, lake, "run-1")
    row = lake_rows(lake)[0]
    assert row["text"] == "Europe’s largest conflict"
    assert row["repairs"] == "mojibake"


def test_line_endings_do_not_change_the_doc_id(raw, lake):
    (raw / "unix.txt").write_bytes(b"Line one.\nLine two.\n")
    (raw / "dos.txt").write_bytes(b"Line one.\r\nLine two.\r\n")
    (raw / "mac.txt").write_bytes(b"Line one.\rLine two.\r")
    report = ingest(raw, lake, "run-1")
    assert (report.documents_new, report.documents_duplicate) == (1, 2)


def test_empty_whitespace_and_binary_files_are_quarantined_with_reasons(raw, lake):
    (raw / "empty.txt").write_bytes(b"")
    (raw / "blank.txt").write_bytes(b"  \n\t\n")
    (raw / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (raw / "good.txt").write_text("A story that is fine.")
    report = ingest(raw, lake, "run-1")
    assert (report.files_listed, report.files_accepted, report.files_quarantined) == (4, 1, 3)
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(lake, "quarantine")}
    assert reasons["empty.txt"] == "empty file"
    assert reasons["blank.txt"] == "empty file"
    assert reasons["image.txt"].startswith("binary content")


def test_pipes_links_outside_and_unknown_types_are_skipped_not_read(raw, lake, tmp_path):
    os.mkfifo(raw / "pipe.txt")  # reading it would block forever
    outside = tmp_path / "secret.txt"
    outside.write_text("not for ingest")
    (raw / "link.txt").symlink_to(outside)
    (raw / "notes.md").write_text("# readme")
    (raw / "b[1] ünï code.txt").write_text("A story with an awkward file name.")
    report = ingest(raw, lake, "run-1")
    assert report.documents_new == 1 and report.files_skipped == 3
    assert any("pipe" in line for line in report.skipped)
    assert any("outside the raw folder" in line for line in report.skipped)
    assert lake_rows(lake)[0]["source_id"] == "b[1] ünï code.txt"


def test_no_temp_files_are_left_in_the_lake(seeds, lake):
    ingest(seeds, lake, "run-1")
    assert not list(lake.glob("**/.*.tmp"))


def test_symlink_loops_dangling_links_and_partial_files_are_skipped_with_a_reason(raw, lake):
    (raw / "story.txt").write_text("A story that is long enough to be an article of its own.")
    (raw / "loop-a.txt").symlink_to(raw / "loop-b.txt")
    (raw / "loop-b.txt").symlink_to(raw / "loop-a.txt")
    (raw / "gone.txt").symlink_to(raw / "never-written.txt")
    (raw / "feed.jsonl.part").write_text('{"text": "half a feed')
    (raw / ".~lock.story.txt#").write_text("an editor's lock file")
    report = ingest(raw, lake, "run-1")
    assert report.documents_new == 1 and report.files_skipped == 5 and report.reconciles()
    reasons = {line.split(":", 1)[0]: line for line in report.skipped}
    assert "loop" in reasons["loop-a.txt"] and "loop" in reasons["loop-b.txt"]
    assert "broken symlink" in reasons["gone.txt"]
    assert "partial file" in reasons["feed.jsonl.part"]
    assert "hidden name" in reasons[".~lock.story.txt#"]


def test_every_record_read_and_file_skipped_gets_one_ledger_row_that_reconciles(raw, lake):
    story = "A story long enough to be an article, filed from the harbour at dawn."
    (raw / "a.txt").write_text(story)
    (raw / "b-same-text.txt").write_text(story)
    (raw / "empty.txt").write_text("   ")
    (raw / ".hidden.txt").write_text(story)
    (raw / "notes.pdf").write_bytes(b"%PDF")
    lines = [json.dumps({"id": "feed-1", "text": "The feed's first story."}), "{broken", ""]
    (raw / "feed.jsonl").write_text("\n".join(lines) + "\n")

    report = ingest(raw, lake, "run-1")
    ledger = lake_rows(lake, "inputs")
    outcomes = {(r["source_id"], r["outcome"]) for r in ledger}
    assert outcomes == {
        ("a.txt", "accepted"),
        ("b-same-text.txt", "duplicate"),
        ("empty.txt", "quarantined"),
        (".hidden.txt", "skipped"),
        ("notes.pdf", "skipped"),
        ("feed-1", "accepted"),
        ("feed.jsonl:2", "quarantined"),
    }
    assert len(ledger) == len(outcomes)
    by_source = {r["source_id"]: r for r in ledger}
    assert by_source["b-same-text.txt"]["doc_id"] == by_source["a.txt"]["doc_id"]
    assert by_source["feed.jsonl:2"]["reason"].startswith("invalid JSON")
    assert by_source["feed-1"]["source_path"] == "feed.jsonl"
    assert by_source["a.txt"]["reason"] is None
    assert all(r["run_id"] == "run-1" for r in ledger)
    assert report.reconciles()
    assert ledger_counts(ledger) == report.by_outcome()

    # The next night reads nothing again and writes no row for the files it did not read (it
    # counts them); the ones that only quarantined are read again, the skipped ones skipped again.
    second = ingest(raw, lake, "run-2")
    tonight = [r for r in lake_rows(lake, "inputs") if r["run_id"] == "run-2"]
    assert ledger_counts(tonight) == second.by_outcome()
    assert second.files_unchanged == 3  # a.txt, b-same-text.txt, feed.jsonl
    assert {r["source_path"] for r in tonight} == {".hidden.txt", "notes.pdf", "empty.txt"}


def ledger_counts(rows):
    counts = dict.fromkeys(("accepted", "duplicate", "quarantined", "skipped"), 0)
    for row in rows:
        counts[row["outcome"]] += 1
    return counts


def test_a_gzipped_text_is_read_like_the_text_and_a_broken_or_inflating_one_is_quarantined(
    raw, lake, monkeypatch
):
    story = "A story that arrived compressed, long enough to be an article of its own."
    (raw / "plain.txt").write_text(story)
    (raw / "zipped.txt.gz").write_bytes(gzip.compress((story + " Same words, gzipped.").encode()))
    (raw / "cut.txt.gz").write_bytes(gzip.compress(story.encode() * 50)[:40])
    monkeypatch.setattr(copydesk.ingest.readers, "MAX_RECORD_BYTES", 1024)
    (raw / "bomb.txt.gz").write_bytes(gzip.compress(b"a" * 4096))
    report = ingest(raw, lake, "run-1")
    texts = {r["source_id"]: r["text"] for r in lake_rows(lake)}
    assert texts["zipped.txt.gz"] == story + " Same words, gzipped."
    assert {r["format"] for r in lake_rows(lake)} == {"txt"}
    reasons = {r["source_id"]: r["reason"] for r in lake_rows(lake, "quarantine")}
    assert "compressed stream broken" in reasons["cut.txt.gz"]
    assert "inflates to more than one article" in reasons["bomb.txt.gz"]
    assert report.documents_new == 2 and report.reconciles()


def test_a_file_modified_within_the_settle_time_is_skipped_and_read_on_a_later_night(raw, lake):
    (raw / "done.txt").write_text("A story written an hour ago, long enough to be an article.")
    an_hour_ago = time.time() - 3600
    os.utime(raw / "done.txt", (an_hour_ago, an_hour_ago))
    (raw / "writing.txt").write_text("A story the crawler is still writing at this very")
    tonight = ingest(raw, lake, "run-1", settle_seconds=60)
    assert tonight.documents_new == 1
    assert tonight.skipped == ["writing.txt: modified in the last 60 s: still being written?"]
    os.utime(raw / "writing.txt", (an_hour_ago, an_hour_ago))
    assert ingest(raw, lake, "run-2", settle_seconds=60).documents_new == 1


def test_files_are_read_in_path_order_part_by_part(raw, lake):
    # "a/b.txt" before "a-b/c.txt" as Path orders them ('/' sorts after '-' as a character):
    # the first occurrence of a text wins, so the order decides which file a document is.
    for name in ("a-b/c.txt", "a/b.txt", "a.txt"):
        (raw / name).parent.mkdir(parents=True, exist_ok=True)
        (raw / name).write_text("The same story.")
    ingest(raw, lake, "run-1")
    [document] = lake_rows(lake)
    assert document["source_path"] == sorted(["a-b/c.txt", "a/b.txt", "a.txt"], key=Path)[0]
    assert document["source_path"] == "a/b.txt"


def test_a_record_whose_text_normalizes_to_nothing_names_its_fields(raw, lake):
    (raw / "feed.jsonl").write_text(json.dumps({"id": "9", "text": "\ufeff\r\n"}) + "\n")
    ingest(raw, lake, "run-1")
    [bad] = lake_rows(lake, "quarantine")
    assert bad["reason"] == "no article text (fields: id, text)"
