"""Property test: any raw folder, however hostile, publishes, and every input is in the ledger.

`make test` runs a short fixed-seed profile; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) a long one.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flows.nightly import nightly
from tests.conftest import SEEDS_DIR

pytestmark = pytest.mark.usefixtures("prefect_server")

settings.register_profile(
    "ci",
    max_examples=3,
    derandomize=True,  # the same folders on every run: a failure in `make test` reproduces
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)
settings.register_profile(
    "fuzz",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
HUGE_LINE = int(os.environ.get("COPYDESK_FUZZ_HUGE_LINE", 2 * 1024 * 1024))

# Characters real dumps carry and naive code trips on: right-to-left marks, combining accents,
# NULs, BOMs, line and paragraph separators, quotes, HTML.
HOSTILE = "\u202e\u200f\u0301\u0000\ufeff\u2028\u2029\r\x0b\"'<>&"
unicode_text = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(list(HOSTILE))), max_size=400
)
header_values = st.one_of(
    st.sampled_from(
        [
            "2025-06-02",
            "2025-06",
            "2025",
            "06/02/2025",
            "yesterday",
            "2025-06-02T25:61:00+25:00",
            "2025-13-45",
            "0000-00-00",
            "1970-01-01",
            "2099-12-31",
            "",
        ]
    ),
    st.text(max_size=30),
)


@st.composite
def article_texts(draw) -> str:
    """A text with zero, one or two ` date` headers over any body: words, HTML, unicode or a
    line of over a megabyte."""
    headers = draw(st.lists(header_values, max_size=2))
    body = draw(
        st.one_of(
            unicode_text,
            st.just("<html><script>alert(1)</script><p>Paris (AFP) - A story.</p></html>"),
            st.just(""),
            st.builds(lambda n: "word " * n, st.integers(HUGE_LINE // 10, HUGE_LINE // 5)),
        )
    )
    return "".join(f" date {header}\n" for header in headers) + body


def as_bytes(text: str) -> bytes:
    """UTF-8, with lone surrogates (which hypothesis draws) written as the invalid bytes a broken
    crawler would write."""
    return text.encode("utf-8", "surrogatepass")


@st.composite
def raw_files(draw) -> tuple[str, bytes, int]:
    """One raw file: (name, bytes, how many ledger rows it must give)."""
    kind = draw(st.sampled_from(["txt", "txt.gz", "json", "jsonl", "binary", "other"]))
    if kind == "txt":
        return "txt", as_bytes(draw(article_texts())), 1
    if kind == "txt.gz":
        return "txt.gz", gzip.compress(as_bytes(draw(article_texts()))), 1
    if kind == "binary":
        return "txt", draw(st.binary(max_size=2000)), 1
    if kind == "other":
        return draw(st.sampled_from(["md", "html", "txt.part"])), b"not read", 1
    if kind == "json":
        record = {"title": draw(unicode_text), "maintext": draw(article_texts())}
        record["date_publish"] = draw(st.one_of(st.none(), header_values, st.integers()))
        return "json", json.dumps(record).encode(), 1
    values = st.one_of(st.none(), st.integers(), unicode_text, article_texts())
    records = draw(
        st.lists(
            st.one_of(
                st.dictionaries(st.sampled_from(["text", "url", "date", "id"]), values),
                st.just("{broken"),
                unicode_text.map(json.dumps),
            ),
            min_size=1,
            max_size=6,
        )
    )
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    data = as_bytes("\n".join(lines) + "\n")
    return "jsonl", data, sum(1 for line in data.split(b"\n") if line.strip())


# Names with glob and shell characters, spaces, quotes and unicode; never a slash or a NUL.
file_names = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("*?[]{}$`'\"; |&<>!#%~()-_ .")),
        st.characters(blacklist_categories=["Cs", "Cc"], blacklist_characters="/"),
    ),
    min_size=1,
    max_size=40,
).filter(lambda name: name not in (".", "..") and not name.startswith("."))


@given(files=st.lists(st.tuples(file_names, raw_files()), max_size=12, unique_by=lambda f: f[0]))
def test_any_raw_folder_publishes_and_every_input_is_in_the_ledger(files):
    with tempfile.TemporaryDirectory(prefix="copydesk-fuzz-") as folder:
        raw, data = Path(folder) / "raw", Path(folder) / "data"
        shutil.copytree(SEEDS_DIR, raw)  # good articles among the hostile ones
        expected = {path.name: 1 for path in raw.iterdir()}
        for index, (stem, (suffix, content, rows)) in enumerate(files):
            name = f"{index:02d}-{stem}.{suffix}"
            (raw / name).write_bytes(content)
            expected[name] = rows

        summary = nightly(raw_dir=str(raw), data_dir=str(data))

        assert summary.status == "published"
        with duckdb.connect(str(data / "warehouse.duckdb"), read_only=True) as conn:
            ledger = conn.execute(
                "select source_path, count(*) from inputs where run_id = ? group by 1",
                [summary.run_id],
            ).fetchall()
            published = {
                row[0] for row in conn.execute("select source_id from articles").fetchall()
            }
        assert dict(ledger) == expected
        assert {path.name for path in SEEDS_DIR.iterdir()} <= published
