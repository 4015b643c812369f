"""The record fields ingest reads, and the names JSONL and news-please feeds give them."""

from __future__ import annotations

# Each field a record's values are read into, with the names it is read from in order of
# preference: the first that holds a usable value wins. JSONL and news-please JSON share this
# one table; docs/bad-input.md shows it (tests/test_docs.py keeps the two equal).
# `description` and `summary` are left out on purpose: a teaser is not the article.
ALIASES: dict[str, tuple[str, ...]] = {
    "text": ("text", "maintext", "body", "content", "article", "articleBody", "article_body"),
    "url": ("url", "link", "canonical_url", "permalink"),
    "title": ("title", "headline"),
    "date": (
        "date",
        "date_publish",
        "published",
        "published_at",
        "publishedAt",
        "pubDate",
        "datePublished",
        "publish_date",
    ),
    "outlet": ("outlet", "source_domain", "source", "publisher", "site_name"),
    "fetched_at": ("fetched_at", "date_download"),
    "id": ("id",),
}

# What COPYDESK_FIELD_MAP holds once checked: (field, the feed's name for it) pairs.
FieldMap = tuple[tuple[str, str], ...]

MAX_NAMES_SHOWN = 200  # characters of field names a "no article text" reason lists at most


def parse_field_map(value: str) -> FieldMap:
    """COPYDESK_FIELD_MAP (`text=story_body,url=permalink`) as pairs, or a ValueError saying why."""
    pairs: list[tuple[str, str]] = []
    for item in value.split(","):
        item = item.strip()
        if not item:
            continue  # a trailing comma, or an empty map
        field, equals, name = (part.strip() for part in item.partition("="))
        if not equals or not field or not name:
            raise ValueError(
                f"COPYDESK_FIELD_MAP={value!r}: {item!r} is not FIELD=NAME"
                " (for example text=story_body,url=permalink)"
            )
        if field not in ALIASES:
            raise ValueError(
                f"COPYDESK_FIELD_MAP={value!r}: unknown field {field!r}"
                f" (expected one of {', '.join(ALIASES)})"
            )
        if any(field == seen for seen, _ in pairs):
            raise ValueError(f"COPYDESK_FIELD_MAP={value!r}: {field!r} is mapped twice")
        pairs.append((field, name))
    return tuple(pairs)


def usable(field: str, value) -> str | None:
    """A value as the field's string, or None: only strings count (an outlet may be an object
    with a name, as in NewsAPI's `source`; an id may be a number)."""
    if field == "outlet" and isinstance(value, dict):
        value = value.get("name")
    if field == "id" and isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return value if isinstance(value, str) and value.strip() else None


def record_fields(record: dict, field_map: FieldMap = ()) -> dict[str, str | None]:
    """Each field's value in a record: the mapped name first, then the aliases in order."""
    mapped = dict(field_map)
    values: dict[str, str | None] = {}
    for field, aliases in ALIASES.items():
        names = (mapped[field], *aliases) if field in mapped else aliases
        values[field] = next(
            (v for v in (usable(field, record.get(name)) for name in names) if v is not None), None
        )
    return values


def fields_named(record: dict) -> str:
    """The record's field names for a quarantine reason, cut to MAX_NAMES_SHOWN characters."""
    names = ["".join(c if c.isprintable() else "?" for c in str(key))[:40] for key in record]
    shown: list[str] = []
    for name in names:
        if len(", ".join([*shown, name])) > MAX_NAMES_SHOWN:
            return ", ".join(shown) + f", … {len(names) - len(shown)} more"
        shown.append(name)
    return ", ".join(shown) or "none"
