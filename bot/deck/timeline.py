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


LEGEND = 26
LEGEND_ITEMS = (
    ("On Track", COLORS["on-track"]),
    ("Watchpoint", COLORS["watch"]),
    ("Concern", COLORS["concern"]),
    ("Not started", COLORS["not-started"]),
    ("Initiative", COLORS["initiative"]),
    ("Initiative done", COLORS["initiative-done"]),
)


@dataclass(frozen=True)
class Bar:
    label: str
    start: dt.date
    end: dt.date
    color: str
    level: int  # 0 objective, 1 initiative
    milestone: bool


def bars(deck: Deck) -> list[Bar]:
    """One bar per open objective with its dated initiatives beneath it; dates are never invented.

    An objective with only a due date is a milestone at that date; with neither date it is not
    drawn (see ``unscheduled``); an initiative without a due date is not drawn either.
    """
    rows: list[Bar] = []
    for o in deck.objectives:
        if o.due is None and o.start is None:
            continue
        end = o.due or o.start
        assert end is not None
        start = o.start or end
        rows.append(
            Bar(o.title, min(start, end), end, COLORS.get(o.status_class, COLORS["none"]), 0, o.start is None)
        )
        for c in o.initiatives:
            if c.due is None:
                continue
            c_start = c.start or c.due
            rows.append(
                Bar(
                    c.title,
                    min(c_start, c.due),
                    c.due,
                    COLORS["initiative-done" if c.done else "initiative"],
                    1,
                    c.start is None,
                )
            )
    return rows


def unscheduled(deck: Deck) -> list[str]:
    """What has no date yet: listed under "Not yet scheduled", never drawn with a borrowed date."""
    items = [o.title for o in deck.objectives if o.due is None and o.start is None]
    items += [c.title for o in deck.objectives for c in o.initiatives if c.due is None and not c.done]
    return items


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of each month from *first* to *last* that lies inside them."""
    month = dt.date(first.year, first.month, 1)
    ticks = []
    while month <= last:
        if month >= first:
            ticks.append(month)
        month = dt.date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return ticks


def window(rows: list[Bar], today: dt.date) -> tuple[dt.date, dt.date]:
    """The dates the chart spans: every bar and today, a week before and a fortnight after."""
    first = min(min(r.start for r in rows), today) - dt.timedelta(days=7)
    last = max(max(r.end for r in rows), today) + dt.timedelta(days=14)
    return first, last


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
    first, last = window(rows, deck.today)
    span = max(1, (last - first).days)
    plot = WIDTH - LABEL_WIDTH - 20
    later = unscheduled(deck)
    height = TOP + ROW * len(rows) + 20 + LEGEND + (18 if later else 0)

    def x(day: dt.date) -> float:
        return LABEL_WIDTH + plot * (day - first).days / span

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" font-family="Helvetica, Arial, sans-serif" role="img" '
        f'aria-label="Timeline of the success plan">',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
    ]
    for tick in months(first, last):
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
    y = TOP + ROW * len(rows) + 24
    x0 = 12
    for label, color in LEGEND_ITEMS:
        out.append(f'<rect x="{x0}" y="{y}" width="12" height="12" rx="2" fill="{color}"/>')
        out.append(f'<text x="{x0 + 17}" y="{y + 10}" font-size="11" fill="#1d2733">{escape(label)}</text>')
        x0 += 22 + 7 * len(label)
    out.append(f'<path d="M{x0 + 6} {y} l6 6 -6 6 -6 -6 z" fill="#5b6b7a"/>')
    out.append(f'<text x="{x0 + 17}" y="{y + 10}" font-size="11" fill="#1d2733">due date only</text>')
    if later:
        text = "Not yet scheduled: " + ", ".join(_short(t, 40) for t in later[:8])
        text += f" and {len(later) - 8} more" if len(later) > 8 else ""
        out.append(f'<text x="12" y="{y + 30}" font-size="11" fill="#5b6b7a">{escape(text)}</text>')
    out.append("</svg>")
    return "\n".join(out)
