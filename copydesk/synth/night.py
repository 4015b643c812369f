"""Synthetic raw dumps for the scale benchmark: a night of crawled news, deterministic per seed.

The prose is real: the 118 dated MEANTIME articles (../shared/devsets/meantime_en.jsonl, CC BY 4.0;
see bench/quality.py) and the bundled seeds (data/raw/*.txt). Each synthetic article takes the
sentences of one such article and rewrites every one of them word by word, with its own
deterministic substitutions: names are swapped for names of the pool, content words for words of
the same ending, numbers for numbers of as many digits, some clauses are reordered; function
words, "said" and time words stay, and weekdays, month names, "June 18" and years are moved with
the article's new date, so the text still dates itself. Two independent synthetic articles
therefore rarely share a run of five words (the texts read like real prose with the nouns
scrambled), while the planted copies of one article do: copies get the edits of
copydesk/synth/edits.py (cut, padded, reworded, teasers glued on) and another outlet. As in a real
crawl, a few copies come out identical to their original (no edit drawn: ingest keeps one, about
1.7% of documents) and a few come out empty (every paragraph of a short article dropped: ingest
quarantines them, about 0.03%).

Formats: mostly seed-style .txt (` date YYYY-MM-DD CITY: ...`; a share with day and month swapped
where the day is <= 12, a share without the header), JSONL lines (id, url, outlet, fetched_at,
title, text) and news-please .json files. Outlets: the domains of data/reference/outlets.csv and
unknown ones. The documents go under DIR/raw (the folder to ingest) and DIR/truth.jsonl holds
per document: source_id (as ingest names it), format, article
(the synthetic article it is, or copies), base (devset id), true_date, header (clean, inverted,
missing or none), outlet domain, copy_of (source_id of the original, for copies).

Usage: copydesk synth --articles N --out DIR [--seed S]   (N documents, copies included)
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import re
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TextIO

from copydesk.settings import PROJECT_ROOT as ROOT
from copydesk.synth.edits import edited_copy

DEVSET = ROOT.parent / "shared" / "devsets" / "meantime_en.jsonl"
SEEDS_DIR = ROOT / "data" / "raw"
OUTLETS_CSV = ROOT / "data" / "reference" / "outlets.csv"
SEED_DATES = {"000": "2025-06-02", "001": "2025-06-02", "002": "2025-06-03"}
SEED_DATES |= {"003": "2025-06-02", "004": "2025-06-02"}
NIGHT = date(2025, 6, 30)  # publication dates fall in the 90 days before it
FORMAT_SHARES = (("txt", 0.70), ("jsonl", 0.20), ("json", 0.10))
INVERTED_SHARE = 0.06  # of .txt headers whose day is <= 12 (and differs from the month)
MISSING_HEADER_SHARE = 0.05  # of .txt files
UNKNOWN_OUTLET_SHARE = 0.25
JSONL_LINES_PER_FILE = 1000
FILES_PER_FOLDER = 1000


def words_of(text: str) -> list[str]:
    """A word list written as one string (easier to read and edit than a list of literals)."""
    return text.split()


WEEKDAYS = words_of("Monday Tuesday Wednesday Thursday Friday Saturday Sunday")
MONTHS = words_of(
    "January February March April May June July August September October November December"
)
MONTH_INDEX = {m.lower(): i for i, m in enumerate(MONTHS)} | {
    m[:3].lower(): i for i, m in enumerate(MONTHS)
}
# Kept as they are: function words, reporting verbs and time words carry the sentence and the
# date evidence; a run of five of them is the boilerplate every corpus shares.
KEEP = frozenset(
    words_of("""a about above after again against ago all also although among an and another any are
    around as at be because been before being below between both but by can could did do does
    during each earlier either even ever every few for from further had has have having he her
    here hers him his how however if in into is it its itself just last later least less many
    may me might more most much must my near neither never next no nor not now of off on once
    one only or other others our out over own same she should since so some such than that the
    their them then there these they this those though through to today tomorrow tonight too
    under until up upon us very was we week weeks were what when where whether which while who
    whom whose why will with within without would yesterday yet you your said says say told
    according year years month months day days morning afternoon evening night mr mrs ms two
    three four five six seven eight nine ten first second third still""")
)
CITIES = [
    *words_of("ISTANBUL LONDON PARIS BERLIN MOSCOW KYIV BEIJING TOKYO SEOUL WASHINGTON BRUSSELS"),
    *words_of("GENEVA ROME MADRID CAIRO NAIROBI LAGOS JOHANNESBURG SYDNEY JAKARTA MANILA BANGKOK"),
    *words_of("HANOI KARACHI TEHRAN BAGHDAD BEIRUT JERUSALEM ANKARA ATHENS WARSAW VIENNA OTTAWA"),
    *words_of("STOCKHOLM OSLO BOGOTA LIMA SANTIAGO BRASILIA"),
    "NEW DELHI",
    "NEW YORK",
    "MEXICO CITY",
    "BUENOS AIRES",
]
TOKEN = re.compile(
    r"(?P<md>\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?\s(?P<day>\d{1,2})\b)"
    r"|(?P<word>[A-Za-z][A-Za-z'’]*)|(?P<num>\d+)"
)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
NAME_RANKS = 2_000_000  # names drawn as floor(NAME_RANKS ** u), u uniform in [floor, 1]:
NAME_RANK_FLOOR = 0.35  # the commonest name (rank 162) is in about 2% of articles
ACRONYM_LETTERS = "ABCDEFGHIJKLMNOPRSTUVW"
SUFFIXES = ("ing", "ed", "ly", "tion", "ers", "es", "s", "al", "er")


# ---------------------------------------------------------------------------------------------
# Sources: real prose, and the pools the rewriting draws from


def suffix_class(word: str) -> str:
    return next((s for s in SUFFIXES if word.endswith(s)), "")


def load_sources() -> list[dict]:
    """Every base article: id, true date, title and sentence lines, from the devset and seeds."""
    bases = []
    for line in DEVSET.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if not record.get("gold_date"):
            continue
        lines = [s.strip() for s in record["text_without_dateline"].split("\n") if s.strip()]
        bases.append(
            {
                "id": f"meantime-{record['doc_id']}",
                "date": date.fromisoformat(record["gold_date"]),
                "title": record.get("title") or lines[0],
                "lines": lines,
            }
        )
    for path in sorted(SEEDS_DIR.glob("*.txt")):
        text = re.sub(r"^\s*date \S+ [A-Z][A-Z .'-]*:\s*", "", path.read_text(encoding="utf-8"))
        paragraphs = [p.strip() for p in text.split("\n\n") if len(p.split()) >= 6]
        lines = [s for p in paragraphs for s in SENTENCE_END.split(p) if s.strip()]
        bases.append(
            {
                "id": f"seed-{path.name[:3]}",
                "date": date.fromisoformat(SEED_DATES[path.name[:3]]),
                "title": " ".join(lines[0].split()[:10]),
                "lines": lines,
            }
        )
    return bases


def build_pools(bases: list[dict]) -> tuple[list[str], dict[str, list[str]]]:
    """Capitalized names, and lowercase content words by ending, seen in the source prose."""
    date_words = {w.lower() for w in WEEKDAYS} | set(MONTH_INDEX)
    names: set[str] = set()
    words: dict[str, set[str]] = {}
    for base in bases:
        for line in base["lines"]:
            for token in re.findall(r"[A-Za-z]+", line):
                low = token.lower()
                if low in KEEP or low in date_words or len(token) < 3:
                    continue
                if token[0].isupper():
                    if token[1:].islower():  # names; acronyms get their own letters
                        names.add(token)
                else:
                    words.setdefault(suffix_class(low), set()).add(low)
    return sorted(names), {k: sorted(v) for k, v in words.items()}


def load_outlets(rng: random.Random, unknown: int = 300) -> tuple[list[str], list[str]]:
    """Reference domains, and made-up unknown ones (some on subdomains, various suffixes)."""
    with OUTLETS_CSV.open(encoding="utf-8") as handle:
        known = [row["domain"] for row in csv.DictReader(handle)]
    stems = ["daily", "morning", "news", "herald", "post", "times", "tribune", "wire", "gazette"]
    places = ["river", "valley", "harbor", "metro", "coast", "north", "lake", "capital", "bay"]
    tlds = ["com", "net", "org", "co.uk", "com.au", "ru", "in", "co.za", "info"]
    made: set[str] = set()
    while len(made) < unknown:
        domain = f"{rng.choice(places)}{rng.choice(stems)}{rng.randint(1, 999)}.{rng.choice(tlds)}"
        made.add(f"english.{domain}" if rng.random() < 0.1 else domain)
    return known, sorted(made)


# ---------------------------------------------------------------------------------------------
# Rewriting


class Rewriter:
    """One article's substitutions: the same word always becomes the same word in it."""

    def __init__(self, rng, names, words, offset_days: int, base_date: date):
        self.rng = rng
        self.names = names
        self.words = words
        self.offset = offset_days
        self.base_date = base_date
        self.target = base_date + timedelta(days=offset_days)
        self.mapping: dict[str, str] = {}

    def moved_month_day(self, month_word: str, day: int) -> str | None:
        month = MONTH_INDEX.get(month_word.rstrip(".").lower()[:3])
        if month is None:
            return None
        try:
            moved = date(self.base_date.year, month + 1, day) + timedelta(days=self.offset)
        except ValueError:
            return None
        return f"{MONTHS[moved.month - 1]} {moved.day}"

    def word(self, token: str) -> str:
        low = token.lower()
        if low in KEEP or len(token) <= 2:
            return token
        if token.capitalize() in WEEKDAYS:
            moved = WEEKDAYS[(WEEKDAYS.index(token.capitalize()) + self.offset) % 7]
            return moved if token[0].isupper() else moved.lower()
        if low in MONTH_INDEX and token[0].isupper():
            shift = (self.target.year - self.base_date.year) * 12
            shift += self.target.month - self.base_date.month
            return MONTHS[(MONTH_INDEX[low] + shift) % 12]
        replaced = self.mapping.get(token)
        if replaced is None:
            if token.isupper() and len(token) <= 4:  # an acronym: another of as many letters
                replaced = "".join(self.rng.choices(ACRONYM_LETTERS, k=len(token)))
            elif token[0].isupper():
                replaced = self.name()
                if token.isupper():
                    replaced = replaced.upper()
            else:
                pool = self.words.get(suffix_class(low)) or self.words[""]
                replaced = self.rng.choice(pool)
            self.mapping[token] = replaced
        return replaced

    def name(self) -> str:
        """A name by a Zipf-like law over millions of them, as in real news: a few in a few
        percent of articles, most in a handful. The devset has only ~1,200 names; drawn evenly,
        each would sit in thousands of articles of a 100k night, which no real night does."""
        rank = int(NAME_RANKS ** self.rng.uniform(NAME_RANK_FLOOR, 1.0))
        count = len(self.names)
        if rank < count:
            return self.names[rank]
        head, tail = self.names[rank % count], self.names[(rank // count) % count]
        return head[: (len(head) + 1) // 2] + tail[len(tail) // 2 :]

    def number(self, digits: str) -> str:
        value = int(digits)
        if len(digits) == 4 and 1980 <= value <= 2030:  # a year moves with the date
            return str(value + self.target.year - self.base_date.year)
        if len(digits) == 1:
            return digits
        return str(self.rng.randint(10 ** (len(digits) - 1), 10 ** len(digits) - 1))

    def token(self, match: re.Match) -> str:
        if match.group("md"):
            month_word = match.group("md").split()[0]
            moved = self.moved_month_day(month_word, int(match.group("day")))
            if moved:
                return moved
            return match.group("md")
        if match.group("word"):
            return self.word(match.group("word"))
        return self.number(match.group("num"))

    def sentence(self, text: str) -> str:
        clauses = text.split(", ")
        if len(clauses) >= 3 and self.rng.random() < 0.3:  # reorder the middle clauses
            middle = clauses[1:-1]
            self.rng.shuffle(middle)
            clauses = [clauses[0], *middle, clauses[-1]]
        return TOKEN.sub(self.token, ", ".join(clauses))


# ---------------------------------------------------------------------------------------------
# Documents


def synthetic_article(index: int, seed: int, bases, names, words) -> dict:
    """Article `index`: a rewritten base article with its own date, title and paragraphs."""
    rng = random.Random(f"{seed}:article:{index}")
    base = rng.choice(bases)
    target = NIGHT - timedelta(days=rng.randint(0, 90))
    rewriter = Rewriter(rng, names, words, (target - base["date"]).days, base["date"])
    lines = base["lines"]
    if len(lines) > 6:  # a different length each time: drop a few sentences
        keep = max(5, int(len(lines) * rng.uniform(0.6, 1.0)))
        dropped = set(rng.sample(range(1, len(lines)), k=len(lines) - keep))
        lines = [line for i, line in enumerate(lines) if i not in dropped]
    sentences = [rewriter.sentence(line) for line in lines]
    paragraphs, i = [], 0
    while i < len(sentences):
        size = rng.choice((1, 1, 2, 2, 3))
        paragraphs.append(" ".join(sentences[i : i + size]))
        i += size
    return {
        "article": f"a{index:07d}",
        "base": base["id"],
        "date": target,
        "title": rewriter.sentence(base["title"]).rstrip("."),
        "paragraphs": paragraphs,
        "city": rng.choice(CITIES),
    }


def url_of(domain: str, published: date, title: str, number: int, rng) -> str:
    slug = "-".join(re.findall(r"[a-z0-9]+", title.lower())[:8]) or "story"
    host = domain if domain.startswith("english.") else f"www.{domain}"
    if rng.random() < 0.5:
        return f"https://{host}/{published:%Y/%m/%d}/{slug}-{number}"
    return f"https://{host}/news/{slug}-{number}.html"


def header_of(published: date, rng) -> tuple[str, str]:
    """The ` date ...` header as the crawler wrote it, and which kind it is."""
    if rng.random() < MISSING_HEADER_SHARE:
        return "", "missing"
    if published.day <= 12 and published.day != published.month and rng.random() < INVERTED_SHARE:
        return f"{published.year}-{published.day:02d}-{published.month:02d}", "inverted"
    return published.isoformat(), "clean"


class Writer:
    """Writes the documents: .txt and .json files in folders of 1000, JSONL in parts."""

    def __init__(self, out: Path):
        self.out = out
        self.counts = {"txt": 0, "jsonl": 0, "json": 0}
        self.jsonl_handle: TextIO | None = None
        self.jsonl_lines = 0
        self.jsonl_parts = 0
        self.folders: set[Path] = set()

    def path(self, kind: str, number: int, suffix: str) -> Path:
        folder = self.out / kind / f"{number // FILES_PER_FOLDER:04d}"
        if folder not in self.folders:
            folder.mkdir(parents=True, exist_ok=True)
            self.folders.add(folder)
        return folder / f"{number:08d}{suffix}"

    def txt(self, number: int, text: str) -> str:
        path = self.path("txt", number, ".txt")
        path.write_text(text, encoding="utf-8")
        self.counts["txt"] += 1
        return str(path.relative_to(self.out))

    def json(self, number: int, record: dict) -> str:
        path = self.path("json", number, ".json")
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
        self.counts["json"] += 1
        return str(path.relative_to(self.out))

    def jsonl(self, record: dict) -> None:
        if self.jsonl_handle is None or self.jsonl_lines >= JSONL_LINES_PER_FILE:
            self.close()
            (self.out / "jsonl").mkdir(parents=True, exist_ok=True)
            name = self.out / "jsonl" / f"part-{self.jsonl_parts:05d}.jsonl"
            self.jsonl_handle = name.open("w", encoding="utf-8")
            self.jsonl_parts += 1
            self.jsonl_lines = 0
        assert self.jsonl_handle is not None
        self.jsonl_handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.jsonl_lines += 1
        self.counts["jsonl"] += 1

    def close(self) -> None:
        if self.jsonl_handle is not None:
            self.jsonl_handle.close()
            self.jsonl_handle = None


def choose_format(rng) -> str:
    roll = rng.random()
    for name, share in FORMAT_SHARES:
        if roll < share:
            return name
        roll -= share
    return FORMAT_SHARES[0][0]


def write_document(writer, number, article, body, published, domain, rng) -> dict:
    """One document in one of the formats; returns its truth row."""
    fmt = choose_format(rng)
    fetched = datetime(published.year, published.month, published.day) + timedelta(
        hours=rng.randint(1, 36), minutes=rng.randint(0, 59)
    )
    truth = {"format": fmt, "true_date": published.isoformat(), "header": "none"}
    if fmt == "txt":
        header, kind = header_of(published, rng)
        text = f" date {header} {article['city']}: {body}" if header else body
        truth.update(source_id=writer.txt(number, text), header=kind, outlet=None)
    elif fmt == "jsonl":
        source_id = f"syn-{number:08d}"
        writer.jsonl(
            {
                "id": source_id,
                "url": url_of(domain, published, article["title"], number, rng),
                "outlet": domain,
                "fetched_at": fetched.isoformat() + "Z",
                "title": article["title"],
                "text": f"{article['city']}: {body}" if rng.random() < 0.5 else body,
            }
        )
        truth.update(source_id=source_id, outlet=domain)
    else:
        record = {
            "url": url_of(domain, published, article["title"], number, rng),
            "source_domain": domain,
            "title": article["title"],
            "maintext": body,
            "date_publish": f"{published.isoformat()} {rng.randint(0, 23):02d}:00:00"
            if rng.random() < 0.8
            else None,
            "date_download": fetched.strftime("%Y-%m-%d %H:%M:%S"),
            "language": "en",
        }
        truth.update(source_id=writer.json(number, record), outlet=domain)
    return truth


def synth(articles: int, out: Path, seed: int = 7) -> dict:
    """Write `articles` documents (originals and their copies) under `out`/raw, the raw folder to
    ingest, and their truth beside it in `out`/truth.jsonl."""
    started = time.perf_counter()
    (out / "raw").mkdir(parents=True, exist_ok=True)
    bases = load_sources()
    names, words = build_pools(bases)
    known, unknown = load_outlets(random.Random(f"{seed}:outlets"))
    writer = Writer(out / "raw")
    recent: list[str] = []  # the last few articles' texts, for teasers
    written = 0
    index = 0
    with (out / "truth.jsonl").open("w", encoding="utf-8") as truth_file:
        while written < articles:
            article = synthetic_article(index, seed, bases, names, words)
            rng = random.Random(f"{seed}:documents:{index}")
            index += 1
            copies = rng.choices((0, 1, 2, 3), weights=(50, 30, 15, 5))[0]
            outlets = [
                rng.choice(unknown) if rng.random() < UNKNOWN_OUTLET_SHARE else rng.choice(known)
                for _ in range(copies + 1)
            ]
            original_id = None
            for n in range(copies + 1):
                if written >= articles:
                    break
                if n == 0:
                    body, published = "\n\n".join(article["paragraphs"]), article["date"]
                else:
                    others = recent[-3:] if len(recent) >= 2 else [body, body]
                    body = edited_copy(article["paragraphs"], others[-2:], rng)
                    published = article["date"] + timedelta(days=int(rng.random() < 0.2))
                truth = write_document(writer, written, article, body, published, outlets[n], rng)
                truth.update(
                    article=article["article"],
                    base=article["base"],
                    copy_of=original_id,
                )
                original_id = original_id or truth["source_id"]
                truth_file.write(json.dumps(truth) + "\n")
                written += 1
            recent = [*recent[-2:], "\n".join(article["paragraphs"])]
    writer.close()
    return {
        "documents": written,
        "articles": index,
        "formats": writer.counts,
        "seconds": round(time.perf_counter() - started, 2),
        "raw": str(out / "raw"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, required=True, help="documents, copies included")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(synth(args.articles, args.out, args.seed)))
    return 0
