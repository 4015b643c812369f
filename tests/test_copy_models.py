"""Syndicated copies: verified pairs and connected copy groups."""

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import duckdb
import pyarrow as pa

from copydesk.warehouse.build import build_models
from copydesk.warehouse.connection import prepare_connection
from copydesk.warehouse.models import load_models
from tests.conftest import (
    build_warehouse,
    create_input_tables,
    document,
    query,
    run_model,
    seed_documents,
)


def short(source_id: str) -> str:
    return source_id[:3]


def test_afp_copies_pair_up_and_the_xinhua_story_does_not():
    conn = build_warehouse(seed_documents())
    pairs = query(
        conn,
        "select a.source_id as a, b.source_id as b, containment, jaccard from copy_pairs"
        " join articles a on a.article_id = article_id_a join articles b on b.article_id = article_id_b",
    )
    found = {tuple(sorted((short(p["a"]), short(p["b"])))) for p in pairs}
    assert found == {
        ("000", "001"),
        ("000", "002"),
        ("000", "003"),
        ("001", "002"),
        ("001", "003"),
        ("002", "003"),
    }
    # Jaccard alone (< 0.5 on every pair) would have missed them all.
    assert all(p["jaccard"] < 0.5 for p in pairs)
    assert all(p["containment"] >= 0.39 for p in pairs)


def test_copies_share_a_group_and_the_independent_story_is_alone():
    conn = build_warehouse(seed_documents())
    groups = query(conn, "select source_id, copy_group_id, copy_group_size from articles")
    by_source = {short(g["source_id"]): g for g in groups}
    afp = {by_source[s]["copy_group_id"] for s in ("000", "001", "002", "003")}
    assert len(afp) == 1
    assert by_source["004"]["copy_group_id"] not in afp
    assert by_source["000"]["copy_group_size"] == 4 and by_source["004"]["copy_group_size"] == 1


def test_unrelated_articles_with_a_shared_quote_are_not_copies():
    quote = '"The key issues can only be resolved by the leaders," the president said on Monday.'
    one = document(
        "Farmers in the north protested against new water rules, blocking roads with tractors. "
        + quote
        + " Police said the protest was peaceful and ended by the evening."
    )
    two = document(
        "The central bank kept interest rates unchanged, citing slowing inflation and weak demand. "
        + quote
        + " Markets rose slightly after the announcement in the afternoon."
    )
    conn = build_warehouse([one, two])
    assert query(conn, "select count(*) as n from copy_pairs")[0]["n"] == 0


def test_doc_key_is_the_doc_ids_first_64_bits_and_sorts_like_it():
    # The pair models join on doc_key and keep "doc_a < doc_b" by comparing keys, so a key must
    # be the doc_id's own prefix, not some other hash.
    documents = [
        document(f" date 2025-06-0{n}\nStory number {n} of the night.") for n in range(1, 6)
    ]
    conn = build_warehouse(documents, until="staging.stg_documents")
    rows = query(conn, "select doc_id, doc_key from staging.stg_documents")
    assert all(row["doc_key"] == int(row["doc_id"][:16], 16) for row in rows)
    assert sorted(rows, key=lambda r: r["doc_key"]) == sorted(rows, key=lambda r: r["doc_id"])


BOILERPLATE = (
    "\n\nAnalysts said the decision could have wider consequences for the region."
    "\n\nThe story is developing and will be updated."
)
UNRELATED_LEADS = [
    "Harbour workers in Valletta walked out over unpaid overtime on Tuesday morning.",
    "A rare orchid was found flowering beside a motorway near Leeds this spring.",
    "Chess players from nine countries met in Tbilisi for a rapid tournament.",
    "The central bank of Iceland kept its main rate unchanged at its June meeting.",
]


