"""Side-by-side scoring: pure functions of found and true relations, and the truth per document."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path

from copydesk.settings import PROJECT_ROOT as ROOT
from copydesk.synth.edits import LOCAL_PARAGRAPHS  # noqa: E402

OUTLETS_CSV = ROOT / "data" / "reference" / "outlets.csv"
JACCARD_BINS = (0.0, 0.2, 0.3, 0.5, 0.8)
PREFIX = re.compile(r"^\s*(?:date \S+ )?[A-Z][A-Z .'’-]*:\s*")  # " date ... CITY: " of a text
URL_DATE = re.compile(r"/\d{4}/\d{2}/\d{2}/")


def pairs_of_groups(groups: Mapping[str, str]) -> set[tuple[str, str]]:
    """Every pair of documents (sorted) that share a group, from document -> group."""
    members: dict[str, list[str]] = {}
    for doc, group in groups.items():
        members.setdefault(group, []).append(doc)
    return {
        tuple(sorted(pair)) for docs in members.values() for pair in itertools.combinations(docs, 2)
    }


def pair_scores(
    found: set[tuple[str, str]],
    truth: set[tuple[str, str]],
    subsets: Mapping[str, set[tuple[str, str]]] | None = None,
) -> dict:
    """Precision and recall of found pairs against true pairs, and recall on named subsets."""
    right = len(found & truth)
    scores = {
        "pairs_found": len(found),
        "pairs_true": len(truth),
        "pairs_right": right,
        "precision": round(right / len(found), 4) if found else 1.0,
        "recall": round(right / len(truth), 4) if truth else 1.0,
    }
    scores["recall_on"] = {
        name: {
            "pairs": len(subset),
            "recall": round(len(found & subset) / len(subset), 4) if subset else None,
        }
        for name, subset in (subsets or {}).items()
    }
    return scores


def group_scores(found: Mapping[str, str], truth: Mapping[str, str]) -> dict:
    """Pair precision and recall of a grouping, counted without listing the pairs (a component of
    10,000 documents would be 50 M pairs): both map every scored document to its group."""
    found_sizes = Counter(found.values())
    true_sizes = Counter(truth[doc] for doc in found)
    both = Counter((found[doc], truth[doc]) for doc in found)
    found_pairs = sum(n * (n - 1) // 2 for n in found_sizes.values())
    true_pairs = sum(n * (n - 1) // 2 for n in true_sizes.values())
    right = sum(n * (n - 1) // 2 for n in both.values())
    return {
        "pairs_found": found_pairs,
        "pairs_true": true_pairs,
        "pairs_right": right,
        "precision": round(right / found_pairs, 4) if found_pairs else 1.0,
        "recall": round(right / true_pairs, 4) if true_pairs else 1.0,
        "largest_group": max(found_sizes.values(), default=0),
    }


def date_accuracy(rows: Iterable[tuple[str, date | None, date]]) -> dict[str, dict]:
    """Exact-date accuracy per case and over all, from (case, found date or None, true date)."""
    counts: dict[str, list[int]] = {}
    for case, found, true in rows:
        for key in (case, "all"):
            tally = counts.setdefault(key, [0, 0])
            tally[0] += 1
            tally[1] += found == true
    return {
        case: {"documents": n, "right": right, "accuracy": round(right / n, 4)}
        for case, (n, right) in sorted(counts.items(), key=lambda item: (item[0] == "all", item[0]))
    }


def jaccard_bin(jaccard: float) -> str:
    """The named bin ("0.30-0.50") a true pair's exact shingle Jaccard falls in."""
    lower = max(b for b in JACCARD_BINS if b <= jaccard)
    upper = next((b for b in JACCARD_BINS if b > jaccard), 1.0)
    return f"jaccard {lower:.2f}-{upper:.2f}"


def paragraphs_of(text: str) -> list[str]:
    """A document's paragraphs as synth wrote them: the header and dateline prefix taken off."""
    return [p.strip() for p in PREFIX.sub("", text, count=1).split("\n\n") if p.strip()]


