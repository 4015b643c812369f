"""The real-pages benchmark's pure parts (bench/realpages.py, bench/baselines.py) on hand-made
inputs: url dates, doubtful gold dates, the evidence ceiling, outlet names against hosts and the
reprint under another page's furniture. The benchmark itself is not run here."""

from __future__ import annotations

from datetime import date

from bench.baselines import url_date
from bench.realpages import gold_doubtful, gold_in_evidence, outlet_names_host, reprint


def test_url_dates_in_their_common_forms_and_none_without_one():
    assert url_date("https://cnn.com/2023/11/23/tech/x/index.html") == date(2023, 11, 23)
    assert url_date("https://smh.com.au/culture/books/x-20231214-p5erly.html") == date(2023, 12, 14)
    assert url_date("https://la.com/story/2023-12-21/when") == date(2023, 12, 21)
    assert url_date("https://x.com/2023/13/45/no-such-day") is None
    assert url_date("https://2023.example.com/news/story-105726154") is None


def test_gold_dates_are_doubtful_when_the_url_says_another_day_or_month():
    def article(url: str, gold: str = "2023-12-22") -> dict:
        return {"url": url, "gold_date": gold}

    assert gold_doubtful(article("https://nj.com/x/2024/02/story.html"))
    assert gold_doubtful(article("https://w.com/news/2018-12-03-tree"))
    assert not gold_doubtful(article("https://nj.com/x/2023/12/story.html"))
    assert not gold_doubtful(article("https://a.com/2023/12/21/a-day-earlier"))
    assert not gold_doubtful(article("https://a.com/story?id=105867721"))


def test_the_ceiling_counts_a_gold_date_written_in_full_in_the_page_or_the_url():
    def seen(page: str, url: str = "https://a.com/s") -> bool:
        return gold_in_evidence({"gold_date": "2023-12-21", "page_text": page, "url": url})

    assert seen("James Riswick | Dec 21st 2023 at 10:00AM")
    assert seen("Published\nDecember 21,\n2023")
    assert seen("21.12.2023")
    assert seen("nothing", "https://a.com/2023/12/21/s")
    assert not seen("Dec. 21 | © 2023 Example")
    assert not seen("December 12, 2023")


def test_an_outlet_names_its_host_not_a_parent_domain():
    assert outlet_names_host("ABC News", "abcnews.go.com")
    assert not outlet_names_host("go.com", "abcnews.go.com")
    assert outlet_names_host("The New York Times", "www.nytimes.com")
    assert outlet_names_host("news.com.au", "www.news.com.au")
    assert outlet_names_host("The Atlantic", "theatlantic.com")
    assert outlet_names_host("AP", "apnews.com")
    assert not outlet_names_host("AP", "apple.com")
    assert not outlet_names_host("The Times of India", "economictimes.indiatimes.com")
    assert not outlet_names_host(None, "cnn.com")


def test_a_reprint_takes_the_other_page_furniture_and_its_own_title():
    template = {
        "title": "Other story",
        "text": "The other story's first paragraph, long enough to be found.\n\nIts end here.",
        "page_text": "Menu\nOther story\nThe other story's first paragraph, long enough to be"
        " found.\nIts end here, long enough to be found as well.\nFooter",
    }
    template["text"] += "\n\nIts end here, long enough to be found as well."
    article = {"title": "My story", "text": "My story's text."}
    assert reprint(article, template) == "Menu\nMy story\nMy story's text.\nFooter"
