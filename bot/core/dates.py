"""The calendar's rules: what becomes wrong with an objective when only the date moves on.

Pure like every check: today is an input, so the daily sweep can lint "as of" any day.
"""

from __future__ import annotations

from collections.abc import Iterator

from bot.core import measurable
from bot.core.description import dated_entries, strip_placeholders
from bot.core.inputs import Check, Inputs, finding, quote
from bot.core.model import Finding

# The rules whose findings depend on the date alone: they earn the owner a nudge when they appear.
DATE_RULES = frozenset(
    {
        "timeline-overdue",
        "update-stale",
        "initiative-overdue",
        "criterion-date-passed",
        "status-contradicts-dates",
    }
)


def check_status_dates(i: Inputs) -> Iterator[Finding]:
    obj, labels = i.objective, i.config.labels
    if obj.state != "opened" or obj.due_date is None or obj.due_date >= i.today:
        return
    if "On Track" in obj.scoped(labels.objective_status):
        yield finding(
            "status-contradicts-dates",
            f"Labelled On Track, but the due date {obj.due_date} has passed.",
            "Labels",
        )


def check_initiative_dates(i: Inputs) -> Iterator[Finding]:
    if i.objective.state != "opened":
        return
    for child in i.objective.children or []:
        if child.state == "opened" and child.due_date is not None and child.due_date < i.today:
            title = quote(child.title, 60)
            yield finding(
                "initiative-overdue",
                f'Initiative "{title}" was due {child.due_date}.',
                f"Initiative: {title}",
                (title,),
            )


def check_criterion_dates(i: Inputs) -> Iterator[Finding]:
    """A criterion whose own date has passed, with no update recorded since that date."""
    if i.objective.state != "opened":
        return
    section = i.section("criteria")
    if section is None:
        return
    updates = i.section("updates")
    recorded = dated_entries(updates) if updates is not None else []
    for bullet in section.bullets:
        text = strip_placeholders(bullet.text)
        due = measurable.target_date(text) if text else None
        if due is None or due >= i.today or any(day >= due for day in recorded):
            continue
        yield finding(
            "criterion-date-passed",
            f'"{quote(text)}" was due {due}; nothing in Updates says whether it was met.',
            f"{section.heading}, bullet {bullet.bullet}",
            (section.heading, quote(text)),
        )


CHECKS: tuple[Check, ...] = (check_status_dates, check_initiative_dates, check_criterion_dates)
