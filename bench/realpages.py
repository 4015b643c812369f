"""Real page dumps benchmark: NAEB pages, UCI titles and wire datelines, per devset half.

Built from ../shared/devsets (see bench/devsets.py for the fixed tuning/test split):
- dates: NAEB's full page dumps (menus, share buttons, footers around the article) in the seed
  format (" date YYYY-MM-DD " then the text) with the true header, no header (with and without a
  fetch time 0-36 h after the gold day's start), an inverted header (day <= 12, day != month) with
  and without a fetch time, the same pages' true ambiguous header (page only, and with a fetch
  time), and as JSONL records with their url and title and no date. One in-memory warehouse per
  case and half: one case's copy of a page never lends to another case;
- a night: all pages of a half in one build, a fifth undated with a fetch time, a fifth of those
  with an ambiguous date inverted, a quarter of the articles reprinted under two or three other
  sites' page furniture (same half), half of those undated with a fetch time: dates, copy
  pairs (a site's own template around two stories must not make them copies), stories (pairwise
  against the NAEB article, the largest story's time span, stories over 7 days whose members are
  not all one copy group);
- outlets: the articles mart's outlet for NAEB's urls against the site host, and for UCI's urls
  against PUBLISHER for that HOSTNAME; UCI's titles (as JSONL records, title as text) clustered
  into stories, pairwise against UCI's STORY labels;
- wire agency: MEANTIME and NAEB articles whose first line is `CITY (AGENCY) - ...` ending in
  ":", ")", a quote or ".".
NAEB's gold dates are checked against the url's own date; scores are given with and without the
doubtful ones, and a ceiling (the gold date written in full somewhere in the page or url).

Usage: python bench/realpages.py [--half tune|test|both] [--seed N] [--only PART ...]
(parts: dates, peers, night, outlets, wire; a run of some parts, e.g. `--half tune --only
night` while tuning copies, gives the same figures for them as a full run)
Writes bench/out/realpages_results.json and the headline figures to bench/results.json under
"realpages" (other keys are kept).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import re
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/realpages.py` puts bench/, not the project, first
    sys.path.insert(0, str(ROOT))

from bench import devsets  # noqa: E402
from bench.baselines import DATEPARSER_CHARS, dateparser_fair, htmldate_dates  # noqa: E402
from copydesk.ingest.readers import lake_row  # noqa: E402
from copydesk.warehouse.build import build_in_memory  # noqa: E402

OUT = ROOT / "bench" / "out" / "realpages_results.json"
RESULTS = ROOT / "bench" / "results.json"
NOW = datetime(2026, 1, 1, tzinfo=UTC)  # ingest day, as in bench/quality.py: years away
TARGETS = {
    "dates_on_page_dumps": 0.90,
    "inversions_repaired": 0.90,
    "undated_with_fetch_time": 0.90,
    "copy_precision": 0.97,
    "copy_recall": 0.95,
    "wire_agency": 0.99,
    "outlets": 0.98,
    "stories_over_7_days_not_all_copies": 0,
    "clean_headers_kept": 0.995,
    "clean_ambiguous_kept": 0.995,
    "false_repairs_max": 0.005,
}
PARTS = frozenset({"dates", "peers", "night", "outlets", "wire"})
AGENCIES = ("AFP", "Reuters", "AP", "Xinhua")
CITIES = ("PARIS", "WASHINGTON", "BEIJING", "NEW DELHI", "NAIROBI", "BRUSSELS", "SAO PAULO")
GENERIC_SUBDOMAINS = {"www", "www2", "www3", "m", "amp", "mobile", "edition", "english", "en"}
GENERIC_SUBDOMAINS |= {"blogs", "blog", "news", "home", "us", "uk", "in", "ca", "au", "eu"}
GENERIC_SUBDOMAINS |= {"about", "newsroom", "online", "stream", "video", "edition"}
NAME_SUFFIXES = {"news", "online", "digital", "tv", "mag", "daily"}
SECOND_LEVEL = {"co", "com", "org", "net", "ac", "gov", "ne", "or"}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
URL_DAY = re.compile(r"(?<!\d)(20\d{2}|19\d{2})[/_-]?(\d{2})[/_-]?(\d{2})(?!\d)")
URL_MONTH = re.compile(r"/(20\d{2}|19\d{2})/(\d{2})/")


def document(text: str, source_id: str, run_id: str = "realpages", **fields) -> dict:
    """A lake row as ingest writes it."""
    return lake_row(text, source_id, NOW, run_id, **fields)


def gold_of(article: dict) -> date | None:
    return date.fromisoformat(article["gold_date"]) if article.get("gold_date") else None


def is_ambiguous(day: date) -> bool:
    return day.day <= 12 and day.day != day.month


def fetch_time(gold: date, rng: random.Random) -> datetime:
    """Some hours (0-36) after the start of the gold day, as a crawler fetches fresh news."""
    return datetime.combine(gold, datetime.min.time(), UTC) + timedelta(
        seconds=rng.uniform(0, 36 * 3600)
    )


# --- gold checks and the evidence ceiling -------------------------------------------------------


def url_date(url: str | None) -> tuple[date | None, tuple[int, int] | None]:
    """The full date a url states (/2023/12/17/, 2023-12-17, 20231217), else its year-month."""
    if not url:
        return None, None
    path = re.sub(r"^https?://[^/]+", "", url)
    for match in URL_DAY.finditer(path):
        year, month, day = (int(g) for g in match.groups())
        try:
            return date(year, month, day), (year, month)
        except ValueError:
            continue
    month_match = URL_MONTH.search(path)
    if month_match and 1 <= int(month_match.group(2)) <= 12:
        return None, (int(month_match.group(1)), int(month_match.group(2)))
    return None, None


def gold_doubtful(article: dict) -> bool:
    """The url states a date more than a day from the gold one, or another year-month."""
    gold = gold_of(article)
    if gold is None:
        return False
    day, month = url_date(article.get("url"))
    if day is not None:
        return abs((day - gold).days) > 1
    return month is not None and month != (gold.year, gold.month)


def written_forms(day: date) -> list[str]:
    """The ways a page or url writes a full date, lowercased."""
    month = MONTHS[day.month - 1]
    short = month[:3]
    names = {month, short, short + ".", "Sept." if day.month == 9 else short + "."}
    d, m, y = day.day, day.month, day.year
    forms = {
        f"{y}-{m:02d}-{d:02d}",
        f"{y}/{m:02d}/{d:02d}",
        f"{y}{m:02d}{d:02d}",
        f"{m}/{d}/{y}",
        f"{m:02d}/{d:02d}/{y}",
        f"{d}/{m}/{y}",
        f"{d:02d}/{m:02d}/{y}",
        f"{d:02d}.{m:02d}.{y}",
        f"{d}.{m}.{y}",
        f"{m:02d}.{d:02d}.{y}",
        f"{m}/{d}/{y % 100:02d}",
        f"{m:02d}/{d:02d}/{y % 100:02d}",
    }
    nth = f"{d}{'th' if 10 <= d % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(d % 10, 'th')}"
    for name in names:
        forms |= {f"{name} {d}, {y}", f"{name} {d:02d}, {y}", f"{d} {name} {y}", f"{name} {d} {y}"}
        forms |= {
            f"{name} {nth}, {y}",
            f"{name} {nth} {y}",
            f"{nth} {name} {y}",
            f"{d} {name}, {y}",
        }
    return [form.lower() for form in forms]


def gold_in_evidence(article: dict, year: bool = True) -> bool:
    """The gold date is written in full somewhere in the page dump or the url (year=False: its
    month and day alone, "Dec. 17", as a looser guide)."""
    gold = gold_of(article)
    page = " ".join(((article.get("page_text") or "") + " " + (article.get("url") or "")).split())
    page = page.lower()
    if year:
        return any(form in page for form in written_forms(gold))
    month = MONTHS[gold.month - 1]
    names = {month, month[:3], month[:3] + ".", "sept."}
    names = names if gold.month == 9 else names - {"sept."}
    return any(
        re.search(
            rf"\b{re.escape(n.lower())} 0?{gold.day}(?!\d)|\b{gold.day} {re.escape(n.lower())}\b",
            page,
        )
        for n in names
    )


# --- cases --------------------------------------------------------------------------------------


def date_cases(articles: list[dict], rng: random.Random) -> dict[str, list[tuple[dict, date]]]:
    """Every date case of one half: (document, gold date) pairs, each case built on its own."""
    cases: dict[str, list[tuple[dict, date]]] = {
        "true_header": [],
        "no_header": [],
        "no_header_with_fetch_time": [],
        "inverted_header": [],
        "inverted_header_with_fetch_time": [],
        "clean_ambiguous_header": [],
        "clean_ambiguous_header_with_fetch_time": [],
        "jsonl_url_no_date": [],
    }
    for article in articles:
        gold, page, ident = gold_of(article), article["page_text"], article["id"]
        fetched = fetch_time(gold, rng)
        cases["true_header"].append((document(f" date {gold} {page}", ident), gold))
        cases["no_header"].append((document(page, ident), gold))
        cases["no_header_with_fetch_time"].append((document(page, ident, fetched_at=fetched), gold))
        if is_ambiguous(gold):
            inverted = f" date {gold.year}-{gold.day:02d}-{gold.month:02d} {page}"
            cases["inverted_header"].append((document(inverted, ident), gold))
            cases["inverted_header_with_fetch_time"].append(
                (document(inverted, ident, fetched_at=fetched), gold)
            )
            # The same pages with their true header: whatever repairs the inverted ones from the
            # page alone must keep these.
            cases["clean_ambiguous_header"].append((document(f" date {gold} {page}", ident), gold))
            cases["clean_ambiguous_header_with_fetch_time"].append(
                (document(f" date {gold} {page}", ident, fetched_at=fetched), gold)
            )
        cases["jsonl_url_no_date"].append(
            (
                document(
                    page,
                    ident,
                    format="jsonl",
                    url=article["url"],
                    title_hint=article.get("title"),
                ),
                gold,
            )
        )
    return cases


def score_dates(pairs: list[tuple[dict, date]], doubtful: set[str]) -> dict:
    """Build one warehouse for a case; accuracy with and without the doubtful gold dates."""
    started = time.perf_counter()
    conn = build_in_memory([doc for doc, _ in pairs])
    published = dict(conn.execute("select source_id, published_date from articles").fetchall())
    conn.close()
    return date_scores(pairs, published, doubtful, time.perf_counter() - started)


def date_scores(pairs, published: dict, doubtful: set[str], seconds: float | None = None) -> dict:
    right = [published.get(doc["source_id"]) == gold for doc, gold in pairs]
    trusted = [
        ok for (doc, _), ok in zip(pairs, right, strict=True) if doc["source_id"] not in doubtful
    ]
    result = {
        "articles": len(pairs),
        "right": sum(right),
        "accuracy": round(sum(right) / len(pairs), 4) if pairs else None,
        "accuracy_trusted_gold": round(sum(trusted) / len(trusted), 4) if trusted else None,
        "undated": sum(1 for doc, _ in pairs if published.get(doc["source_id"]) is None),
        "wrong_examples": [
            {
                "id": doc["source_id"],
                "gold": str(gold),
                "published": str(published.get(doc["source_id"])),
            }
            for doc, gold in pairs
            if published.get(doc["source_id"]) != gold
        ][:8],
    }
    if seconds is not None:
        result["seconds"] = round(seconds, 2)
    return result


def peer_dates(pairs: list[tuple[dict, date]], doubtful: set[str]) -> dict:
    """dateparser and htmldate on the same records, given what a user would give them: the url
    (when the record has one), the title and text, the fetch time (else the ingest time)."""
    rows = [
        {
            "text": doc["text"],
            "url": doc.get("url"),
            "title_hint": doc.get("title_hint"),
            "date_hint": None,
            "relative_base": (doc.get("fetched_at") or doc["ingested_at"]).replace(tzinfo=None),
        }
        for doc, _ in pairs
    ]
    results = {}
    found, _, seconds = dateparser_fair(rows, DATEPARSER_CHARS)
    results["dateparser_url_then_text"] = _peer_score(pairs, found, doubtful, seconds)
    try:
        found, seconds = htmldate_dates(rows)
        results["htmldate_url_then_text"] = _peer_score(pairs, found, doubtful, seconds)
    except ImportError:
        results["htmldate_url_then_text"] = "not installed (pip install -e '.[dev]')"
    return results


def _peer_score(pairs, found, doubtful, seconds) -> dict:
    published = {doc["source_id"]: day for (doc, _), day in zip(pairs, found, strict=True)}
    scores = date_scores(pairs, published, doubtful, seconds)
    scores.pop("wrong_examples")
    return scores


def article_span(article: dict) -> tuple[list[str], int, int] | None:
    """A page dump's lines and where its article starts and ends in them, or None if not found."""
    lines = article["page_text"].split("\n")
    paragraphs = [p.strip() for p in article["text"].split("\n") if len(p.strip()) >= 30]
    if not paragraphs:
        return None
    heads = [p[:40] for p in paragraphs]
    found = [i for i, line in enumerate(lines) if any(line.strip().startswith(h) for h in heads)]
    if not found:
        return None
    return lines, found[0], found[-1]


