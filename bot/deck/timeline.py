"""The deck's timeline picture: a Gantt chart of objectives and initiatives, as self-contained SVG."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from xml.sax.saxutils import escape

from bot.deck.model import Deck

WIDTH = 1200
LABEL_WIDTH = 340
ROW = 26
TOP = 44
COLORS = {
    "on-track": "#1f8a4c",
    "watch": "#c17d10",
    "concern": "#c0392b",
    "done": "#5b6b7a",
    "not-started": "#7f8c9b",
    "none": "#9aa5b1",
    "initiative": "#6b8fd6",
    "initiative-done": "#b8c4d6",
}


@dataclass(frozen=True)
class Bar:
    label: str
    start: dt.date
    end: dt.date
    color: str
    level: int  # 0 objective, 1 initiative
    milestone: bool


def bars(deck: Deck) -> list[Bar]:
    """One bar per open objective, with its initiatives beneath it."""
    rows: list[Bar] = []
    for o in deck.objectives:
        kids = [c for c in o.initiatives if c.due or c.start]
        starts = [d for d in [o.start, *(c.start for c in kids)] if d]
        ends = [d for d in [o.due, *(c.due for c in kids)] if d]
        start = min(starts) if starts else (min(ends) if ends else deck.today)
        end = o.due or (max(ends) if ends else start)
        rows.append(
            Bar(
                o.title,
                min(start, end),
                end,
                COLORS.get(o.status_class, COLORS["none"]),
                0,
                o.start is None and o.due is None,
            )
        )
        for c in o.initiatives:
            c_end = c.due or end
            c_start = c.start or min(start, c_end)
            rows.append(
                Bar(
                    c.title,
                    min(c_start, c_end),
                    c_end,
                    COLORS["initiative-done" if c.done else "initiative"],
                    1,
                    c.due is None,
                )
            )
    return rows


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    month = dt.date(first.year, first.month, 1)
    ticks = []
    while month <= last:
        ticks.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def render(deck: Deck) -> str:
    """The SVG document (no scripts, no external references)."""
    rows = bars(deck)
    if not rows:
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="80" viewBox="0 0 {WIDTH} 80">'
            '<text x="20" y="45" font-family="Helvetica, Arial, sans-serif" font-size="16" fill="#444">'
            "No open objectives to show.</text></svg>"
        )
    first = min(min(r.start for r in rows), deck.today) - dt.timedelta(days=7)
    last = max(max(r.end for r in rows), deck.today) + dt.timedelta(days=14)
    span = max(1, (last - first).days)
    plot = WIDTH - LABEL_WIDTH - 20
    height = TOP + ROW * len(rows) + 20

    def x(day: dt.date) -> float:
        return LABEL_WIDTH + plot * (day - first).days / span

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" role="img" '
        f'aria-label="Timeline of the success plan">',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in _months(first, last):
        if tick < first:
            continue
        out.append(
            f'<line x1="{x(tick):.1f}" y1="{TOP - 8}" x2="{x(tick):.1f}" y2="{height - 12}" '
            'stroke="#e3e7ec" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{x(tick) + 3:.1f}" y="{TOP - 14}" font-size="11" fill="#5b6b7a">'
            f"{tick.strftime('%b %Y')}</text>"
        )
    for n, row in enumerate(rows):
        y = TOP + n * ROW
        if row.level == 0:
            out.append(f'<rect x="0" y="{y}" width="{WIDTH}" height="{ROW}" fill="#f5f7fa"/>')
        weight = "bold" if row.level == 0 else "normal"
        indent = 12 + 18 * row.level
        out.append(
            f'<text x="{indent}" y="{y + 17}" font-size="{13 if row.level == 0 else 12}" '
            f'font-weight="{weight}" fill="#1d2733">{escape(_short(row.label, 42 - 3 * row.level))}</text>'
        )
        if row.milestone:
            cx = x(row.end)
            out.append(f'<path d="M{cx:.1f} {y + 5} l7 8 -7 8 -7 -8 z" fill="{row.color}"/>')
        else:
            width = max(6.0, x(row.end) - x(row.start))
            out.append(
                f'<rect x="{x(row.start):.1f}" y="{y + 6}" width="{width:.1f}" height="{ROW - 12}" '
                f'rx="4" fill="{row.color}"/>'
            )
    today = x(deck.today)
    out.append(
        f'<line x1="{today:.1f}" y1="{TOP - 8}" x2="{today:.1f}" y2="{height - 8}" stroke="#c0392b" '
        'stroke-width="2" stroke-dasharray="4 3"/>'
    )
    out.append(f'<text x="{today + 4:.1f}" y="{height - 2}" font-size="11" fill="#c0392b">Today</text>')
    out.append("</svg>")
    return "\n".join(out)