def test_short_articles_sharing_only_padding_paragraphs_are_not_copies():
    # Four unrelated one-sentence stories, each padded with the same two stock paragraphs: they
    # share 15 shingles, over half of each body, but none of their own content (bench/sidebyside.py
    # found 291 such false pairs at 100k, chaining 145 articles into one group).
    documents = [
        document(f" date 2025-06-0{n + 2} PARIS: {lead}{BOILERPLATE}")
        for n, lead in enumerate(UNRELATED_LEADS)
    ]
    conn = build_warehouse(documents, until="intermediate.int_copy_groups")
    assert query(conn, "select count(*) as n from intermediate.int_copy_pairs")[0]["n"] == 0
    sizes = query(conn, "select copy_group_size from intermediate.int_copy_groups")
    assert [row["copy_group_size"] for row in sizes] == [1, 1, 1, 1]


def test_a_padded_copy_of_a_short_article_is_still_a_copy():
    # The same padding does not hide a real copy: its lead is the original's.
    original = document(f" date 2025-06-02 PARIS: {UNRELATED_LEADS[0]} {UNRELATED_LEADS[1]}")
    copy = document(
        f" date 2025-06-03 PARIS: {UNRELATED_LEADS[0]} {UNRELATED_LEADS[1]}{BOILERPLATE}"
    )
    conn = build_warehouse([original, copy], until="intermediate.int_copy_groups")
    assert query(conn, "select count(*) as n from intermediate.int_copy_pairs")[0]["n"] == 1


def test_a_reprinted_two_line_brief_is_a_copy():
    # A body of at most 24 words is all "ending", so the rule that a shared ending alone is no
    # copy must not apply to it.
    brief = (
        "Delegations from Russia and Ukraine met at the Ciragan Palace in Istanbul, where Hakan"
        " Fidan opened talks with Rustem Umerov and Vladimir Medinsky."
    )
    conn = build_warehouse(
        [document(f" date 2025-06-02 {brief}"), document(f" date 2025-06-02 {brief} More.")]
    )
    groups = query(conn, "select distinct copy_group_id from articles")
    assert len(groups) == 1


def test_document_words_are_the_lowercased_words_of_the_opening_of_a_huge_body_only():
    # 20,000 distinct words (about 190,000 characters): only the opening 65,536 characters are
    # split, so a 10 MB body costs no more than that.
    body = "Genève's 2025 co-op, 北京 " + " ".join(f"W{number}" for number in range(20_000))
    rows = run_model(
        "intermediate.int_document_words",
        {"intermediate.int_document_parts": [{"doc_id": "4b" * 32, "body": body}]},
    )
    assert [row["doc_key"] for row in rows] == [int("4b" * 8, 16)]
    words = rows[0]["word_text"].split(" ")
    assert words[:6] == ["genève", "s", "2025", "co", "op", "北京"]
    assert words[6:9] == ["w0", "w1", "w2"]
    cut = body[:65_536].split()[-1].lower()  # the last word read, maybe cut at the limit
    assert words[-1] == cut and len(words) == len(body[:65_536].split()) + 2


def test_shingles_are_the_distinct_five_word_runs_of_the_document_words():
    words = ["one", "two", "three", "four", "five", "six", "one", "two", "three", "four", "five"]
    rows = run_model(
        "intermediate.int_shingles",
        {
            "intermediate.int_document_parts": [{"doc_id": "4b" * 32, "body": "unused"}],
            "intermediate.int_document_words": [
                {"doc_key": int("4b" * 8, 16), "word_text": " ".join(words)}
            ],
        },
    )
    # Seven positions, one run twice: six distinct shingles.
    assert len(rows) == len({row["shingle"] for row in rows}) == 6


PROMO = (
    "Subscribe to the Harbour Gazette newsletter for the best local journalism delivered to your"
    " inbox every morning, with exclusive offers from our partners, puzzles, the weekend magazine"
    " and members-only events across the county, all for less than the price of a coffee a week."
    " Already a member? Sign in to manage your subscription and your saved articles."
)
STORY_LEADS = [
    "The council approved a new cycle lane along the seafront after a two-hour debate on Monday.",
    "A fishing trawler ran aground near the lighthouse overnight; the crew of six was rescued.",
    "The county's oldest bakery closed its doors after 140 years, its owners said on Friday.",
]


