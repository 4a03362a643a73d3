"""Fitting text before it is drawn: the font table, wrapping, shrinking, cutting."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.deck.fit import ELLIPSIS, LINE_EM, fit, width, wrap
from bot.deck.fontmetrics import BOLD, CHARS, REGULAR

FONTS = Path("/usr/share/fonts/truetype/dejavu")


@pytest.mark.skipif(not (FONTS / "DejaVuSans.ttf").exists(), reason="DejaVu fonts not installed")
@pytest.mark.parametrize(("table", "name"), [(REGULAR, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")])
def test_the_width_table_is_the_fonts_own(table: dict[str, int], name: str) -> None:
    from PIL import ImageFont

    font = ImageFont.truetype(str(FONTS / name), 1000)
    assert {c: table[c] for c in CHARS} == {c: round(font.getlength(c)) for c in CHARS}


def test_wrapping_never_exceeds_the_room_and_keeps_every_word() -> None:
    text = "Migrate every payments service build from the legacy Jenkins farm to GitLab runners " * 3
    lines = wrap(text, 200, 12)
    assert all(width(line, 12) <= 200 for line in lines)
    assert " ".join(lines).split() == text.split()
    # A word wider than the room is split, not left to overflow.
    assert all(width(line, 12) <= 50 for line in wrap("Supercalifragilisticexpialidocious", 50, 12))


def test_text_shrinks_before_it_is_cut_and_a_cut_ends_in_an_ellipsis() -> None:
    title = "Reduce change lead time for every payments service by standardising pipelines"
    room_w, room_h = 600.0, 2 * 28 * LINE_EM
    fitted = fit(title, room_w, room_h, 28, smallest=20, bold=True)
    assert not fitted.cut and fitted.lines <= 2 and fitted.size <= 28
    summary = "The customer wants weekly releases so that fixes reach production before audits. " * 12
    shown = fit(summary[:900], 400, 100, 14, smallest=11)
    assert shown.cut and shown.size == 11 and shown.text.endswith(ELLIPSIS)
    assert shown.lines * 11 * LINE_EM <= 100
    assert summary.startswith(shown.text[:-1].rstrip())
    # Paragraphs are kept whole first: the third does not fit, so it is cut, not the first two.
    items = fit(["one two three", "four five six", "seven eight nine " * 20], 300, 3 * 12 * LINE_EM, 12)
    assert items.paragraphs[:2] == ["one two three", "four five six"] and items.cut


def test_whatever_the_text_and_box_the_fitted_text_fits() -> None:
    import random

    from bot.deck.fit import height

    rng = random.Random(19)
    words = [
        "alpha",
        "beta",
        "payments",
        "pipeline",
        "Jenkins",
        "runners",
        "templates",
        "supercalifragilistic",
        "2026-11-30",
        "·",
    ]
    for _ in range(800):
        paragraphs = [
            " ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) for _ in range(rng.randint(1, 6))
        ]
        room_w, room_h = rng.uniform(40, 500), rng.uniform(14, 300)
        size, gap = rng.choice([10, 12, 14, 18]), rng.choice([0, 4, 8])
        shown = fit(paragraphs, room_w, room_h, size, smallest=size - 3, gap=gap)
        assert all(
            width(line, shown.size) <= room_w
            for p in shown.paragraphs
            for line in wrap(p, room_w, shown.size)
        )
        needed = height(shown.lines, shown.size) + gap * (len(shown.paragraphs) - 1)
        assert needed <= room_h or shown.paragraphs == [ELLIPSIS]
        assert not shown.cut or shown.paragraphs[-1].endswith(ELLIPSIS)
