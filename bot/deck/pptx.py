"""The deck as a PPTX: the same slides as the HTML deck, every text fitted to its box (``pptxslide``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pptx.util import Emu

from bot.deck.fit import fit, width
from bot.deck.model import Deck, Item, ObjectiveView
from bot.deck.pptxbase import new_presentation
from bot.deck.pptxslide import BOTTOM, FULL, INK, LEFT, MUTED, SLACK, H, Slide, W, hexcolor, room, text_height
from bot.deck.pptxxml import INSET_X, Run, Writer, emu, inches, paragraph
from bot.deck.timeline import COLORS, LEGEND_ITEMS, bars, months, unscheduled, window

TITLE_ONLY = 5  # python-pptx template layout "Title Only"


def _meta(o: ObjectiveView) -> str:
    return (
        ("Draft, still being agreed · " if o.draft else "")
        + f"{o.status} · Owner {o.owner} · "
        + (f"From {o.start} · " if o.start else "")
        + f"Due {o.due or 'not set'} · Outcome {o.outcome_label} · {o.done}/{o.total} initiatives done"
        + (f" · Last update {o.last_update}" if o.last_update else "")
    )


def _criteria(o: ObjectiveView) -> list[tuple[str, str, str, bool]]:
    """(text, verdict, its colour, is a values line) per line: each criterion, then its values line."""
    lines: list[tuple[str, str, str, bool]] = []
    for c in o.criteria[:5]:
        lines.append((f"• {c.label}", c.verdict, hexcolor(COLORS[c.verdict_class]), False))
        if c.detail:
            lines.append((f"   {c.detail}", "", "", True))
    return lines or [("Success criteria still being agreed.", "", "", False)]


class _Builder:
    def __init__(self, deck: Deck) -> None:
        self.deck = deck
        self.prs = new_presentation()
        self.prs.slide_width, self.prs.slide_height = Emu(W), Emu(H)
        self.writer = Writer(self.prs, TITLE_ONLY)

    def add(self, slide: Slide) -> None:
        self.writer.add(slide.shapes, slide.notes)

    def overview(self) -> None:
        d = self.deck
        sl = Slide(d, "Success plan", d.customer)
        sl.text(
            f"Where we are on the outcomes we agreed, as of {d.today}.",
            LEFT, inches(1.7), inches(11.5), inches(0.5), 18, MUTED,
        )  # fmt: skip
        at_risk = d.status_counts.get("Watchpoint", 0) + d.status_counts.get("Concern", 0)
        stats = [
            (len(d.objectives), "open objectives"),
            (d.status_counts.get("On Track", 0), "on track"),
            (at_risk, "need attention"),
            (len(d.completed), f"completed in {d.closed_days} days"),
        ]
        for n, (value, label) in enumerate(stats):
            x = LEFT + inches(3.0) * n
            sl.text(str(value), x, inches(2.5), inches(2.8), inches(0.9), 40, bold=True)
            sl.text(label, x, inches(3.35), inches(2.8), inches(0.45), 14, MUTED)
        rows = [[o.title, o.status, o.owner, str(o.due or "—"), f"{o.done}/{o.total}"] for o in d.objectives]
        if rows:
            header = ["Objective", "Status", "Owner", "Due", "Initiatives done"]
            sl.table(header, rows, LEFT, inches(4.05), FULL, 12)
        self.add(sl)

    def goals(self) -> None:
        g = self.deck.goals
        assert g is not None
        sl = Slide(self.deck, "Goals and highlights", f"What {self.deck.customer} wants to achieve")
        columns = [("GOALS", g.goals or ["Goals still being agreed."])]
        columns += [("HIGHLIGHTS", g.highlights)] if g.highlights else []
        col_w = (FULL - inches(0.4) * (len(columns) - 1)) // len(columns)
        for n, (name, lines) in enumerate(columns):
            x = LEFT + (col_w + inches(0.4)) * n
            sl.heading(name, x, inches(1.8), col_w)
            sl.text(lines, x, inches(2.15), col_w, inches(4.2), 18, smallest=12, gap=8, bullet=True)
        if g.updated:
            sl.text(f"Last reviewed {g.updated}", LEFT, inches(6.45), inches(6), inches(0.35), 11, MUTED)
        self.add(sl)

    def objective(self, n: int, o: ObjectiveView) -> None:
        kicker = f"Objective {n} of {len(self.deck.objectives)}" + (" · Draft" if o.draft else "")
        sl = Slide(self.deck, kicker, o.title)
        color = hexcolor(COLORS.get(o.status_class, COLORS["none"]))
        y = inches(1.65) + sl.text(
            _meta(o), LEFT, inches(1.65), inches(12), inches(0.6), 13, color, bold=True
        )
        left_w, right_x, right_w = inches(5.9), inches(6.85), inches(5.8)
        top = y + inches(0.1)
        # Left: the summary, then the criteria, each as baseline → current → target with its verdict.
        if o.summary:
            top += sl.text(o.summary, LEFT, top, left_w, inches(1.9), 14, smallest=11) + inches(0.1)
        top += sl.heading("SUCCESS CRITERIA", LEFT, top, left_w)
        lines = _criteria(o)
        texts = [text + (f" · {verdict}" if verdict else "") for text, verdict, _, _ in lines]
        box_h = BOTTOM - top
        shown = fit(texts, *room(left_w, box_h), 13, smallest=10, gap=4)
        paragraphs = []
        for k, text in enumerate(shown.paragraphs):
            label, verdict, verdict_color, values = lines[k]
            size, tone = (shown.size - 1, MUTED) if values else (shown.size, INK)
            if verdict and text == texts[k]:
                runs = [
                    Run(label + " · ", size, color=tone),
                    Run(verdict, size, bold=True, color=verdict_color),
                ]
            else:
                runs = [Run(text, size, color=tone)]
            paragraphs.append(paragraph(runs, after=4))
        used = text_height(shown.lines, shown.size, 4 * max(0, len(shown.paragraphs) - 1))
        sl.shapes.text(LEFT, top, left_w, min(box_h, used), paragraphs)
        # Right: the initiatives, then the latest update when there is room for it.
        sl.heading("INITIATIVES", right_x, y + inches(0.1), right_w)
        rows = [[c.title, c.dri, str(c.due or "—"), c.status] for c in o.initiatives]
        right = y + inches(0.45)
        if rows:
            right += sl.table(["Initiative", "DRI", "Due", "Status"], rows, right_x, right, right_w, 11)
        else:
            right += sl.text("No initiatives yet.", right_x, right, right_w, inches(0.4), 13, MUTED)
        if o.latest_update and BOTTOM - right > inches(1.0):
            right += inches(0.15)
            right += sl.heading("LATEST UPDATE", right_x, right, right_w)
            sl.text(o.latest_update, right_x, right, right_w, BOTTOM - right, 12, smallest=10)
        # For the presenter: everything in full.
        sl.notes[:0] = [
            f"{o.title} — {o.status}, owner {o.owner}, due {o.due or 'not set'}.",
            *([f"Summary: {o.summary}"] if o.summary else []),
            *(
                ["Success criteria:"]
                + [
                    f"• {c.label}"
                    + (f" ({c.values})" if c.values else "")
                    + (f" — {c.verdict}" if c.verdict else "")
                    for c in o.criteria
                ]
                if o.criteria
                else ["No criteria agreed yet."]
            ),
            *([f"Latest update: {o.latest_update}"] if o.latest_update else []),
        ]
        # What a cut left out is in the notes once: the summary and the update are there already.
        said = "\n".join(sl.notes)
        sl.notes = [n for n in sl.notes if not (n.startswith("In full: ") and n[9:] in said.replace(n, ""))]
        self.add(sl)

    def timeline(self) -> None:
        d = self.deck
        sl = Slide(d, "Timeline", "Objectives and initiatives over time")
        rows = bars(d)
        if not rows:
            sl.text("No open objectives to show.", LEFT, inches(2), inches(10), inches(0.5), 18, MUTED)
            self.add(sl)
            return
        first, last = window(rows, d.today)
        span = max(1, (last - first).days)
        label_w, plot_x, plot_w = inches(3.6), LEFT + inches(3.7), inches(8.2)
        # Rows of 0.3 in hold an 11 pt label; thirteen of them leave room for the axis and legend.
        top, shown, row_h = inches(1.95), rows[:13], inches(0.3)
        bottom = top + row_h * len(shown)

        def x(day: dt.date) -> int:
            return plot_x + plot_w * (day - first).days // span

        ticks = months(first, last)
        step = max(1, -(-len(ticks) * inches(0.95) // plot_w))  # every month, or every other, …
        for n, tick in enumerate(ticks):
            sl.shapes.line(x(tick), top - inches(0.05), 0, bottom - top + inches(0.05), "E3E7EC")
            if n % step == 0 and x(tick) + inches(0.9) <= W - inches(0.3):
                sl.text(
                    tick.strftime("%b %Y"), x(tick), top - inches(0.32), inches(0.9), inches(0.27), 9, MUTED
                )
        for n, row in enumerate(shown):
            y = top + row_h * n
            size = 10 if row.level else 11
            label = ("    " if row.level else "") + row.label
            sl.text(label, LEFT, y, label_w, row_h, size, bold=row.level == 0, smallest=size)
            if row.milestone:
                side = int(row_h * 0.6)
                at = (x(row.end) - side // 2, y + int(row_h * 0.2))
                sl.shapes.rect(*at, side, side, hexcolor(row.color), shape="diamond")
            else:
                bar_w = max(inches(0.08), x(row.end) - x(row.start))
                at = (x(row.start), y + int(row_h * 0.2))
                sl.shapes.rect(*at, bar_w, int(row_h * 0.6), hexcolor(row.color), shape="roundRect")
        today = x(d.today)
        sl.shapes.line(
            today, top - inches(0.05), 0, bottom - top + inches(0.1), hexcolor(COLORS["concern"]), dashed=True
        )
        sl.text(
            f"Today ({d.today})",
            today,
            bottom + inches(0.05),
            inches(2),
            inches(0.3),
            10,
            hexcolor(COLORS["concern"]),
        )
        y = bottom + inches(0.4)
        legend_x = LEFT
        for label, color in [*LEGEND_ITEMS, ("due date only", COLORS["done"])]:
            shape = "diamond" if label == "due date only" else "roundRect"
            sl.shapes.rect(
                legend_x, y + inches(0.07), inches(0.14), inches(0.14), hexcolor(color), shape=shape
            )
            label_w = emu(width(label, 10) / SLACK) + 2 * INSET_X + inches(0.05)
            sl.text(label, legend_x + inches(0.16), y, label_w, inches(0.3), 10)
            legend_x += inches(0.16) + label_w + inches(0.15)
        later = unscheduled(d)
        if len(rows) > len(shown):
            sl.notes.append(
                f"{len(rows) - len(shown)} more rows than the slide shows; the HTML deck shows all."
            )
        if later:
            text = "Not yet scheduled: " + ", ".join(later)
            sl.text(text, LEFT, y + inches(0.35), FULL, BOTTOM - y - inches(0.35), 10, MUTED, smallest=9)
        self.add(sl)

    def items(self, kicker: str, title: str, items: list[Item]) -> None:
        sl = Slide(self.deck, kicker, title)
        rows = [[str(i.when or "—"), i.title, i.detail] for i in items]
        sl.table(["Date", "Item", "Detail"], rows, LEFT, inches(1.8), FULL, 13)
        self.add(sl)

    def health(self) -> None:
        sl = Slide(self.deck, "Plan health", "How complete the plan is")
        rows = [[r.title, str(r.errors), str(r.warnings), r.top] for r in self.deck.health]
        below = inches(1.8)
        if rows:
            bottom = BOTTOM - inches(0.35) * len(self.deck.plan_findings)
            below += sl.table(
                ["Objective", "Errors", "Warnings", "Top item"], rows, LEFT, below, FULL, 12, bottom
            )
        for finding in self.deck.plan_findings:
            below += sl.text(
                finding.message, LEFT, below, FULL, inches(0.35), 13, hexcolor(COLORS["concern"])
            )
        self.add(sl)


def write(deck: Deck, path: Path) -> int:
    """Write the PPTX; returns the number of slides (the HTML deck's, less its at-a-glance table).

    The slides before and after the objectives are the deck's ``head_slides`` and ``tail_slides``:
    the HTML deck's, empty ones left out, plan health in the internal deck only.
    """
    b = _Builder(deck)
    lists = {
        "wins": ("Wins", f"Completed in the last {deck.closed_days} days", deck.completed),
        "risks": ("Risks", "What needs attention", deck.risks),
        "next": ("Next steps", f"Due in the next {deck.horizon_days} days", deck.next_steps),
    }
    head = {"overview": b.overview, "goals": b.goals}
    tail = {"timeline": b.timeline, "health": b.health}
    for name in deck.head_slides:
        if name in head:  # the at-a-glance table is the overview slide's in the PPTX
            head[name]()
    for n, objective in enumerate(deck.objectives, start=1):
        b.objective(n, objective)
    for name in deck.tail_slides:
        if name in lists:
            b.items(*lists[name])
        else:
            tail[name]()
    b.prs.save(str(path))
    return b.writer.count