def test_an_outlets_own_promo_block_makes_its_different_stories_no_copies():
    # Three different stories of one outlet, each page carrying the same long promo block: over
    # half of each body, far fewer than 200 documents.
    documents = [
        document(
            f" date 2025-06-0{n + 2} {lead}\n\n{PROMO}",
            url=f"https://www.harbourgazette.co.uk/news/story-{n}",
        )
        for n, lead in enumerate(STORY_LEADS)
    ]
    conn = build_warehouse(documents, until="intermediate.int_copy_groups")
    assert query(conn, "select count(*) as n from intermediate.int_copy_pairs")[0]["n"] == 0


def test_the_same_text_on_another_outlet_is_still_a_copy_despite_the_template():
    story = " ".join(STORY_LEADS)
    documents = [
        document(
            f" date 2025-06-02 {story}\n\n{PROMO}", url="https://www.harbourgazette.co.uk/news/a"
        ),
        document(
            f" date 2025-06-02 {STORY_LEADS[2]}\n\n{PROMO}",
            url="https://www.harbourgazette.co.uk/news/b",
        ),
        document(f" date 2025-06-02 {story}", url="https://www.portnews.com/a"),
    ]
    conn = build_warehouse(documents, until="intermediate.int_copy_groups")
    pairs = query(
        conn,
        "select d.url from intermediate.int_copy_pairs p join staging.stg_documents d"
        " on d.doc_id in (p.doc_a, p.doc_b) order by d.url",
    )
    assert [p["url"] for p in pairs] == [
        "https://www.harbourgazette.co.uk/news/a",
        "https://www.portnews.com/a",
    ]


