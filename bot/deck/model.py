"""What the customer deck shows, computed from the plan (pure: objectives and today in, slides' data out)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from bot.core.catalogue import RULES
from bot.core.checks import lint_objective, lint_plan, outcome_summary
from bot.core.config import LintConfig
from bot.core.description import Block, dated_blocks, newest, parse, strip_placeholders
from bot.core.model import Finding, Initiative, Objective
from bot.deck.criteria import Criterion, criterion

STATUS_CLASS = {
    "On Track": "on-track",
    "Watchpoint": "watch",
    "Concern": "concern",
    "Closed Success": "done",
    "Not Started": "not-started",
}


@dataclass(frozen=True)
class InitiativeView:
    title: str
    dri: str
    start: dt.date | None
    due: dt.date | None
    status: str
    done: bool
    overdue: bool
    url: str | None


@dataclass(frozen=True)
class ObjectiveView:
    title: str
    url: str | None
    status: str
    status_class: str
    outcome_label: str
    summary: str
    criteria: list[Criterion]
    owner: str
    start: dt.date | None
    due: dt.date | None
    overdue: bool
    latest_update: str
    initiatives: list[InitiativeView]
    done: int
    total: int
    errors: int
    warnings: int
    # The date of the newest dated entry under "Updates": when the plan last said where it stands.
    last_update: dt.date | None = None

    @property
    def draft(self) -> bool:
        """Unfinished (errors against the template): marked "Draft" before the customer sees it."""
        return self.errors > 0

    @property
    def progress(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass(frozen=True)
class Item:
    """A line of the completed, risks or next-steps slides."""

    title: str
    detail: str
    when: dt.date | None
    kind: str  # objective | initiative


@dataclass(frozen=True)
class HealthRow:
    """How complete one objective is, in words a customer reads (rule titles, not raw findings)."""

    title: str
    errors: int
    warnings: int
    top: str


def health_row(title: str, findings: list[Finding]) -> HealthRow:
    errors = [f for f in findings if f.severity == "error"]
    warnings = [f for f in findings if f.severity == "warning"]
    if not errors and not warnings:
        return HealthRow(title, 0, 0, "In good shape")
    first = (errors or warnings)[0]
    top = RULES[first.rule].title + (f" ({first.where})" if first.where else "")
    return HealthRow(title, len(errors), len(warnings), top)


def how_many_fit(items: list[Any], budget: int, how: str, *fields: str | int) -> int:
    """How many of *items*, in order, fit in *budget* lines of an HTML slide.

    *fields* alternate an attribute and the characters a line of it holds; an item costs one line
    of spacing plus its fields' lines, added up (``how="sum"``: a title above its detail) or the
    tallest of them (``"max"``: cells of one table row).
    """
    pairs = [(str(fields[n]), int(fields[n + 1])) for n in range(0, len(fields), 2)]
    used = 0
    for count, item in enumerate(items):
        lines = [1 + len(str(getattr(item, name))) // per_line for name, per_line in pairs]
        cost = 1 + (sum(lines) if how == "sum" else max(lines))
        if used + cost > budget:
            return count
        used += cost
    return len(items)


@dataclass(frozen=True)
class Goals:
    """The opening slide: the customer's goals and recent highlights, as the CSM wrote them."""

    goals: list[str]
    highlights: list[str]
    url: str | None
    updated: dt.date | None


def goals_view(epic: Objective | None, config: LintConfig) -> Goals | None:
    """The goals epic's ``Goals`` and ``Highlights`` sections (all of it as goals when it has neither).

    Nothing is written for the CSM: without such an epic, or with only template text in it, there
    is no goals slide.
    """
    if epic is None:
        return None
    headings = config.headings
    known = frozenset(n.strip().rstrip(":").lower() for n in [*headings.goals, *headings.highlights])
    description = parse(epic.description, known)

    def lines(names: list[str]) -> list[str]:
        section = description.section(names)
        blocks = (section.bullets or section.blocks) if section else []
        return [text for b in blocks if (text := _shown(b.text))][:6]

    goals, highlights = lines(headings.goals), lines(headings.highlights)
    if not description.section(headings.goals) and not description.section(headings.highlights):
        # No headings: each line of the description is a goal, as written.
        lines_ = description.preamble.splitlines()
        goals = [t for line in lines_ if (t := _shown(line).lstrip("-*• "))][:6]
    if not goals and not highlights:
        return None
    return Goals(goals, highlights, epic.url, epic.updated_at)


