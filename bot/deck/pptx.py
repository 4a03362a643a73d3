"""The deck as a PPTX (python-pptx): plain shapes and tables that PowerPoint, Slides and LibreOffice open."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import PP_ALIGN
from pptx.slide import Slide
from pptx.util import Emu, Inches, Length, Pt

from bot.deck.model import Deck, Item, ObjectiveView
from bot.deck.pptxbase import THEME_COLORS, new_presentation
from bot.deck.timeline import COLORS, bars

INK, MUTED, BRAND = (
    RGBColor.from_string(c) for c in (THEME_COLORS["dk2"], "5B6B7A", THEME_COLORS["accent1"])
)
W, H = Inches(13.333), Inches(7.5)
LEFT = Inches(0.7)
FULL_WIDTH = Inches(11.9)


def _column_shares(header: list[str], rows: list[list[str]]) -> list[float]:
    """Each column's share of the table width, by the longest text it holds (clamped 6..48 chars)."""
    lengths = [min(48, max(6, len(name), *(len(row[c]) for row in rows))) for c, name in enumerate(header)]
    total = sum(lengths)
    return [n / total for n in lengths]


def _rgb(hex_color: str) -> RGBColor:
    color: RGBColor = RGBColor.from_string(hex_color.lstrip("#").upper())
    return color


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Builder:
    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.prs = new_presentation()
        self.prs.slide_width, self.prs.slide_height = W, H
        self.count = 0

    def slide(self, kicker: str, title: str) -> Slide:
        # "Title Only": a real title placeholder, so the outline, accessibility checkers and
        # screen readers see each slide's title.
        slide: Slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])
        self.count += 1
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, Emu(0), Emu(0), W, Inches(0.1))
        band.fill.solid()
        band.fill.fore_color.rgb = BRAND
        band.line.fill.background()
        self.text(
            slide,
            kicker.upper(),
            LEFT,
            Inches(0.45),
            Inches(11),
            Inches(0.4),
            size=12,
            color=BRAND,
            bold=True,
        )
        placeholder = slide.shapes.title
        assert placeholder is not None
        placeholder.left, placeholder.top, placeholder.width, placeholder.height = (
            LEFT,
            Inches(0.8),
            Inches(12),
            Inches(0.8),
        )
        frame = placeholder.text_frame
        frame.word_wrap = True
        frame.text = title
        for paragraph in frame.paragraphs:
            paragraph.alignment = PP_ALIGN.LEFT
            for run in paragraph.runs:
                run.font.size, run.font.bold = Pt(28), True
                run.font.color.rgb = INK
        self.text(
            slide,
            f"{self.deck.customer} · Success plan · {self.deck.today}",
            LEFT,
            Inches(7.0),
            Inches(9),
            Inches(0.3),
            size=10,
            color=MUTED,
        )
        return slide

    def text(
        self,
        slide: Slide,
        text: str,
        left: Length,
        top: Length,
        width: Length,
        height: Length,
        *,
        size: int = 16,
        color: RGBColor = INK,
        bold: bool = False,
    ) -> None:
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        run = frame.paragraphs[0].add_run()
        run.text = text
        run.font.size, run.font.bold = Pt(size), bold
        run.font.color.rgb = color

    def heading(self, slide: Slide, text: str, left: Length, top: Length, width: Length) -> None:
        """A small grey capitalised heading above a block, as on the HTML slides."""
        self.text(slide, text, left, top, width, Inches(0.3), size=11, color=MUTED, bold=True)

    def bullets(
        self,
        slide: Slide,
        lines: Sequence[str],
        left: Length,
        top: Length,
        width: Length,
        height: Length,
        size: int = 16,
    ) -> None:
        frame = slide.shapes.add_textbox(left, top, width, height).text_frame
        frame.word_wrap = True
        for n, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if n == 0 else frame.add_paragraph()
            run = paragraph.add_run()
            run.text = f"• {line}"
            run.font.size = Pt(size)
            run.font.color.rgb = INK
            paragraph.space_after = Pt(6)

    def table(
        self,
        slide: Slide,
        header: list[str],
        rows: list[list[str]],
        top: Length,
        left: Length = LEFT,
        width: Length = FULL_WIDTH,
        size: int = 12,
    ) -> None:
        """A table in the deck's colours (header and bands from the theme), columns sized to their text."""
        shape = slide.shapes.add_table(
            len(rows) + 1, len(header), left, top, width, Emu(Inches(0.4) * (len(rows) + 1))
        )
        table = shape.table
        for n, share in enumerate(_column_shares(header, rows)):
            table.columns[n].width = Emu(int(width * share))
        # The default table style ("Medium Style 2 - Accent 1") draws the header and the bands
        # from the theme's accent colour, which pptxbase sets to the deck's brand colour.
        for row, values in zip(table.rows, [header, *rows], strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                run = cell.text_frame.paragraphs[0].add_run()
                run.text = value
                run.font.size = Pt(size)

    # -- slides ---------------------------------------------------------------------

    def overview(self) -> None:
        d = self.deck
        slide = self.slide("Success plan", d.customer)
        self.text(
            slide,
            f"Where we are on the outcomes we agreed, as of {d.today}.",
            LEFT,
            Inches(1.7),
            Inches(11),
            Inches(0.5),
            size=18,
            color=MUTED,
        )
        at_risk = d.status_counts.get("Watchpoint", 0) + d.status_counts.get("Concern", 0)
        stats = [
            (len(d.objectives), "open objectives"),
            (d.status_counts.get("On Track", 0), "on track"),
            (at_risk, "need attention"),
            (len(d.completed), f"completed in {d.closed_days} days"),
        ]
        for n, (value, label) in enumerate(stats):
            left = Emu(LEFT + Inches(3.0) * n)
            self.text(slide, str(value), left, Inches(3.0), Inches(2.8), Inches(0.9), size=40, bold=True)
            self.text(slide, label, left, Inches(3.9), Inches(2.8), Inches(0.5), size=14, color=MUTED)
        rows = [
            [_short(o.title, 60), o.status, o.owner, str(o.due or "—"), f"{o.done}/{o.total}"]
            for o in d.objectives[:5]
        ]
        if rows:
            # Five rows end above the footer (each row is at least 0.4 in tall).
            self.table(slide, ["Objective", "Status", "Owner", "Due", "Initiatives done"], rows, Inches(4.5))

    def objective(self, n: int, o: ObjectiveView) -> None:
        kicker = f"Objective {n} of {len(self.deck.objectives)}" + (" · Draft" if o.draft else "")
        slide = self.slide(kicker, _short(o.title, 80))
        # For the presenter: the criteria in full and the latest update.
        notes = [f"{o.title} — {o.status}, owner {o.owner}, due {o.due or 'not set'}."]
        notes += (
            ["Success criteria:", *(f"• {c}" for c in o.criteria)]
            if o.criteria
            else ["No criteria agreed yet."]
        )
        notes += [f"Latest update: {o.latest_update}"] if o.latest_update else []
        frame = slide.notes_slide.notes_text_frame
        if frame is not None:
            frame.text = "\n".join(notes)
        meta = (
            ("Draft, still being agreed · " if o.draft else "")
            + f"{o.status} · Owner {o.owner} · "
            + (f"From {o.start} · " if o.start else "")
            + f"Due {o.due or 'not set'} · Outcome {o.outcome_label} · {o.done}/{o.total} initiatives done"
            + (f" · Last update {o.last_update}" if o.last_update else "")
        )
        self.text(
            slide,
            meta,
            LEFT,
            Inches(1.55),
            Inches(12),
            Inches(0.4),
            size=13,
            color=_rgb(COLORS.get(o.status_class, COLORS["none"])),
            bold=True,
        )
        if o.summary:
            self.text(slide, _short(o.summary, 420), LEFT, Inches(2.05), Inches(5.7), Inches(1.8), size=14)
        self.heading(slide, "SUCCESS CRITERIA", LEFT, Inches(3.9), Inches(5.7))
        self.bullets(
            slide,
            [_short(c, 150) for c in o.criteria[:5]] or ["Success criteria still being agreed."],
            LEFT,
            Inches(4.25),
            Inches(5.7),
            Inches(2.6),
            size=13,
        )
        self.heading(slide, "INITIATIVES", Inches(6.8), Inches(2.05), Inches(5.8))
        rows = [[_short(c.title, 40), c.dri, str(c.due or "—"), c.status] for c in o.initiatives[:7]]
        if rows:
            self.table(
                slide,
                ["Initiative", "DRI", "Due", "Status"],
                rows,
                Inches(2.4),
                Inches(6.8),
                Inches(5.9),
                size=11,
            )
        else:
            self.text(
                slide,
                "No initiatives yet.",
                Inches(6.8),
                Inches(2.4),
                Inches(5.8),
                Inches(0.4),
                size=13,
                color=MUTED,
            )

    def timeline(self) -> None:
        slide = self.slide("Timeline", "Objectives and initiatives over time")
        rows = bars(self.deck)[:18]
        if not rows:
            self.text(
                slide, "No open objectives to show.", LEFT, Inches(2), Inches(10), Inches(0.5), color=MUTED
            )
            return
        first = min(min(r.start for r in rows), self.deck.today)
        last = max(max(r.end for r in rows), self.deck.today)
        span = max(1, (last - first).days)
        label_w, plot_left, plot_w = Inches(3.6), Emu(LEFT + Inches(3.7)), Inches(8.2)
        row_h = Emu(min(Inches(0.3), int(Inches(5.0) / len(rows))))
        for n, row in enumerate(rows):
            top = Emu(Inches(1.7) + row_h * n)
            self.text(
                slide,
                _short(("    " if row.level else "") + row.label, 44),
                LEFT,
                top,
                label_w,
                row_h,
                size=10 if row.level else 11,
                bold=row.level == 0,
            )
            left = Emu(plot_left + int(plot_w * (row.start - first).days / span))
            width = Emu(max(Inches(0.08), int(plot_w * (row.end - row.start).days / span)))
            bar = slide.shapes.add_shape(
                MSO_SHAPE.ROUNDED_RECTANGLE, left, Emu(top + int(row_h * 0.2)), width, Emu(int(row_h * 0.6))
            )
            bar.fill.solid()
            bar.fill.fore_color.rgb = _rgb(row.color)
            bar.line.fill.background()
        x = Emu(plot_left + int(plot_w * (self.deck.today - first).days / span))
        today = slide.shapes.add_connector(
            MSO_CONNECTOR.STRAIGHT, x, Inches(1.6), x, Emu(Inches(1.7) + row_h * len(rows))
        )
        today.line.color.rgb = _rgb(COLORS["concern"])
        self.text(
            slide,
            f"Today ({self.deck.today})",
            x,
            Inches(1.25),
            Inches(2),
            Inches(0.3),
            size=10,
            color=_rgb(COLORS["concern"]),
        )

    def items(self, kicker: str, title: str, items: list[Item], empty: str) -> None:
        slide = self.slide(kicker, title)
        if not items:
            self.text(slide, empty, LEFT, Inches(2.0), Inches(11), Inches(0.5), size=18, color=MUTED)
            return
        rows = [[str(i.when or "—"), _short(i.title, 60), _short(i.detail, 90)] for i in items[:9]]
        self.table(slide, ["Date", "Item", "Detail"], rows, Inches(1.8), size=13)

    def health(self) -> None:
        slide = self.slide("Plan health", "How complete the plan is")
        rows = []
        for row in self.deck.health[:9]:
            rows.append([_short(row.title, 50), str(row.errors), str(row.warnings), _short(row.top, 80)])
        if rows:
            self.table(slide, ["Objective", "Errors", "Warnings", "Top item"], rows, Inches(1.8), size=12)
        for n, finding in enumerate(self.deck.plan_findings):
            self.text(
                slide,
                finding.message,
                LEFT,
                Emu(Inches(6.2) + Inches(0.35) * n),
                Inches(12),
                Inches(0.35),
                size=13,
                color=_rgb(COLORS["concern"]),
            )


def write(deck: Deck, path: Path) -> int:
    """Write the PPTX; returns the number of slides (the same slides as the HTML deck)."""
    b = _Builder(deck)
    b.overview()
    for n, objective in enumerate(deck.objectives, start=1):
        b.objective(n, objective)
    b.timeline()
    # Empty slides are left out; plan health is for the account team's internal deck only.
    if deck.completed:
        b.items("Wins", f"Completed in the last {deck.closed_days} days", deck.completed, "")
    if deck.risks:
        b.items("Risks", "What needs attention", deck.risks, "")
    if deck.next_steps:
        b.items("Next steps", f"Due in the next {deck.horizon_days} days", deck.next_steps, "")
    if deck.internal:
        b.health()
    b.prs.save(str(path))
    return b.count