def test_outlet_template_shingles_are_those_two_different_pages_of_one_domain_share():
    def page(key: int, domain: str, url: str, title: str | None, shingles: list[int]) -> dict:
        return {"key": key, "domain": domain, "url": url, "title": title, "shingles": shingles}

    night = datetime(2025, 6, 2, tzinfo=UTC)

    pages = [
        page(1, "a.com", "https://a.com/1", None, [10, 11, 12]),
        page(2, "a.com", "https://a.com/2", None, [10, 11, 13]),
        # A third page a night later: 13 becomes template from then on.
        page(6, "a.com", "https://a.com/3", None, [13]),
        # The same article as 1 at another url (its title says so): no template.
        page(3, "b.com", "https://b.com/1", "Storm hits", [20, 21]),
        page(4, "b.com", "https://b.com/1?amp", "Storm Hits", [20, 21]),
        # One page of c.com shares 12 with a.com: no template of either domain.
        page(5, "c.com", "https://c.com/1", None, [12]),
    ]
    doc_id = {p["key"]: f"{p['key']:016x}" + "0" * 48 for p in pages}
    rows = run_model(
        "intermediate.int_outlet_template_shingles",
        {
            "intermediate.int_copy_candidates": [
                {"key_a": a, "key_b": b} for a, b in [(1, 2), (3, 4), (1, 5), (2, 6)]
            ],
            "intermediate.int_shingles": [
                {"doc_key": p["key"], "shingle": s} for p in pages for s in p["shingles"]
            ],
            "staging.stg_documents": [
                {
                    "doc_id": doc_id[p["key"]],
                    "doc_key": p["key"],
                    "url": p["url"],
                    "title": p["title"],
                    "ingested_at": night + timedelta(days=p["key"] // 6),
                }
                for p in pages
            ],
            "intermediate.int_article_outlets": [
                {"doc_id": doc_id[p["key"]], "outlet_domain": p["domain"]} for p in pages
            ],
        },
    )
    assert sorted((r["outlet_domain"], r["shingle"], r["template_since"].day) for r in rows) == [
        ("a.com", 10, 2),
        ("a.com", 11, 2),
        ("a.com", 13, 3),
    ]


def merged_over_two_nights(
    name: str, inputs: Callable[[int], dict[str, list[dict]]]
) -> duckdb.DuckDBPyConnection:
    """A `@merge` model built in full on the first night's `inputs(1)`, then updated with both
    nights' `inputs(2)`, as a second night merges it."""
    model = next(m for m in load_models() if m.name == name)
    conn = duckdb.connect()
    for nights in (1, 2):
        create_input_tables(conn, inputs(nights))
        build_models(conn, [model], incremental=nights > 1)
    return conn


def test_an_update_merges_the_outlet_templates_a_full_build_gives():
    """A night's pages make templates with earlier pages, and with an earlier page they make a
    copy candidate; the merged update equals a full build of both nights."""
    night = datetime(2025, 6, 2, tzinfo=UTC)
    # key: (night, domain, shingles); 3 shares 12 with 1 but is no candidate until 5 copies it.
    pages = {
        1: (0, "a.com", [10, 11, 12]),
        2: (0, "a.com", [10, 11]),
        3: (0, "a.com", [12, 14]),
        5: (1, "c.com", [14, 15]),
        6: (1, "a.com", [11, 13]),
        7: (1, "a.com", [13]),
    }
    candidates = {0: [(1, 2)], 1: [(3, 5), (2, 6), (6, 7)]}

    def inputs(nights: int) -> dict[str, list[dict]]:
        keys = [key for key, (arrived, _, _) in pages.items() if arrived < nights]
        return {
            "intermediate.int_copy_candidates": [
                {"key_a": a, "key_b": b} for n in range(nights) for a, b in candidates[n]
            ],
            "intermediate.int_shingles": [
                {"doc_key": key, "shingle": shingle} for key in keys for shingle in pages[key][2]
            ],
            "staging.stg_documents": [
                {
                    "doc_id": f"{key:064x}",
                    "doc_key": key,
                    "url": f"https://{pages[key][1]}/{key}",
                    "title": None,
                    "ingested_at": night + timedelta(days=pages[key][0]),
                }
                for key in keys
            ],
            "intermediate.int_article_outlets": [
                {"doc_id": f"{key:064x}", "outlet_domain": pages[key][1]} for key in keys
            ],
            "intermediate.int_changed_documents": [
                {"doc_id": f"{key:064x}", "doc_key": key}
                for key in keys
                if pages[key][0] == nights - 1
            ],
        }

    conn = merged_over_two_nights("int_outlet_template_shingles", inputs)
    merged = conn.execute(
        "select outlet_domain, shingle, day(template_since)"
        " from intermediate.int_outlet_template_shingles order by all"
    ).fetchall()
    every_page = inputs(2)
    del every_page["intermediate.int_changed_documents"]  # a full build's scope: every document
    full = run_model("intermediate.int_outlet_template_shingles", every_page)
    assert merged == sorted(
        (r["outlet_domain"], r["shingle"], r["template_since"].day) for r in full
    )
    # 12 became template through page 3, an earlier page the night made a candidate.
    assert merged == [("a.com", 10, 2), ("a.com", 11, 2), ("a.com", 12, 2), ("a.com", 13, 3)]


def test_an_update_merges_the_boilerplate_counts_a_full_build_gives():
    """A night's sampled documents take a shingle over the boilerplate count together with
    earlier ones, an earlier boilerplate shingle stays, and unsampled documents count for
    nothing; the merged update equals a full build of both nights."""
    over = 200 // 8 + 1  # sampled documents (key divisible by 8) that make a shingle boilerplate
    # shingle: (documents the first night, documents the second night), all sampled
    counts = {100: (over - 5, 5), 200: (over, 0), 300: (over - 1, 0)}
    shingles = []
    for shingle, (first, second) in counts.items():
        keys = range(shingle * 100, shingle * 100 + 8 * (first + second), 8)
        shingles += [(0 if i < first else 1, key, shingle) for i, key in enumerate(keys)]
    # Over the count in documents of both nights, but none of them sampled.
    shingles += [(i % 2, 40_001 + 8 * i, 400) for i in range(2 * over)]

    def inputs(nights: int) -> dict[str, list[dict]]:
        rows = [(night, key, shingle) for night, key, shingle in shingles if night < nights]
        return {
            "intermediate.int_shingles": [{"doc_key": k, "shingle": s} for _, k, s in rows],
            "intermediate.int_changed_documents": [
                {"doc_id": f"{key:064x}", "doc_key": key}
                for key in sorted({k for night, k, _ in rows if night == nights - 1})
            ],
        }

    conn = merged_over_two_nights("int_boilerplate_shingles", inputs)
    merged = conn.execute(
        "select shingle from intermediate.int_boilerplate_shingles order by all"
    ).fetchall()
    every_document = inputs(2)
    del every_document["intermediate.int_changed_documents"]  # a full build's: every document
    full = run_model("intermediate.int_boilerplate_shingles", every_document)
    assert merged == sorted((r["shingle"],) for r in full) == [(100,), (200,)]


def copy_groups_of(articles: str, pairs: list[tuple[str, str]]) -> list[set]:
    """int_copy_groups on its own: one-letter articles and their verified copy pairs."""
    doc_ids = {article: article * 64 for article in articles}
    rows = run_model(
        "intermediate.int_copy_groups",
        {
            "staging.stg_documents": [{"doc_id": doc_id} for doc_id in doc_ids.values()],
            "intermediate.int_copy_pairs": [
                {"doc_a": min(doc_ids[a], doc_ids[b]), "doc_b": max(doc_ids[a], doc_ids[b])}
                for a, b in pairs
            ],
        },
    )
    groups: dict[str, set] = {}
    for row in rows:
        groups.setdefault(row["copy_group_doc_id"], set()).add(row["doc_id"][0])
    return sorted(groups.values(), key=min)


def test_two_copy_groups_bridged_by_one_weak_pair_stay_two():
    # A wire's copies (a-d) and an outlet story's copies (e-g), each all copies of each other,
    # and one outlet copy quoting the wire's paragraphs (d-e).
    wire, outlet = "abcd", "efg"
    pairs = [(x, y) for group in (wire, outlet) for x in group for y in group if x < y]
    assert copy_groups_of(wire + outlet, [*pairs, ("d", "e")]) == [set(wire), set(outlet)]


def test_copies_of_one_original_that_overlap_less_with_each_other_are_one_group():
    # Seeds 002 and 003 are each a copy of 000, not of each other: one group around 000.
    assert copy_groups_of("abcx", [("a", "b"), ("a", "c"), ("b", "x"), ("a", "x")]) == [
        {"a", "b", "c", "x"}
    ]


def made_up_words(count: int, seed: int) -> list[str]:
    """Distinct-looking words, so every 5-word shingle of the text is its own."""
    import random

    rng = random.Random(seed)
    syllables = ["ka", "lo", "mi", "ne", "ru", "ta", "vo", "se", "di", "pa", "gu", "ze"]
    return ["".join(rng.choice(syllables) for _ in range(3)) for _ in range(count)]


def prose(words: list[str]) -> str:
    """Words as sentences of 12 and paragraphs of 3 sentences."""
    sentences = [" ".join(words[i : i + 12]).capitalize() + "." for i in range(0, len(words), 12)]
    return "\n\n".join(" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3))


def expected_runs(own: list[str], other: list[str]) -> list[tuple[int, int]]:
    """Each unbroken run of own's 5-word shingles that other has too: (first, last) position."""
    theirs = {tuple(other[i : i + 5]) for i in range(len(other) - 4)}
    shared = [i + 1 for i in range(len(own) - 4) if tuple(own[i : i + 5]) in theirs]
    runs: list[tuple[int, int]] = []
    for position in shared:
        if runs and runs[-1][1] == position - 1:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def test_shared_runs_are_each_sides_unbroken_runs_of_the_shingles_the_other_has():
    # Two texts sharing three passages in another order, one of them twice in the first text.
    one, two, three = (made_up_words(n, seed=20 + n) for n in (60, 45, 30))
    first = made_up_words(20, seed=11) + one + made_up_words(9, seed=12) + two + one[:12] + three
    second = three + made_up_words(40, seed=13) + two + one + made_up_words(7, seed=14)
    key_a, key_b = 11, 22
    texts = {
        "intermediate.int_document_words": [
            {"doc_key": key_a, "word_text": " ".join(first)},
            {"doc_key": key_b, "word_text": " ".join(second)},
        ],
        "intermediate.int_changed_documents": [
            {"doc_id": "a" * 64, "doc_key": key_a},
            {"doc_id": "b" * 64, "doc_key": key_b},
        ],
    }
    rows = run_model(
        "intermediate.int_shared_runs",
        {
            **texts,
            "intermediate.int_copy_overlaps": [
                {
                    "key_a": key_a,
                    "key_b": key_b,
                    "shared_shingles": 120,
                    "size_a": 180,
                    "size_b": 190,
                }
            ],
            # Each text's distinct shingles, as the build gives them (hashes: unsigned 64 bits).
            "intermediate.int_shingles": pa.Table.from_pylist(
                run_model("intermediate.int_shingles", texts),
                schema=pa.schema([("doc_key", pa.uint64()), ("shingle", pa.uint64())]),
            ),
        },
    )
    for side, own, other in (("a", first, second), ("b", second, first)):
        runs = sorted((r["run_start"], r["run_end"]) for r in rows if r["side"] == side)
        assert runs == expected_runs(own, other) and len(runs) >= 2
        assert {
            (r["key_a"], r["key_b"], r["shingle_count"]) for r in rows if r["side"] == side
        } == {(key_a, key_b, len(own) - 4)}
    assert all(r["run_length"] == r["run_end"] - r["run_start"] + 1 for r in rows)


def test_two_excerpts_of_one_long_wire_overlapping_at_their_edges_are_copies():
    # Two dumps cut different windows of one 740-word text: they share its words 340-399, one
    # unbroken run at the end of the first and the start of the second (containment 0.14).
    wire = made_up_words(744, seed=1)
    first = document(f" date 2025-06-02 PARIS: {prose(wire[:400])}")
    second = document(f" date 2025-06-02 {prose(wire[336:])}")
    conn = build_warehouse([first, second], until="intermediate.int_copy_groups")
    pairs = query(conn, "select containment from intermediate.int_copy_pairs")
    assert len(pairs) == 1 and pairs[0]["containment"] < 0.2


def test_a_long_passage_quoted_inside_another_story_is_no_copy():
    # The same 60 words in the middle of two different texts: a quotation, not an excerpt.
    quoted = made_up_words(60, seed=2)
    one, two = made_up_words(340, seed=3), made_up_words(340, seed=4)
    first = document(f" date 2025-06-02 {prose(one[:168] + quoted + one[168:])}")
    second = document(f" date 2025-06-02 {prose(two[:180] + quoted + two[180:])}")
    conn = build_warehouse([first, second], until="intermediate.int_copy_groups")
    assert query(conn, "select count(*) as n from intermediate.int_copy_pairs")[0]["n"] == 0


def test_two_stories_in_one_page_frame_are_no_copies_and_one_story_in_two_frames_is():
    # Page dumps without a url: one site's menus above and footer below two different articles
    # (their shared part surrounds a whole unshared article), and one article in two sites' frames.
    head, foot = made_up_words(150, seed=5), made_up_words(100, seed=6)
    other_head, other_foot = made_up_words(150, seed=7), made_up_words(100, seed=8)
    story, other_story = made_up_words(200, seed=9), made_up_words(600, seed=10)
    framed = document(f" date 2025-06-02 {prose(head + story + foot)}")
    same_frame = document(f" date 2025-06-02 {prose(head + other_story + foot)}")
    other_frame = document(f" date 2025-06-02 {prose(other_head + story + other_foot)}")
    conn = build_warehouse([framed, same_frame, other_frame], until="intermediate.int_copy_groups")
    pairs = query(conn, "select doc_a, doc_b from intermediate.int_copy_pairs")
    assert [sorted((p["doc_a"], p["doc_b"])) for p in pairs] == [
        sorted((framed["doc_id"], other_frame["doc_id"]))
    ]


def test_words_stored_as_one_string_split_back_to_the_words_of_the_text():
    conn = duckdb.connect()
    prepare_connection(conn)
    for text in ["Genève's 2025 co-op — 北京!", "  ", "", "!?", "x", None]:
        split_back, words = conn.execute(
            "select word_list(joined_words(?)), text_words(?)", [text, text]
        ).fetchone()
        assert split_back == words


def test_two_stories_under_one_sites_header_alone_are_no_copies():
    # Page dumps without a url or a footer: one site's 200-word header above two different
    # stories shares 44% of the shorter page, all of it at the top of both.
    head = made_up_words(200, seed=21)
    story, other_story = made_up_words(250, seed=22), made_up_words(350, seed=23)
    first = document(f" date 2025-06-02 {prose(head + story)}")
    second = document(f" date 2025-06-02 {prose(head + other_story)}")
    conn = build_warehouse([first, second], until="intermediate.int_copy_groups")
    assert query(conn, "select count(*) as n from intermediate.int_copy_pairs")[0]["n"] == 0
    frames = query(conn, "select frame_kind from intermediate.int_page_frames")
    assert [f["frame_kind"] for f in frames] == ["head"]


def test_a_reprint_in_another_sites_heavy_frame_is_measured_without_either_frame():
    # Two sites whose menus and footers (600 words) outweigh their 200-word articles: the site's
    # two pages share 74% of each (a split frame: the same furniture before and after both
    # stories), and one article on both sites shares only 25% of either page until each
    # page's furniture is left out.
    head_s, foot_s = made_up_words(300, seed=11), made_up_words(300, seed=12)
    head_t, foot_t = made_up_words(300, seed=13), made_up_words(300, seed=14)
    story, second_story, third_story = (made_up_words(200, seed=s) for s in (15, 16, 17))
    on_s = document(f" date 2025-06-02 {prose(head_s + story + foot_s)}")
    other_on_s = document(f" date 2025-06-02 {prose(head_s + second_story + foot_s)}")
    on_t = document(f" date 2025-06-02 {prose(head_t + story + foot_t)}")
    other_on_t = document(f" date 2025-06-02 {prose(head_t + third_story + foot_t)}")
    conn = build_warehouse(
        [on_s, other_on_s, on_t, other_on_t], until="intermediate.int_copy_groups"
    )
    pairs = query(conn, "select doc_a, doc_b, containment from intermediate.int_copy_pairs")
    assert [sorted((p["doc_a"], p["doc_b"])) for p in pairs] == [
        sorted((on_s["doc_id"], on_t["doc_id"]))
    ]
    assert pairs[0]["containment"] > 0.9
    kinds = query(conn, "select distinct frame_kind from intermediate.int_page_frames")
    assert [k["frame_kind"] for k in kinds] == ["split"]


def test_a_reprint_is_a_copy_exactly_when_it_passes_without_its_pages_furniture():
    # Three sites, each a 60-word header and footer around its stories (two per site: a frame).
    # A site's page reprints the first 78 or 72 words of the first site's 200-word story: 74 or 68
    # shared shingles, 0.23 or 0.22 of either page, 0.36 or 0.33 once each frame is left out (the
    # second and third pages share 68 too).
    frames = [(made_up_words(60, seed=30 + s), made_up_words(60, seed=40 + s)) for s in range(3)]
    story = made_up_words(200, seed=50)
    stories = [
        story,
        story[:78] + made_up_words(122, seed=51),
        story[:72] + made_up_words(128, seed=52),
    ]
    pages = [
        document(f" date 2025-06-02 {prose(head + words + foot)}")
        for (head, foot), words in zip(frames, stories, strict=True)
    ]
    others = [
        document(f" date 2025-06-02 {prose(head + made_up_words(200, seed=60 + s) + foot)}")
        for s, (head, foot) in enumerate(frames)
    ]
    conn = build_warehouse(pages + others, until="intermediate.int_copy_groups")
    pairs = query(conn, "select doc_a, doc_b, containment from intermediate.int_copy_pairs")
    assert [sorted((p["doc_a"], p["doc_b"])) for p in pairs] == [
        sorted((pages[0]["doc_id"], pages[1]["doc_id"]))
    ]
    assert 0.35 <= pairs[0]["containment"] < 0.4
    overlaps = query(
        conn,
        "select shared_shingles / least(size_a, size_b) as containment"
        " from intermediate.int_copy_overlaps where shared_shingles between 60 and 80",
    )
    assert len(overlaps) == 3 and max(o["containment"] for o in overlaps) < 0.3
