"""The side-by-side benchmark's scoring (bench/sidebyside.py) on tiny hand-made inputs: pair
precision and recall, group scores without listing pairs, date accuracy per case, edit kinds and
header cases. The benchmark itself is not run here."""

from __future__ import annotations

from datetime import date

from bench.scoring import (
    components,
    date_accuracy,
    date_case,
    edit_kinds,
    expected_outlet,
    group_scores,
    jaccard_bin,
    pair_scores,
    pairs_of_groups,
)


def test_pairs_of_groups_lists_every_pair_in_a_group_once():
    groups = {"a": "x", "b": "x", "c": "x", "d": "y", "e": "z"}
    assert pairs_of_groups(groups) == {("a", "b"), ("a", "c"), ("b", "c")}


def test_pair_scores_count_right_pairs_and_recall_on_subsets():
    truth = {("a", "b"), ("a", "c"), ("b", "c"), ("d", "e")}
    found = {("a", "b"), ("d", "e"), ("a", "d")}
    scores = pair_scores(found, truth, {"edited": {("a", "c"), ("d", "e")}, "none": set()})
    assert scores["pairs_right"] == 2
    assert scores["precision"] == round(2 / 3, 4)
    assert scores["recall"] == 0.5
    assert scores["recall_on"]["edited"] == {"pairs": 2, "recall": 0.5}
    assert scores["recall_on"]["none"] == {"pairs": 0, "recall": None}


def test_pair_scores_of_nothing_found_is_precise_and_recalls_nothing():
    scores = pair_scores(set(), {("a", "b")})
    assert (scores["precision"], scores["recall"]) == (1.0, 0.0)


def test_group_scores_equal_the_pair_scores_of_the_listed_pairs():
    truth = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2", "f": "3"}
    found = {"a": "g", "b": "g", "d": "g", "c": "h", "e": "i", "f": "j"}
    listed = pair_scores(pairs_of_groups(found), pairs_of_groups(truth))
    scores = group_scores(found, truth)
    assert scores["pairs_found"] == 3  # a-b, a-d, b-d
    assert scores["pairs_true"] == 4  # a-b, a-c, b-c, d-e
    assert (scores["precision"], scores["recall"]) == (listed["precision"], listed["recall"])
    assert scores["largest_group"] == 3


def test_components_join_chained_pairs():
    groups = components({("a", "b"), ("b", "c")}, ["a", "b", "c", "d"])
    assert groups["a"] == groups["b"] == groups["c"] != groups["d"]


def test_date_accuracy_per_case_and_over_all():
    day = date(2025, 6, 2)
    rows = [
        ("clean", day, day),
        ("clean", date(2025, 2, 6), day),
        ("inverted", day, day),
        ("missing", None, day),
    ]
    scores = date_accuracy(rows)
    assert list(scores) == ["clean", "inverted", "missing", "all"]
    assert scores["clean"] == {"documents": 2, "right": 1, "accuracy": 0.5}
    assert scores["missing"]["accuracy"] == 0.0
    assert scores["all"] == {"documents": 4, "right": 2, "accuracy": 0.5}


def test_date_case_splits_headers_and_records_without_one():
    clean = {"header": "clean", "true_date": "2025-06-02"}
    assert date_case(clean, "txt", None, None) == "txt, clean header, day <= 12"
    late = {"header": "clean", "true_date": "2025-06-20"}
    assert date_case(late, "txt", None, None) == "txt, clean header, day > 12"
    same = {"header": "clean", "true_date": "2025-06-06"}  # day == month: no other reading
    assert date_case(same, "txt", None, None) == "txt, clean header, day > 12"
    assert date_case({"header": "inverted"}, "txt", None, None) == "txt, inverted header"
    none = {"header": "none", "true_date": "2025-06-02"}
    dated_url = "https://www.x.com/2025/06/02/story-1"
    assert date_case(none, "jsonl", dated_url, None) == "jsonl, date in url"
    assert date_case(none, "json", "https://www.x.com/news/a.html", None) == "json, no date in url"
    assert date_case(none, "json", dated_url, "2025-06-02 10:00:00") == "json, date_publish"


def test_edit_kinds_read_from_the_two_texts():
    original = " date 2025-06-02 PARIS: One two.\n\nThree four.\n\nFive six.\n\nSeven eight."
    assert edit_kinds(original, original) == set()
    cut = "PARIS: One two.\n\nThree four."
    assert edit_kinds(original, cut) == {"shortened"}
    padded = "One two.\n\nLocal officials said they were following the situation closely."
    padded += "\n\nThree four.\n\nFive six.\n\nSeven eight."
    assert edit_kinds(original, padded) == {"padded"}
    reworded = "One two.\n\nThree four stated.\n\nFive six.\n\nSeven eight."
    assert edit_kinds(original, reworded) == {"reworded"}
    teasers = original + "\n\nOther story cut off and\n\nAnother one cut off and"
    assert edit_kinds(original, teasers) == {"teasers"}


def test_jaccard_bins_and_expected_outlets():
    assert jaccard_bin(0.0) == "jaccard 0.00-0.20"
    assert jaccard_bin(0.35) == "jaccard 0.30-0.50"
    assert jaccard_bin(1.0) == "jaccard 0.80-1.00"
    reference = {"reuters.com": "Reuters"}
    assert expected_outlet("reuters.com", reference) == "Reuters"
    assert expected_outlet("english.riverpost12.co.uk", reference) == "riverpost12.co.uk"
