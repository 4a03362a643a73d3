"""The calendar's rules, each firing and silent, and criterion dates as CSMs write them."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.checks import lint_objective
from bot.core.config import LintConfig
from bot.core.dates import DATE_RULES
from bot.core.measurable import target_date
from bot.core.model import Initiative, Objective

TODAY = dt.date(2027, 1, 20)


def rules(objective: Objective, today: dt.date = TODAY) -> set[str]:
    return {f.rule for f in lint_objective(objective, LintConfig(), today)}


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("Cycle time to 7 days by 2026-12-01", dt.date(2026, 12, 1)),
        ("from 10 days (2026-01-15) to 7 days by 2026-06-30", dt.date(2026, 6, 30)),
        ("90% of projects run SAST by Jan 2027", dt.date(2027, 1, 31)),
        ("Zero critical findings by Q1 2027", dt.date(2027, 3, 31)),
        ("Pass the audit in Q4 FY26", dt.date(2026, 12, 31)),
        ("All teams on GitLab CI", None),
    ],
)
def test_target_date(text: str, due: dt.date | None) -> None:
    assert target_date(text) == due


def test_status_contradicts_dates_fires_on_track_past_due_only() -> None:
    base = Objective(title="x", labels=["SP Objective::Status::On Track"], due_date=dt.date(2026, 12, 10))
    assert "status-contradicts-dates" in rules(base)
    assert "status-contradicts-dates" not in rules(base, dt.date(2026, 12, 1))
    watch = base.model_copy(update={"labels": ["SP Objective::Status::Watchpoint"]})
    assert "status-contradicts-dates" not in rules(watch)


def test_initiative_overdue_for_open_initiatives_only() -> None:
    late = Initiative(title="Pilot", due_date=dt.date(2026, 12, 5))
    objective = Objective(
        title="x", children=[late, Initiative(title="Done", due_date=dt.date(2026, 12, 1), state="closed")]
    )
    findings = [f for f in lint_objective(objective, LintConfig(), TODAY) if f.rule == "initiative-overdue"]
    assert [f.where for f in findings] == ["Initiative: Pilot"]
    assert "initiative-overdue" not in rules(objective, dt.date(2026, 12, 4))


def test_criterion_date_passed_until_an_update_records_it() -> None:
    description = (
        "## Success Criteria\n- Lead time from 9 days to 3 days by 2026-12-01\n\n"
        "## Updates\n- 2026-11-20: on track\n"
    )
    objective = Objective(title="x", description=description)
    assert "criterion-date-passed" in rules(objective)
    recorded = objective.model_copy(update={"description": description + "- 2026-12-03: met, 2.5 days\n"})
    assert "criterion-date-passed" not in rules(recorded)
    closed = objective.model_copy(update={"state": "closed"})
    assert "criterion-date-passed" not in rules(closed)


def test_date_rules_are_in_the_catalogue() -> None:
    from bot.core.catalogue import RULES

    assert set(RULES) >= DATE_RULES