def edit_kinds(original: str, copy: str) -> set[str]:
    """Which edits of bench/copies.py turned the original's text into the copy's, read from the
    two texts (the truth does not record them): padded, teasers, reworded, shortened."""
    before, after = paragraphs_of(original), paragraphs_of(copy)
    kept = set(before)
    kinds = set()
    if after and after[-1].endswith(" and") and after[-1] not in kept:
        kinds.add("teasers")
        after = after[:-2] if len(after) >= 2 and after[-2].endswith(" and") else after[:-1]
    if any(p in LOCAL_PARAGRAPHS for p in after):
        kinds.add("padded")
    own = [p for p in after if p not in LOCAL_PARAGRAPHS]
    reworded = sum(p not in kept for p in own)
    if reworded:
        kinds.add("reworded")
    if len(before) - (len(own) - reworded) > reworded:  # more paragraphs gone than rewritten
        kinds.add("shortened")
    return kinds


def date_case(truth: dict, format_: str, url: str | None, date_hint: str | None) -> str:
    """The header case a document's date is scored under: its format, its header kind, and for
    records without a header whether a date sits in the url or the metadata."""
    if format_ == "txt":
        if truth["header"] == "clean":
            day = date.fromisoformat(truth["true_date"])
            ambiguous = day.day <= 12 and day.day != day.month
            return "txt, clean header, day <= 12" if ambiguous else "txt, clean header, day > 12"
        return f"txt, {truth['header']} header"
    in_url = "date in url" if url and URL_DATE.search(url) else "no date in url"
    if format_ == "json" and date_hint:
        return "json, date_publish"
    return f"{format_}, {in_url}"


def reference_outlets(path: Path = OUTLETS_CSV) -> dict[str, str]:
    """Reference domain -> outlet name (data/reference/outlets.csv)."""
    with path.open(encoding="utf-8") as handle:
        return {row["domain"]: row["outlet"] for row in csv.DictReader(handle)}


def expected_outlet(domain: str, reference: Mapping[str, str]) -> str:
    """The outlet Copydesk should name for a planted domain: the reference name, else the
    registrable domain (synth puts unknown outlets on "english." subdomains sometimes)."""
    bare = domain.removeprefix("english.")
    return reference.get(bare, bare)


def components(pairs: set[tuple[str, str]], docs: Iterable[str]) -> dict[str, str]:
    """Connected components of pairs over docs (union-find): document -> its root."""
    parent = {doc: doc for doc in docs}

    def root(doc: str) -> str:
        while parent[doc] != doc:
            parent[doc] = parent[parent[doc]]
            doc = parent[doc]
        return doc

    for a, b in pairs:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {doc: root(doc) for doc in parent}


def score_copies(found: set[tuple[str, str]], truth: dict) -> dict:
    """Pair scores of found pairs (restricted to scored documents) and of their components."""
    docs = truth["article_of"]
    found = {pair for pair in found if pair[0] in docs and pair[1] in docs}
    scores = pair_scores(found, truth["pairs"], truth["subsets"])
    scores["groups"] = group_scores(components(found, docs), docs)
    return scores


def copy_truth(documents: Mapping[str, tuple[dict, dict]], overlaps: Mapping) -> dict:
    """True pairs over scored documents, and the subsets recall is reported on."""
    article_of = {d["doc_id"]: t["article"] for t, d in documents.values()}
    pairs = pairs_of_groups(article_of)
    kinds_of: dict[str, set[str]] = {}
    by_source = {t["source_id"]: d for t, d in documents.values()}
    for t, d in documents.values():
        original = by_source.get(t["copy_of"]) if t["copy_of"] else None
        if t["copy_of"]:
            kinds_of[d["doc_id"]] = edit_kinds(original["text"], d["text"]) if original else {"?"}
    subsets: dict[str, set[tuple[str, str]]] = {}
    for a, b in pairs:
        kinds = kinds_of.get(a, set()) | kinds_of.get(b, set())
        if kinds - {"?"}:
            subsets.setdefault("edited copies", set()).add((a, b))
        for kind in kinds - {"?"}:
            subsets.setdefault(f"edit: {kind}", set()).add((a, b))
        subsets.setdefault(jaccard_bin(overlaps[(a, b)]), set()).add((a, b))
    return {"article_of": article_of, "pairs": pairs, "subsets": dict(sorted(subsets.items()))}
