"""Inline SVG chart geometry: horizontal bars, grouped and stacked columns, their axis ticks."""

from __future__ import annotations

import math

COLORS = {
    "kept": "#2e7d32",
    "repaired_inversion": "#ef6c00",
    "repaired_off_by_one": "#f9a825",
    "repaired_other": "#8d6e63",
    "inferred": "#1565c0",
    "ambiguous": "#6a1b9a",
    "undated": "#9e9e9e",
}
TIMELINE_COLORS = {
    "kept": "#2e7d32",
    "repaired": "#ef6c00",
    "ambiguous": "#6a1b9a",
    "text": "#1565c0",
    "url": "#64b5f6",
    "copies": "#00897b",
    "fetched": "#c62828",
}
INPUT_COLORS = {
    "accepted": "#2e7d32",
    "duplicate": "#90a4ae",
    "quarantined": "#c62828",
    "skipped": "#f9a825",
    "unchanged": "#cfd8dc",
}


def hbar_chart(items: list[dict], *, width: int = 660, label_width: int = 250) -> dict:
    """Horizontal bars: items have label, value, href and optional color."""
    bar, gap, top = 20, 8, 6
    plot = width - label_width - 60
    peak = max([item["value"] for item in items] + [1])
    bars = []
    for index, item in enumerate(items):
        y = top + index * (bar + gap)
        length = round(plot * item["value"] / peak, 1)
        bars.append(
            {
                **item,
                "color": item.get("color", "#1565c0"),
                "x": label_width,
                "y": y,
                "w": max(length, 1 if item["value"] else 0),
                "h": bar,
                "text_y": y + bar * 0.72,
                "value_x": label_width + length + 6,
            }
        )
    return {
        "kind": "hbar",
        "width": width,
        "height": top * 2 + max(len(items), 1) * (bar + gap),
        "label_x": label_width - 8,
        "bars": bars,
    }


def column_chart(
    categories: list[dict], series: list[tuple[str, str, str]], *, height: int = 220
) -> dict:
    """Grouped columns: categories have label, href and values {series key: number}."""
    left, bottom, top = 44, 58, 10
    group_width = max(26, 12 * len(series) + 10)
    width = left + max(len(categories), 1) * group_width + 20
    plot = height - bottom - top
    peak = max([c["values"].get(key) or 0 for c in categories for key, _, _ in series] + [1])
    ticks = nice_ticks(peak)
    scale_top = ticks[-1] or 1
    bars, labels = [], []
    for index, category in enumerate(categories):
        x0 = left + index * group_width + 5
        for offset, (key, name, color) in enumerate(series):
            value = category["values"].get(key) or 0
            h = round(plot * value / scale_top, 1)
            bars.append(
                {
                    "series": key,
                    "name": name,
                    "category": category["label"],
                    "value": value,
                    "color": color,
                    "href": category["hrefs"].get(key),
                    "x": x0 + offset * 12,
                    "y": top + plot - h,
                    "w": 10,
                    "h": max(h, 0.8 if value else 0),
                }
            )
        labels.append({"text": category["short"], "x": x0 + 2, "y": top + plot + 12})
    return {
        "kind": "columns",
        "width": max(width, 320),
        "height": height,
        "plot_left": left,
        "plot_right": width - 10,
        "axis_y": top + plot,
        "ticks": [{"value": t, "y": top + plot - plot * t / scale_top} for t in ticks],
        "bars": bars,
        "labels": labels,
        "legend": [{"name": name, "color": color} for _, name, color in series],
    }


def stacked_chart(
    bins: list[dict],
    series: list[tuple[str, str, str]],
    *,
    what: str,
    plot_width: int = 840,
    height: int = 240,
) -> dict:
    """Stacked columns, one per bin: bins have label, short (a tick label or None) and values
    {series key: number}; each column's tooltip lists its figures."""
    left, bottom, top = 44, 24, 10
    # Many bins make thin columns rather than a page wider than the screen.
    step = min(max(plot_width / max(len(bins), 1), 2.0), 22.0)
    bar = max(round(step * 0.8, 1), 1.5)
    plot = height - bottom - top
    totals = [sum(b["values"].get(key) or 0 for key, _, _ in series) for b in bins]
    ticks = nice_ticks(max(totals + [1]))
    scale_top = ticks[-1] or 1
    label_every = max(1, math.ceil(72 / step))
    stacks, labels = [], []
    for index, (item, total) in enumerate(zip(bins, totals, strict=True)):
        x = round(left + 4 + index * step, 1)
        base = float(top + plot)
        segments = []
        for key, name, color in series:
            value = item["values"].get(key) or 0
            if not value:
                continue
            h = round(plot * value / scale_top, 1)
            base -= h
            segments.append(
                {
                    "key": key,
                    "name": name,
                    "value": value,
                    "color": color,
                    "y": round(base, 1),
                    "h": h,
                }
            )
        figures = " · ".join(f"{s['name']} {s['value']:,}" for s in segments)
        stacks.append(
            {
                "bin": item["label"],
                "total": total,
                "x": x,
                "w": bar,
                "segments": segments,
                "title": f"{item['label']}: {total:,} {what}"
                + (f" — {figures}" if figures else ""),
            }
        )
        if item.get("short") and index % label_every == 0:
            labels.append({"text": item["short"], "x": x, "y": top + plot + 14})
    plot_right = round(left + 4 + len(bins) * step + 4)
    return {
        "kind": "stacked",
        "width": max(plot_right + 56, 320),  # room for the last tick label
        "height": height,
        "plot_left": left,
        "plot_right": plot_right,
        "plot_top": top,
        "plot_height": plot,
        "axis_y": top + plot,
        "ticks": [{"value": t, "y": top + plot - plot * t / scale_top} for t in ticks],
        "stacks": stacks,
        "labels": labels,
        "legend": [{"name": name, "color": color} for _, name, color in series],
    }


def nice_ticks(peak: float) -> list[int]:
    """0 and three or four round steps up to at least the peak."""
    raw = max(peak, 1) / 4
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    step = max(int(step), 1)
    return list(range(0, int(math.ceil(peak / step)) * step + 1, step))