def reprint(article: dict, template: dict) -> str | None:
    """The article's clean text under another page's furniture (its lines before and after its
    own article), the template's title line swapped for the article's."""
    span = article_span(template)
    if span is None:
        return None
    lines, start, end = span
    title = (template.get("title") or "").strip()
    head = [article["title"] if title and line.strip() == title else line for line in lines[:start]]
    return "\n".join([*head, article["text"], *lines[end + 1 :]])


def host_of(url: str) -> str:
    return re.sub(r"^[a-z]+://", "", url.lower()).split("/")[0].split(":")[0]


def night(
    articles: list[dict],
    rng: random.Random,
    doubtful: set[str],
    wikinews: list[dict] | None = None,
    wiki_rng: random.Random | None = None,
) -> dict:
    """All pages of a half in one build, some undated, a quarter reprinted on other sites; with
    the half's MEANTIME articles (Wikinews, 2004-2012) among them, a fifth undated: events and
    years mixed."""
    templates = [a for a in articles if article_span(a) is not None]
    rows: list[tuple[dict, date, str, str]] = []  # document, gold, article id, kind
    furniture: dict[str, str] = {}  # source_id -> the site whose page furniture it carries
    for article in articles:
        gold, ident = gold_of(article), article["id"]
        draw = rng.random()
        if draw < 0.2:
            doc = document(article["page_text"], ident, fetched_at=fetch_time(gold, rng))
            rows.append((doc, gold, ident, "original_undated_with_fetch_time"))
        elif draw < 0.4 and is_ambiguous(gold):
            inverted = f" date {gold.year}-{gold.day:02d}-{gold.month:02d} {article['page_text']}"
            rows.append((document(inverted, ident), gold, ident, "original_inverted_header"))
        else:
            rows.append(
                (document(f" date {gold} {article['page_text']}", ident), gold, ident, "original")
            )
        if rng.random() >= 0.25:
            continue
        others = [t for t in templates if t["site"] != article["site"]]
        for n, template in enumerate(rng.sample(others, k=min(len(others), rng.randint(2, 3)))):
            text = reprint(article, template)
            if text is None:
                continue
            sid = f"{ident}-on-{template['id']}"
            furniture[sid] = template["site"]
            if n % 2 == 0:
                doc = document(f" date {gold} {text}", sid)
                rows.append((doc, gold, ident, "copy_with_header"))
            else:
                doc = document(text, sid, fetched_at=fetch_time(gold, rng))
                rows.append((doc, gold, ident, "copy_undated_with_fetch_time"))
    wiki_rng = wiki_rng or random.Random(0)
    for article in wikinews or []:
        gold, ident = gold_of(article), f"mt-{article['doc_id']}"
        body = article["text_without_dateline"]
        if wiki_rng.random() < 0.2:
            doc = document(body, ident, fetched_at=fetch_time(gold, wiki_rng))
            rows.append((doc, gold, ident, "wikinews_undated_with_fetch_time"))
        else:
            rows.append((document(f" date {gold} {body}", ident), gold, ident, "wikinews"))
    started = time.perf_counter()
    conn = build_in_memory([doc for doc, *_ in rows])
    seconds = time.perf_counter() - started
    by_doc = {
        doc_id: (source_id, published, group, story)
        for doc_id, source_id, published, group, story in conn.execute(
            "select doc_id, source_id, published_date, copy_group_id, story_id from articles"
        ).fetchall()
    }
    found = {
        tuple(sorted(p))
        for p in conn.execute("select doc_a, doc_b from intermediate.int_copy_pairs").fetchall()
    }
    conn.close()
    published = {v[0]: v[1] for v in by_doc.values()}
    article_of = {doc["doc_id"]: ident for doc, _, ident, _ in rows}
    site_of = {a["id"]: a["site"] for a in articles}
    site_of |= {f"mt-{a['doc_id']}": "wikinews" for a in wikinews or []}
    truth = {
        tuple(sorted(p))
        for ids in _groups(article_of).values()
        for p in itertools.combinations(ids, 2)
    }
    found = {p for p in found if p[0] in article_of and p[1] in article_of}
    wrong = found - truth
    source_of = {doc["doc_id"]: doc["source_id"] for doc, *_ in rows}

    def site(doc_id: str) -> str:
        return furniture.get(source_of[doc_id], site_of[article_of[doc_id]])

    template_fp = [p for p in wrong if site(p[0]) == site(p[1])]
    result: dict = {
        "documents": len(rows),
        "build_seconds": round(seconds, 2),
        "dates": {
            kind: date_scores(
                [
                    (doc, gold)
                    for doc, gold, _, k in rows
                    if k == kind
                    or kind == "all"
                    or (kind == "naeb_pages" and not k.startswith("wikinews"))
                ],
                published,
                doubtful,
            )
            for kind in (
                "all",
                "naeb_pages",
                "original",
                "original_undated_with_fetch_time",
                "original_inverted_header",
                "copy_with_header",
                "copy_undated_with_fetch_time",
                "wikinews",
                "wikinews_undated_with_fetch_time",
            )
        },
        "copy_pairs": _pr(found, truth),
        "copy_pairs_wrong_same_site_furniture": len(template_fp),
        "copy_pairs_wrong_examples": [[source_of[a], source_of[b]] for a, b in sorted(wrong)[:10]],
        "copy_pairs_missed_examples": [
            [source_of[a], source_of[b]] for a, b in sorted(truth - found)[:10]
        ],
    }
    stories = _groups({d: v[3] for d, v in by_doc.items() if d in article_of})
    story_pairs = {
        tuple(sorted(p)) for ids in stories.values() for p in itertools.combinations(ids, 2)
    }
    result["story_pairs"] = _pr(story_pairs, truth)
    result["story_pairs"]["note"] = (
        "truth is one story per NAEB article: pairs of two articles on one event count as wrong"
    )
    spans = []
    for ids in stories.values():
        days = [by_doc[d][1] for d in ids if by_doc[d][1] is not None]
        span = (max(days) - min(days)).days if days else 0
        spans.append((span, len(ids), len({by_doc[d][2] for d in ids}) == 1, ids))
    result["stories"] = {
        "count": len(stories),
        "largest_size": max((s[1] for s in spans), default=0),
        "largest_story_span_days": max(
            (s[0] for s in spans if s[1] == max(x[1] for x in spans)), default=0
        ),
        "max_span_days": max((s[0] for s in spans), default=0),
        "over_7_days": sum(1 for s in spans if s[0] > 7),
        "over_7_days_not_all_copies": sum(1 for s in spans if s[0] > 7 and not s[2]),
        "over_7_days_examples": [
            {"span_days": s[0], "members": sorted(source_of[d] for d in s[3])[:8]}
            for s in sorted(spans, key=lambda s: -s[0])
            if s[0] > 7 and not s[2]
        ][:5],
    }
    return result


