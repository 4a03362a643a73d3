"""One PPTX slide being laid out: its frame (band, kicker, title, footer), fitted text and tables.

Lengths are EMU. Each text is wrapped with the font's advance widths (``fit``), shrunk a few
points when it would overflow, and cut at a word with an ellipsis only when even the smallest size
does not hold it; whatever is cut goes to the slide's speaker notes in full. Every box is as tall
as its text, so boxes never overlap.
"""

from __future__ import annotations

from bot.deck.fit import LINE_EM, fit, width
from bot.deck.model import Deck
from bot.deck.pptxbase import THEME_COLORS
from bot.deck.pptxxml import INSET_X, INSET_Y, Run, Shapes, emu, inches, paragraph, points

INK, MUTED, BRAND = THEME_COLORS["dk2"], "5B6B7A", THEME_COLORS["accent1"]
W, H = inches(13.333), inches(7.5)
LEFT, FULL = inches(0.7), inches(11.93)
BOTTOM = inches(6.9)  # the content ends here; the footer line is below


def hexcolor(color: str) -> str:
    return color.lstrip("#").upper()


def column_widths(header: list[str], rows: list[list[str]], total: int, size: float) -> list[int]:
    """Column widths (EMU) summing to *total*: no word is broken while the widest words fit, and the
    room left is shared by how much longer each column's text is than its longest word."""
    pad = points(2 * INSET_X)
    columns = list(zip(header, *rows, strict=True))
    least = [
        pad
        + max(width(word, size, bold=n == 0) for n, cell in enumerate(col) for word in cell.split() or [""])
        for col in columns
    ]
    wanted = [
        max(m, pad + max(width(cell, size, bold=n == 0) for n, cell in enumerate(col)) / SLACK)
        for m, col in zip(least, columns, strict=True)
    ]
    room = points(total)
    if sum(least) >= room:
        shares = least
    elif sum(wanted) <= room:
        shares = wanted
    else:
        extra = [w - m for w, m in zip(wanted, least, strict=True)]
        spare = room - sum(least)
        shares = [m + spare * e / sum(extra) for m, e in zip(least, extra, strict=True)]
    scale = total / sum(shares)
    widths = [round(share * scale) for share in shares]
    widths[-1] += total - sum(widths)
    return widths


# Renderers differ by a few per cent (hinting, kerning, the cell margins LibreOffice adds): lines
# are laid out this much narrower than the box.
SLACK = 0.95


def room(w: int, h: int) -> tuple[float, float]:
    """The points a box's text may fill inside its insets."""
    return points(w - 2 * INSET_X) * SLACK, points(h - 2 * INSET_Y)


def text_height(lines: int, size: float, gaps: float = 0.0) -> int:
    """The EMU a box of *lines* lines at *size* points takes, insets included."""
    return emu(lines * size * LINE_EM + gaps) + 2 * INSET_Y


class Slide:
    """One slide being laid out: its shapes and, for the presenter, its notes."""

    def __init__(self, deck: Deck, kicker: str, title: str) -> None:
        self.shapes = Shapes()
        self.notes: list[str] = []
        s = self.shapes
        s.rect(0, 0, W, inches(0.1), BRAND)
        self.text(kicker.upper(), LEFT, inches(0.4), inches(11), inches(0.4), 12, color=BRAND, bold=True)
        # The title: 28 pt on one line, down to 20 pt on two; the rest, if any, goes to the notes.
        box = (LEFT, inches(0.8), inches(12), inches(0.85))
        shown = fit(title, *room(box[2], box[3]), 28, smallest=20, bold=True)
        runs = [paragraph([Run(t, shown.size, bold=True, color=INK)]) for t in shown.paragraphs]
        s.title(box[0], box[1], box[2], min(box[3], text_height(shown.lines, shown.size)), runs)
        if shown.cut:
            self.notes.append(f"Title: {title}")
        self.text(
            f"{deck.customer} · Success plan · {deck.today}",
            LEFT,
            inches(7.0),
            inches(9),
            inches(0.35),
            10,
            MUTED,
        )

    def text(
        self,
        text: str | list[str],
        x: int,
        y: int,
        w: int,
        h: int,
        size: float,
        color: str = INK,
        *,
        bold: bool = False,
        smallest: float | None = None,
        gap: float = 0.0,
        bullet: bool = False,
    ) -> int:
        """A text box fitted to *w* by *h*; returns the height its text takes (EMU)."""
        items = [line for t in ([text] if isinstance(text, str) else text) for line in t.split("\n")]
        items = [f"• {t}" for t in items] if bullet else items
        shown = fit(items, *room(w, h), size, smallest=smallest, bold=bold, gap=gap)
        if shown.cut:
            self.notes.append("In full: " + " / ".join(items))
        paragraphs = [
            paragraph([Run(t, shown.size, bold=bold, color=color)], after=gap) for t in shown.paragraphs
        ]
        used = min(h, text_height(shown.lines, shown.size, gap * max(0, len(shown.paragraphs) - 1)))
        self.shapes.text(x, y, w, used, paragraphs)  # as tall as its text: boxes never overlap
        return used

    def heading(self, text: str, x: int, y: int, w: int) -> int:
        """A small grey capitalised heading above a block, as on the HTML slides."""
        return self.text(text, x, y, w, inches(0.32), 11, MUTED, bold=True)

    def table(
        self,
        header: list[str],
        rows: list[list[str]],
        x: int,
        y: int,
        w: int,
        size: float,
        bottom: int = BOTTOM,
    ) -> int:
        """A table in the deck's colours, columns sized to their text, rows as tall as their text.

        Rows that would run past *bottom* are left out and counted in a last line; returns the height.
        """
        widths = column_widths(header, rows, w, size)
        cells: list[list[str]] = []
        heights: list[int] = []
        for r, row in enumerate([header, *rows]):
            lines, kept = 1, []
            for value, col in zip(row, widths, strict=True):
                room = points(col - 2 * INSET_X) * SLACK
                shown = fit(value, room, 4 * size * LINE_EM, size, bold=r == 0)  # at most four lines
                lines = max(lines, shown.lines)
                kept.append(shown.text.replace("\n", " "))
            height = text_height(lines, size)
            more = len(rows) - r  # rows left, this one included
            if r and y + sum(heights) + height + (inches(0.35) if more > 1 else 0) > bottom:
                break
            cells.append(kept)
            heights.append(height)
        self.shapes.table(x, y, widths, cells, heights, size)
        used = sum(heights)
        left_out = len(rows) - (len(cells) - 1)
        if left_out:
            used += self.text(f"…and {left_out} more.", x, y + used, w, inches(0.35), 11, MUTED)
        return used
