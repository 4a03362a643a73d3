"""Fitting text into a box before it is drawn: wrap by the font's advance widths, shrink, then cut.

Pure. Lengths are in points; a box's inner size is what the text may fill (its insets taken off).
Widths are DejaVu Sans's (see ``fontmetrics``), the widest font the deck is drawn in, and a line is
as tall as the taller of DejaVu Sans's and Calibri's single spacing, so what fits here fits in
PowerPoint, Google Slides and LibreOffice alike.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.deck.fontmetrics import BOLD, LINE, REGULAR

# Single line spacing: DejaVu Sans's ascent + descent (1.165 em); Calibri's is 1.22 em.
LINE_EM = max(LINE / 1000, 1.22)
ELLIPSIS = "…"
_TRAILING = ",;:.-\u2013\u2014 "  # stripped before an ellipsis


@lru_cache(maxsize=4096)
def _char_em(char: str, bold: bool) -> float:
    table = BOLD if bold else REGULAR
    if char in table:
        return table[char] / 1000
    # Wide (East Asian) characters take a full em; anything else unmeasured takes a wide letter's.
    return 1.0 if unicodedata.east_asian_width(char) in ("W", "F") else 0.8


def width(text: str, size: float, bold: bool = False) -> float:
    """How wide *text* is drawn at *size* points, in points."""
    return size * sum(_char_em(c, bold) for c in text)


def wrap(text: str, room: float, size: float, bold: bool = False) -> list[str]:
    """*text* broken into lines no wider than *room* points (greedy, at spaces; long words split)."""
    lines: list[str] = []
    space = width(" ", size, bold)
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for word in paragraph.split():
            w = width(word, size, bold)
            while w > room:  # a word wider than the box: split it where it overflows
                if line:
                    lines.append(line)
                    line, used = "", 0.0
                cut = _fitting_prefix(word, room, size, bold)
                lines.append(word[:cut])
                word = word[cut:]
                w = width(word, size, bold)
            if line and used + space + w <= room:
                line, used = f"{line} {word}", used + space + w
            elif line:
                lines.append(line)
                line, used = word, w
            else:
                line, used = word, w
        lines.append(line)
    return lines


def _fitting_prefix(word: str, room: float, size: float, bold: bool) -> int:
    used = 0.0
    for n, char in enumerate(word):
        used += size * _char_em(char, bold)
        if used > room:
            return max(1, n)
    return len(word)


def height(lines: int, size: float) -> float:
    """How tall *lines* lines of *size* points are, in points."""
    return lines * size * LINE_EM


@dataclass(frozen=True)
class Fitted:
    """What to draw: the paragraphs (possibly cut, ending in "…") at *size* points."""

    paragraphs: list[str]
    size: float
    lines: int
    cut: bool

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


def _needed(paragraphs: list[str], room_w: float, size: float, bold: bool, gap: float) -> tuple[int, float]:
    lines = sum(len(wrap(p, room_w, size, bold)) for p in paragraphs)
    return lines, height(lines, size) + gap * max(0, len(paragraphs) - 1)


def fit(
    paragraphs: list[str] | str,
    room_w: float,
    room_h: float,
    size: float,
    *,
    smallest: float | None = None,
    bold: bool = False,
    gap: float = 0.0,
) -> Fitted:
    """Paragraphs at the largest size from *size* down to *smallest* (1 pt steps) that fit the room.

    *gap* is the space after each paragraph but the last, in points. Text that does not fit even at
    *smallest* is cut at a word, whole paragraphs first, and ends in an ellipsis.
    """
    items = [paragraphs] if isinstance(paragraphs, str) else list(paragraphs)
    smallest = size if smallest is None else smallest
    current = size
    while True:
        lines, needed = _needed(items, room_w, current, bold, gap)
        if needed <= room_h:
            return Fitted(items, current, lines, False)
        if current - 1 < smallest:
            break
        current -= 1
    return _cut(items, room_w, room_h, current, bold, gap)


def _cut(items: list[str], room_w: float, room_h: float, size: float, bold: bool, gap: float) -> Fitted:
    """The longest start of *items* that fits at *size*, ending in an ellipsis."""

    def fits(paragraphs: list[str]) -> bool:
        return _needed(paragraphs, room_w, size, bold, gap)[1] <= room_h

    def ended(words: list[str]) -> str:
        return " ".join(words).rstrip(_TRAILING) + ELLIPSIS

    kept: list[str] = []
    for item in items:
        if not fits([*kept, item]):
            break
        kept.append(item)
    rest = items[len(kept)] if len(kept) < len(items) else kept.pop()
    while True:
        words = rest.split()
        low, high = 0, len(words)  # the most words of *rest* that fit with the ellipsis, by bisection
        while low < high:
            mid = (low + high + 1) // 2
            if fits([*kept, ended(words[:mid])]):
                low = mid
            else:
                high = mid - 1
        if low:
            kept.append(ended(words[:low]))
            break
        if not kept:
            kept = [ELLIPSIS]
            break
        rest = kept.pop()  # not even one word fits after it: end the paragraph before instead
    lines, _ = _needed(kept, room_w, size, bold, gap)
    return Fitted(kept, size, lines, True)