def _groups(mapping: dict) -> dict:
    groups: dict = {}
    for key, group in mapping.items():
        groups.setdefault(group, []).append(key)
    return groups


def _pr(found: set, truth: set) -> dict:
    right = len(found & truth)
    return {
        "found": len(found),
        "true": len(truth),
        "right": right,
        "precision": round(right / len(found), 4) if found else 1.0,
        "recall": round(right / len(truth), 4) if truth else 1.0,
    }


# --- outlets and UCI stories --------------------------------------------------------------------


def norm(name: str | None) -> str:
    """A name compared loosely: no parenthetical ("(blog)"), no leading "the", letters only."""
    name = re.sub(r"\(.*?\)", "", (name or "").replace("\\", "").lower()).strip()
    return re.sub(r"[^a-z0-9]", "", name.removeprefix("the "))


def name_forms(name: str | None) -> set[str]:
    """A name and its abbreviations: "The New York Times" -> newyorktimes, nytimes, nyt."""
    words = [w for w in re.findall(r"[a-z0-9]+", norm_words(name)) if w]
    forms = {norm(name)}
    if len(words) >= 2:
        forms |= {"".join(w[0] for w in words[:-1]) + words[-1], "".join(w[0] for w in words)}
    return {f for f in forms if f}


def norm_words(name: str | None) -> str:
    text = re.sub(r"\(.*?\)", "", (name or "").replace("\\", "").lower()).strip()
    return text.removeprefix("the ")


