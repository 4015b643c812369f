"""The scale benchmark's synthetic corpus (`copydesk synth`): deterministic, mixed, and realistic
where it matters for copy detection — independent articles share (almost) no 5-word runs, while
planted copies share many."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from datetime import date
from pathlib import Path

import pytest

from copydesk.synth import DEVSET, synth

pytestmark = pytest.mark.skipif(not DEVSET.exists(), reason="needs ../shared/devsets")
HEADER = re.compile(r"^ date (\S+) [A-Z][A-Z .'-]*: ")


def tree_digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_corpus(root: Path) -> tuple[list[dict], dict[str, str]]:
    """The truth rows, and each document's body text by source_id (header stripped)."""
    truth = [json.loads(line) for line in (root / "truth.jsonl").read_text().splitlines()]
    texts = {}
    for part in sorted((root / "raw" / "jsonl").glob("*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            texts[record["id"]] = record["text"]
    for row in truth:
        if row["format"] == "txt":
            texts[row["source_id"]] = (root / "raw" / row["source_id"]).read_text(encoding="utf-8")
        elif row["format"] == "json":
            record = json.loads((root / "raw" / row["source_id"]).read_text(encoding="utf-8"))
            texts[row["source_id"]] = record["maintext"]
    return truth, texts


def shingles(text: str) -> set[str]:
    """As sql/intermediate/copies/int_shingles.sql: five consecutive lowercased letter/digit words."""
    body = HEADER.sub("", text)
    words = re.findall(r"[^\W_]+", body.lower())
    return {" ".join(words[i : i + 5]) for i in range(len(words) - 4)}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, list[dict], dict[str, str]]:
    root = tmp_path_factory.mktemp("synth") / "a"
    synth(400, root, seed=11)
    truth, texts = read_corpus(root)
    return root, truth, texts


def test_same_seed_same_bytes_other_seed_other_bytes(corpus, tmp_path):
    root, _, _ = corpus
    synth(400, tmp_path / "again", seed=11)
    synth(400, tmp_path / "other", seed=12)
    assert tree_digest(tmp_path / "again") == tree_digest(root)
    assert tree_digest(tmp_path / "other") != tree_digest(root)


def test_the_format_mix_is_present(corpus):
    root, truth, texts = corpus
    assert len(truth) == 400
    assert set(texts) == {row["source_id"] for row in truth}  # every truth row has its document
    formats = {fmt: sum(row["format"] == fmt for row in truth) for fmt in ("txt", "jsonl", "json")}
    assert formats["txt"] > formats["jsonl"] > formats["json"] > 0
    headers = {row["header"] for row in truth if row["format"] == "txt"}
    assert {"clean", "missing"} <= headers
    assert any(row["copy_of"] for row in truth)
    outlets = {row["outlet"] for row in truth if row["outlet"]}
    reference = (Path(__file__).parent.parent / "data/reference/outlets.csv").read_text()
    known = {line.split(",")[0] for line in reference.splitlines()[1:]}
    assert outlets & known and outlets - known  # reference outlets and unknown domains
    record = json.loads(next((root / "raw" / "jsonl").glob("*.jsonl")).read_text().splitlines()[0])
    assert {"id", "url", "outlet", "fetched_at", "text"} <= set(record)
    news_please = next(row for row in truth if row["format"] == "json")
    record = json.loads((root / "raw" / news_please["source_id"]).read_text())
    assert {"url", "source_domain", "maintext", "date_download"} <= set(record)


def test_headers_are_inverted_only_where_the_day_can_be_a_month(tmp_path):
    synth(1500, tmp_path, seed=5)
    truth = [json.loads(line) for line in (tmp_path / "truth.jsonl").read_text().splitlines()]
    inverted = [row for row in truth if row["header"] == "inverted"]
    assert inverted
    for row in inverted:
        true = date.fromisoformat(row["true_date"])
        assert true.day <= 12 and true.day != true.month
        written = HEADER.match((tmp_path / "raw" / row["source_id"]).read_text()).group(1)
        assert written == f"{true.year}-{true.day:02d}-{true.month:02d}"
    for row in truth:
        if row["header"] == "clean":
            written = HEADER.match((tmp_path / "raw" / row["source_id"]).read_text()).group(1)
            assert written == row["true_date"]
        elif row["header"] == "missing":
            assert not HEADER.match((tmp_path / "raw" / row["source_id"]).read_text())


def test_independent_articles_share_almost_no_shingles_while_copies_do(corpus):
    _, truth, texts = corpus
    sets = {row["source_id"]: shingles(texts[row["source_id"]]) for row in truth}
    originals = [row["source_id"] for row in truth if not row["copy_of"]]
    assert len(originals) >= 200

    def containment(a: str, b: str) -> float:
        return len(sets[a] & sets[b]) / max(1, min(len(sets[a]), len(sets[b])))

    pairs = list(itertools.combinations(originals, 2))
    sharing = sum(bool(sets[a] & sets[b]) for a, b in pairs)
    # Two independent articles may share a run of function words ("over the next few years")
    # when they were rewritten from the same devset article; nothing near a copy.
    assert sharing / len(pairs) < 0.02
    assert max(containment(a, b) for a, b in pairs) < 0.1

    copies = [(row["source_id"], row["copy_of"]) for row in truth if row["copy_of"]]
    assert len(copies) >= 50
    found = [containment(a, b) >= 0.35 for a, b in copies]  # the pipeline's copy threshold
    assert sum(found) / len(found) >= 0.95