@dataclass
class Deck:
    customer: str
    group: str
    today: dt.date
    objectives: list[ObjectiveView]
    completed: list[Item] = field(default_factory=list)
    risks: list[Item] = field(default_factory=list)
    next_steps: list[Item] = field(default_factory=list)
    health: list[HealthRow] = field(default_factory=list)
    plan_findings: list[Finding] = field(default_factory=list)
    closed_days: int = 90
    horizon_days: int = 30
    # "customer" (the default) never shows lint findings or rule ids; "internal" adds plan health.
    audience: str = "customer"
    goals: Goals | None = None

    @property
    def internal(self) -> bool:
        return self.audience == "internal"

    @property
    def head_slides(self) -> list[str]:
        """The slides before the objectives (the goals slide only when the plan has goals)."""
        return ["overview", *(["goals"] if self.goals else []), "glance"]

    @property
    def tail_slides(self) -> list[str]:
        """The slides after the objectives, in order; empty ones are left out."""
        slides = ["timeline"]
        slides += ["wins"] if self.completed else []
        slides += ["risks"] if self.risks else []
        slides += ["next"] if self.next_steps else []
        slides += ["health"] if self.internal else []
        return slides

    @property
    def html_slides(self) -> int:
        """How many slides the HTML deck has."""
        return len(self.head_slides) + len(self.objectives) + len(self.tail_slides)

    @property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for o in self.objectives:
            counts[o.status] = counts.get(o.status, 0) + 1
        return counts


def _status(labels: list[str], prefix: str) -> str:
    found = [label[len(prefix) :].strip() for label in labels if label.startswith(prefix)]
    return found[0] if found else "No status"


def _shown(text: str) -> str:
    """*text* as a slide shows it: without template text, on one line (soft line breaks are spaces)."""
    return " ".join(strip_placeholders(text).split())


def _paragraphs(blocks: list[Block]) -> str:
    """A section's paragraphs, one per line, each on one line, template text removed."""
    return "\n".join(t for b in blocks if (t := _shown(b.text)))


def _filled(parts: dict[str, str] | None) -> dict[str, str] | None:
    """A criteria table row without its template text: a "TBD" baseline is no baseline."""
    if parts is None:
        return None
    return {k: t for k, v in parts.items() if (t := _shown(v))}


_TASK_BOX = re.compile(r"^\[([ xX])\]\s+")


def _criterion(block: Block, dated: list[tuple[dt.date, str]], today: dt.date, horizon: int) -> Criterion:
    """One criterion bullet; a ticked task-list box (``- [x] …``) is the CSM saying it is met."""
    text = _shown(block.text)
    box = _TASK_BOX.match(text)
    text = text[box.end() :] if box else text
    ticked = box is not None and box[1] in "xX"
    return criterion(text, _filled(block.parts), dated, today, horizon, ticked=ticked)


def _people(names: list[str]) -> str:
    return ", ".join(f"@{n}" for n in names) if names else "Owner to be confirmed"


def _initiative(child: Initiative, config: LintConfig, today: dt.date) -> InitiativeView:
    done = child.state == "closed"
    status = "Done" if done else _status(child.labels, config.labels.initiative_status)
    overdue = not done and child.due_date is not None and child.due_date < today
    return InitiativeView(
        child.title,
        _people(child.assignees),
        child.start_date,
        child.due_date,
        status,
        done,
        overdue,
        child.url,
    )