def host_names(host: str) -> set[str]:
    """What a host calls its outlet: abcnews.go.com -> abcnews (not go.com); www.cnn.com -> cnn,
    cnn.com; blogs.berkeley.edu -> berkeley.edu; www.news.com.au -> news, news.com.au."""
    labels = host.lower().removeprefix("www.").split(".")
    suffix = 2 if len(labels) >= 3 and labels[-2] in SECOND_LEVEL and len(labels[-1]) == 2 else 1
    while len(labels) > suffix + 1 and labels[0] in GENERIC_SUBDOMAINS:
        labels = labels[1:]
    brand = labels[:-suffix]
    names = {norm(".".join(labels)), norm(".".join(brand))}
    names |= {norm(label) for label in brand if len(label) >= 3}
    return names | {n.removeprefix("the") for n in names if n.startswith("the")}


def same_name(outlet: str | None, names: set[str]) -> bool:
    """One of the outlet's forms is one of the names, or one starts the other (4+ letters), or
    the name is the form and a generic word ("AP" for apnews.com)."""
    return any(
        form in names
        or any(
            min(len(form), len(n)) >= 4 and (form.startswith(n) or n.startswith(form))
            for n in names
        )
        or any(n.startswith(form) and n[len(form) :] in NAME_SUFFIXES for n in names)
        for form in name_forms(outlet)
    )


