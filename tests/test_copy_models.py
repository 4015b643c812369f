"""Syndicated copies: verified pairs and connected copy groups."""

from tests.conftest import build_warehouse, document, query, seed_documents


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
    groups = query(
        conn, "select source_id, copy_group_id, copy_group_size from articles where not is_fragment"
    )
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