def _objective(
    o: Objective, findings: list[Finding], config: LintConfig, today: dt.date, horizon_days: int
) -> ObjectiveView:
    description = parse(o.description, config.headings.known())
    summary = description.section(config.headings.summary)
    criteria = description.section(config.headings.criteria)
    updates = description.section(config.headings.updates)
    dated = dated_blocks(updates) if updates is not None else []
    latest = newest(dated)  # when the plan last said where it stands, and what it said
    owner = _people(o.assignees)
    if not o.assignees:
        owner_line = next(
            (
                line
                for line in description.full_text.splitlines()
                if line.lower().lstrip("*_ ").startswith("owner")
            ),
            "",
        )
        owner = owner_line.split(":", 1)[-1].strip() or owner
    status = _status(o.labels, config.labels.objective_status)
    children = [_initiative(c, config, today) for c in o.children or []]
    return ObjectiveView(
        title=o.title,
        url=o.url,
        status=status,
        status_class=STATUS_CLASS.get(status, "none"),
        outcome_label=_status(o.labels, config.labels.verifiable_outcome).replace("No status", "Not set"),
        summary=_paragraphs(summary.blocks)[:900] if summary else "",
        criteria=[
            _criterion(b, dated, today, horizon_days)
            for b in (criteria.bullets if criteria else [])
            if _shown(b.text)
        ][:8],
        owner=owner,
        start=o.start_date,
        due=o.due_date,
        overdue=o.state == "opened" and o.due_date is not None and o.due_date < today,
        latest_update=_shown(latest[1])[:300] if latest else "",
        initiatives=children,
        done=sum(1 for c in children if c.done),
        total=len(children),
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity == "warning"),
        last_update=latest[0] if latest else None,
    )


def build(
    group: str,
    customer: str,
    objectives: list[Objective],
    *,
    config: LintConfig,
    today: dt.date,
    closed_days: int = 90,
    horizon_days: int = 30,
    audience: str = "customer",
    hide_drafts: bool = False,
    goals: Objective | None = None,
) -> Deck:
    """The deck for one customer group; *hide_drafts* leaves unfinished objectives out."""
    open_ = [o for o in objectives if o.state == "opened"]
    # Linted once: the slides (draft marks) and the internal plan health share the findings.
    findings = [lint_objective(o, config, today) for o in open_]
    if hide_drafts:
        kept = [n for n, f in enumerate(findings) if not any(x.severity == "error" for x in f)]
        open_, findings = [open_[n] for n in kept], [findings[n] for n in kept]
    deck = Deck(
        customer=customer,
        group=group,
        today=today,
        closed_days=closed_days,
        horizon_days=horizon_days,
        objectives=[_objective(o, findings[n], config, today, horizon_days) for n, o in enumerate(open_)],
        audience=audience,
        goals=goals_view(goals, config),
    )
    since = today - dt.timedelta(days=closed_days)
    for o in objectives:
        if o.state == "closed" and o.closed_at and o.closed_at >= since:
            # What the win achieved, in the plan's words: its outcome section or the update saying so.
            achieved = outcome_summary(parse(o.description, config.headings.known()), config.headings.updates)
            deck.completed.append(
                Item(o.title, _shown(achieved)[:300] or "Completed", o.closed_at, "objective")
            )
        for c in o.children or []:
            if c.state == "closed" and c.closed_at and c.closed_at >= since:
                deck.completed.append(Item(c.title, f"Initiative of “{o.title}”", c.closed_at, "initiative"))
    for view in deck.objectives:
        if view.status in config.labels.at_risk:
            deck.risks.append(
                Item(
                    view.title, f"Status: {view.status}. {view.latest_update}".strip(), view.due, "objective"
                )
            )
        elif view.overdue:
            deck.risks.append(
                Item(view.title, f"Objective past its due date ({view.due})", view.due, "objective")
            )
        for child in view.initiatives:
            if child.overdue:
                deck.risks.append(
                    Item(
                        child.title,
                        f"Initiative past its due date ({child.due}) · {child.dri}",
                        child.due,
                        "initiative",
                    )
                )
            elif (
                not child.done and child.due and today <= child.due <= today + dt.timedelta(days=horizon_days)
            ):
                deck.next_steps.append(
                    Item(child.title, f"{child.dri} · for “{view.title}”", child.due, "initiative")
                )
    deck.completed.sort(key=lambda i: i.when or today, reverse=True)
    deck.next_steps.sort(key=lambda i: i.when or today)
    deck.health = [health_row(o.title, findings[n]) for n, o in enumerate(open_)]
    deck.plan_findings = lint_plan(objectives, config)
    return deck