def outlet_names_host(outlet: str | None, host: str) -> bool:
    """The outlet names the host (see host_names)."""
    return same_name(outlet, host_names(host))


def naeb_outlets(articles: list[dict]) -> dict:
    docs = [
        document(a["page_text"], a["id"], format="jsonl", url=a["url"], title_hint=a.get("title"))
        for a in articles
    ]
    conn = build_in_memory(docs)
    found = dict(conn.execute("select source_id, outlet from articles").fetchall())
    conn.close()
    wrong = [
        {"url": a["url"], "site": host_of(a["site"]), "outlet": found.get(a["id"])}
        for a in articles
        if not (
            outlet_names_host(found.get(a["id"]), host_of(a["site"]))
            or outlet_names_host(found.get(a["id"]), host_of(a["url"]))
        )
    ]
    return {
        "urls": len(articles),
        "url_host_not_site": sum(
            host_names(host_of(a["url"])).isdisjoint(host_names(host_of(a["site"])))
            for a in articles
        ),
        "not_an_article": sum(a["id"] not in found for a in articles),
        "accuracy": round(1 - len(wrong) / len(articles), 4),
        "wrong": wrong[:15],
    }


def uci_build(rows: list[dict]) -> dict:
    """UCI rows as JSONL records (url, title as text; one per distinct title): outlets against
    PUBLISHER or HOSTNAME, stories pairwise against STORY."""
    seen: set[str] = set()
    kept = []
    for row in rows:
        if row["TITLE"].strip() and row["TITLE"] not in seen:
            seen.add(row["TITLE"])
            kept.append(row)
    docs = [
        document(r["TITLE"], f"uci-{r['ID']}", format="jsonl", url=r["URL"], title_hint=r["TITLE"])
        for r in kept
    ]
    started = time.perf_counter()
    conn = build_in_memory(docs)
    seconds = time.perf_counter() - started
    found = {
        sid: (outlet, story)
        for sid, outlet, story in conn.execute(
            "select source_id, outlet, story_id from articles"
        ).fetchall()
    }
    conn.close()
    right_name = right_any = host_as_name = 0
    wrong = []
    missing = sum(f"uci-{r['ID']}" not in found for r in kept)
    scored = [r for r in kept if f"uci-{r['ID']}" in found]
    for r in scored:
        outlet = found[f"uci-{r['ID']}"][0]
        by_name = same_name(outlet, name_forms(r["PUBLISHER"]))
        right_name += by_name
        host_as_name += same_name(
            r["HOSTNAME"].lower().removeprefix("www."), name_forms(r["PUBLISHER"])
        )
        ok = by_name or outlet_names_host(outlet, r["HOSTNAME"].lower())
        right_any += ok
        if not ok:
            wrong.append({"host": r["HOSTNAME"], "publisher": r["PUBLISHER"], "outlet": outlet})
    ids = {f"uci-{r['ID']}": r["STORY"] for r in kept if f"uci-{r['ID']}" in found}
    truth = {tuple(sorted(p)) for g in _groups(ids).values() for p in itertools.combinations(g, 2)}
    stories = _groups({sid: found[sid][1] for sid in ids})
    pairs = {tuple(sorted(p)) for g in stories.values() for p in itertools.combinations(g, 2)}
    return {
        "rows": len(rows),
        "distinct_titles": len(kept),
        "build_seconds": round(seconds, 2),
        "outlets": {
            "articles": len(scored),
            "accuracy": round(right_any / len(scored), 4) if scored else None,
            "accuracy_publisher_name": round(right_name / len(scored), 4) if scored else None,
            "host_as_name_baseline": round(host_as_name / len(scored), 4) if scored else None,
            "not_an_article": missing,
            "wrong_hosts": Counter(w["host"] for w in wrong).most_common(10),
            "wrong": wrong[:10],
        },
        "stories": {
            **_pr(pairs, truth),
            "largest": max((len(g) for g in stories.values()), default=0),
        },
    }


def real_host_outlets() -> dict:
    """Outlets on real hosts for each half: NAEB's urls and UCI's (bench/sidebyside.py)."""
    results = {}
    for half in devsets.HALVES:
        pages = [a for a in devsets.naeb(half) if a.get("page_text")]
        results[half] = {
            "naeb": naeb_outlets(pages),
            "uci": uci_build(devsets.uci(half))["outlets"],
        }
    return results


# --- wire agency --------------------------------------------------------------------------------


def wire_agency(texts: list[tuple[str, str]], rng: random.Random) -> dict:
    """Articles whose first line is `CITY (AGENCY) - ...` ending in ":", ")", a quote or "."."""
    docs, expected, endings = [], {}, {}
    for ident, text in texts:
        paragraphs = [p.strip() for p in text.split("\n") if p.strip()]
        if not paragraphs:
            continue
        first = paragraphs[0].rstrip(".")
        ending = rng.choice([":", ")", "quote", "."])
        line = {
            ":": f"{first}, officials said:",
            ")": f"{first} (local time)",
            "quote": f'{first}, one official said: "We will not stop."',
            ".": f"{first}.",
        }[ending]
        agency = rng.choice(AGENCIES)
        head = f"{rng.choice(CITIES)} ({agency}) - {line}"
        docs.append(document("\n\n".join([head, *paragraphs[1:]]), ident))
        expected[ident], endings[ident] = agency, ending
    conn = build_in_memory(docs)
    found = dict(conn.execute("select source_id, wire_agency from articles").fetchall())
    conn.close()
    by_ending: dict[str, list[int]] = {}
    for ident, agency in expected.items():
        tally = by_ending.setdefault(endings[ident], [0, 0])
        tally[0] += 1
        tally[1] += found.get(ident) == agency
    right = sum(found.get(i) == a for i, a in expected.items())
    return {
        "articles": len(expected),
        "accuracy": round(right / len(expected), 4) if expected else None,
        "by_first_line_ending": {k: round(r / n, 4) for k, (n, r) in sorted(by_ending.items())},
        "wrong": [
            {"id": i, "expected": a, "found": found.get(i)}
            for i, a in expected.items()
            if found.get(i) != a
        ][:8],
    }


# --- one half -----------------------------------------------------------------------------------


def run_half(half: str, seed: int, parts: set[str] = PARTS) -> dict:
    """Every part of one half (or those in `parts`), each with its own random stream."""

    def rng(part: str) -> random.Random:
        return random.Random(f"{seed}-{half}-{part}")

    records = devsets.naeb(half)
    with_page = [a for a in records if a.get("page_text")]
    articles = [a for a in with_page if gold_of(a)]
    doubtful = {a["id"] for a in articles if gold_doubtful(a)}
    started = time.perf_counter()
    written = [gold_in_evidence(a) for a in articles]
    result: dict = {
        "naeb": {
            "records": len(records),
            "skipped_no_page_text": len(records) - len(with_page),
            "skipped_no_gold_date": len(with_page) - len(articles),
            "articles": len(articles),
            "gold_disagrees_with_url_date": sorted(doubtful),
            "ceiling_gold_written_in_page_or_url": round(sum(written) / len(articles), 4),
            "gold_month_day_written_in_page": round(
                sum(gold_in_evidence(a, year=False) for a in articles) / len(articles), 4
            ),
            "ceiling_trusted_gold": round(
                sum(w for a, w in zip(articles, written, strict=True) if a["id"] not in doubtful)
                / max(1, len(articles) - len(doubtful)),
                4,
            ),
        }
    }
    if "dates" in parts:
        cases = date_cases(articles, rng("dates"))
        result["dates"] = {name: score_dates(pairs, doubtful) for name, pairs in cases.items()}
        if "peers" in parts:
            for name in ("no_header_with_fetch_time", "jsonl_url_no_date"):
                result["dates"][name]["peers"] = peer_dates(cases[name], doubtful)
        fetch_day = [
            (doc["fetched_at"].date() == gold) for doc, gold in cases["no_header_with_fetch_time"]
        ]
        no_header = result["dates"]["no_header_with_fetch_time"]
        no_header["fetch_day_alone"] = round(sum(fetch_day) / len(fetch_day), 4)
        # Not a bound (weekday mentions date others), a guide: written in full, or the fetch day.
        no_header["gold_written_or_fetch_day"] = round(
            sum(w or f for w, f in zip(written, fetch_day, strict=True)) / len(written), 4
        )
        # A guide for repairs from the page alone: the page names the gold's month and day (any
        # year) or writes the gold date in full; weekday mentions repair some others.
        inverted = [a for a in articles if is_ambiguous(gold_of(a))]
        result["dates"]["inverted_header"]["gold_month_day_written"] = round(
            sum(gold_in_evidence(a) or gold_in_evidence(a, year=False) for a in inverted)
            / max(1, len(inverted)),
            4,
        )
    if "night" in parts:
        wikinews = [a for a in devsets.meantime(half) if a.get("gold_date")]
        result["night"] = night(articles, rng("night"), doubtful, wikinews, rng("wikinews"))
    if "outlets" in parts:
        result["outlets_naeb"] = naeb_outlets(with_page)
        result["uci"] = uci_build(devsets.uci(half))
    if "wire" in parts:
        texts = [(f"mt-{a['doc_id']}", a["text_without_dateline"]) for a in devsets.meantime(half)]
        naeb_texts = [(f"naeb-{a['id']}", a["text"]) for a in records if a.get("text")]
        result["wire_agency"] = {
            "meantime": wire_agency(texts, rng("wire")),
            "naeb": wire_agency(naeb_texts, rng("wire-naeb")),
        }
    result["seconds"] = round(time.perf_counter() - started, 1)
    return result


def headline(r: dict) -> dict:
    """The figures the issue's targets are about, for one half (None for parts not run)."""

    def dates(case: str, key: str = "accuracy"):
        return r["dates"][case][key]

    def night_(*keys: str):
        value = r["night"]
        for key in keys:
            value = value[key]
        return value

    def false_repairs() -> float:
        true = r["dates"]["true_header"]
        return round((true["articles"] - true["right"] - true["undated"]) / true["articles"], 4)

    def outlets() -> float:
        naeb, uci = r["outlets_naeb"], r["uci"]["outlets"]
        right = naeb["accuracy"] * naeb["urls"] + uci["accuracy"] * uci["articles"]
        return round(right / (naeb["urls"] + uci["articles"]), 4)

    def wire() -> float:
        parts = r["wire_agency"].values()
        right = sum(w["accuracy"] * w["articles"] for w in parts)
        return round(right / sum(w["articles"] for w in parts), 4)

    figures = {
        "articles": lambda: r["naeb"]["articles"],
        "gold_doubtful": lambda: len(r["naeb"]["gold_disagrees_with_url_date"]),
        "ceiling": lambda: r["naeb"]["ceiling_gold_written_in_page_or_url"],
        "gold_written_or_fetch_day": lambda: dates(
            "no_header_with_fetch_time", "gold_written_or_fetch_day"
        ),
        "dates_on_page_dumps": lambda: night_("dates", "naeb_pages", "accuracy"),
        "dates_on_page_dumps_trusted_gold": lambda: night_(
            "dates", "naeb_pages", "accuracy_trusted_gold"
        ),
        "night_dates_with_wikinews": lambda: night_("dates", "all", "accuracy"),
        "no_header": lambda: dates("no_header"),
        "no_header_with_fetch_time": lambda: dates("no_header_with_fetch_time"),
        "no_header_with_fetch_time_trusted_gold": lambda: dates(
            "no_header_with_fetch_time", "accuracy_trusted_gold"
        ),
        "fetch_day_alone": lambda: dates("no_header_with_fetch_time", "fetch_day_alone"),
        "jsonl_url_no_date": lambda: dates("jsonl_url_no_date"),
        "jsonl_url_no_date_dateparser": lambda: _peer(
            r["dates"]["jsonl_url_no_date"], "dateparser"
        ),
        "jsonl_url_no_date_htmldate": lambda: _peer(r["dates"]["jsonl_url_no_date"], "htmldate"),
        "no_header_with_fetch_time_dateparser": lambda: _peer(
            r["dates"]["no_header_with_fetch_time"], "dateparser"
        ),
        "no_header_with_fetch_time_htmldate": lambda: _peer(
            r["dates"]["no_header_with_fetch_time"], "htmldate"
        ),
        "inversions_repaired": lambda: dates("inverted_header"),
        "inversions_gold_month_day_written": lambda: dates(
            "inverted_header", "gold_month_day_written"
        ),
        "inversions_repaired_with_fetch_time": lambda: dates("inverted_header_with_fetch_time"),
        "clean_headers_kept": lambda: dates("true_header"),
        "false_repairs": false_repairs,
        "clean_ambiguous_kept": lambda: dates("clean_ambiguous_header"),
        "clean_ambiguous_kept_with_fetch_time": lambda: dates(
            "clean_ambiguous_header_with_fetch_time"
        ),
        "copy_precision": lambda: night_("copy_pairs", "precision"),
        "copy_recall": lambda: night_("copy_pairs", "recall"),
        "copy_pairs_wrong_same_furniture": lambda: night_("copy_pairs_wrong_same_site_furniture"),
        "night_story_precision": lambda: night_("story_pairs", "precision"),
        "night_story_recall": lambda: night_("story_pairs", "recall"),
        "largest_story_size": lambda: night_("stories", "largest_size"),
        "largest_story_span_days": lambda: night_("stories", "largest_story_span_days"),
        "stories_over_7_days_not_all_copies": lambda: night_(
            "stories", "over_7_days_not_all_copies"
        ),
        "stories_over_7_days": lambda: night_("stories", "over_7_days"),
        "longest_story_span_days": lambda: night_("stories", "max_span_days"),
        "uci_story_precision": lambda: r["uci"]["stories"]["precision"],
        "uci_story_recall": lambda: r["uci"]["stories"]["recall"],
        "outlets": outlets,
        "outlets_naeb": lambda: r["outlets_naeb"]["accuracy"],
        "outlets_uci": lambda: r["uci"]["outlets"]["accuracy"],
        "wire_agency": wire,
    }
    values = {}
    for name, figure in figures.items():
        try:
            values[name] = figure()
        except KeyError:  # a part not run
            values[name] = None
    return values


def _peer(case: dict, tool: str) -> float | None:
    scores = case.get("peers", {}).get(f"{tool}_url_then_text")
    return scores.get("accuracy") if isinstance(scores, dict) else None


def print_table(heads: dict[str, dict]) -> None:
    halves = list(heads)
    print(f"{'figure':<42}" + "".join(f"{h:>10}" for h in halves) + f"{'target':>10}")
    for key in next(iter(heads.values())):
        if all(heads[h][key] is None for h in halves):
            continue
        target = TARGETS.get(key)
        if key == "false_repairs":
            target = TARGETS["false_repairs_max"]
        cells = "".join(f"{heads[h][key]!s:>10}" for h in halves)
        print(f"{key:<42}{cells}{'' if target is None else target:>10}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=["tune", "test", "both"], default="both")
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--only",
        nargs="+",
        choices=sorted(PARTS),
        default=sorted(PARTS),
        help="parts to run (all by default; peers needs dates)",
    )
    args = parser.parse_args(argv)
    halves = devsets.HALVES if args.half == "both" else (args.half,)
    results = {half: run_half(half, args.seed, set(args.only)) for half in halves}
    heads = {half: headline(r) for half, r in results.items()}
    print_table(heads)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    if set(args.only) != PARTS:  # the headline figures come from full runs only
        print(f"written to {args.out}")
        return 0
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    entry = stored.get("realpages", {})
    entry["halves"] = {**entry.get("halves", {}), **heads}  # a run of one half keeps the other's
    entry.update(measured_at=datetime.now(UTC).isoformat(timespec="seconds"), targets=TARGETS)
    entry["code"] = code_commit()
    stored["realpages"] = entry
    RESULTS.write_text(json.dumps(stored, indent=2, default=str) + "\n")
    print(f"written to {args.out} and {RESULTS} (realpages)")
    return 0


def code_commit() -> str | None:
    """The commit the rules were measured at, "+" when the tree has uncommitted changes."""
    import subprocess

    def git(*command: str) -> str:
        return subprocess.run(
            ["git", *command], cwd=ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD")
    return (
        f"{commit}+"
        if commit and git("status", "--porcelain", "sql", "copydesk")
        else commit or None
    )


if __name__ == "__main__":
    sys.exit(main())
