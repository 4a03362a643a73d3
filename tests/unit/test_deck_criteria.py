"""Criteria as a business review reads them: values from tables, sentences and dated updates; verdicts."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.config import LintConfig
from bot.core.model import Objective
from bot.deck import model
from bot.deck.criteria import Quantity, criterion, quantity

TODAY = dt.date(2026, 12, 1)
UPDATES = [
    (dt.date(2026, 11, 2), "2026-11-02: cycle time is now 8 days, down from 10 (target 7)."),
    (dt.date(2026, 10, 1), "2026-10-01: MTTR at 3 hours after the runbook change."),
    (dt.date(2026, 11, 20), "2026-11-20: SOC 2 audit passed with no findings."),
    (dt.date(2026, 11, 25), "2026-11-25: the registry migration is not yet completed."),
    (dt.date(2026, 11, 5), "2026-11-05: first-review criterion met: 0.8 days in October."),
    (dt.date(2026, 11, 6), "2026-11-06: the Duo seat target was missed; renewal talks start."),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("7 days", Quantity(7 * 1440, "min")),
        ("under 15 min", Quantity(15, "min")),
        ("1.5 hours", Quantity(90, "min")),
        ("40%", Quantity(40, "%")),
        ("2,000 developers", Quantity(2000, "developer")),
        ("2k users", Quantity(2000, "user")),
        ("5/day", Quantity(5 / 1440, "/min")),
        ("2 deploys per week", Quantity(2 / 10080, "/min")),
        ("by 2027-06-30", None),
    ],
)
def test_quantities_compare_across_units(text: str, expected: Quantity | None) -> None:
    assert quantity(text) == expected


@pytest.mark.parametrize(
    ("text", "baseline", "current", "target", "verdict"),
    [
        # On its way: the date is months off; the current value comes from the dated update.
        ("Cycle time from 10 days to 7 days by 2027-06-30", "10 days", "8 days", "7 days", ""),
        # Date passed, latest value short of the target (less is better: baseline > target).
        (
            "Reduce MTTR from 4 hours to under 1 hour by 2026-11-30",
            "4 hours",
            "3 hours",
            "under 1 hour",
            "Missed",
        ),
        # Date passed, the current value in the sentence meets the target.
        ("Uptime from 99.0% to 99.5% (currently 99.7%) by 2026-11-15", "99.0%", "99.7%", "99.5%", "Met"),
        # Due within the horizon and still short.
        ("Raise adoption from 40% to 80% (currently 55%) by 2026-12-20", "40%", "55%", "80%", "At risk"),
        # Done-or-not: a dated update says it was achieved ("SOC 2" is a name, not a quantity).
        ("Pass the SOC 2 audit by 2026-11-15", "", "", "", "Met"),
        # "not yet completed" is not an achievement; the date passed with no result reported.
        ("Complete the registry migration by 2026-11-30", "", "", "", "Result to be confirmed"),
        # No date: no verdict, whatever the numbers.
        ("Onboard 2,000 developers", "", "", "2,000 developers", ""),
        # A baseline's own date in parentheses is neither a target nor the due date; the value comes
        # from an update that writes the metric hyphenated ("first-review").
        (
            "Time to first review from 3 days (May 2026) to 1 day by Oct 2026",
            "3 days",
            "0.8 days",
            "1 day",
            "Met",
        ),
        ("Duo seats from 120 (Nov 2025) to 600 by Q3 2026", "120", "", "600", "Missed"),  # the update says so
        # A baseline without a target yet: nothing is made up for the missing half.
        ("Lead time from 9 days to by 2027-01-31", "9 days", "", "", ""),
        ("Reviewer-to-author ratio from 1:6 to 1:3 (currently 1:4)", "1:6", "1:4", "1:3", ""),
        (
            "Median pipeline duration under 15 minutes (currently 12 minutes) by 2027-01-31",
            "",
            "12 minutes",
            "under 15 minutes",
            "Met",
        ),
    ],
)
def test_sentences_give_values_and_verdicts(
    text: str, baseline: str, current: str, target: str, verdict: str
) -> None:
    c = criterion(text, None, UPDATES, TODAY, horizon_days=30)
    assert (c.baseline, c.current, c.target, c.verdict) == (baseline, current, target, verdict)


def test_a_criteria_table_row_keeps_its_columns_and_compares_rates_per_period() -> None:
    parts = {
        "criterion": "Deployment frequency",
        "baseline": "2 per week",
        "current": "1 per day",
        "target": "5 per week",
        "date": "Q3 2026",
    }
    c = criterion("ignored", parts, [], TODAY)
    assert c.label == "Deployment frequency" and c.due == dt.date(2026, 9, 30)
    assert c.verdict == "Met"  # 7 a week is more than 5 a week
    assert c.detail == "Baseline 2 per week → now 1 per day → target 5 per week by 2026-09-30"


def test_nothing_is_invented_when_the_plan_gives_no_numbers() -> None:
    c = criterion("Developers are happier with the release process", None, UPDATES, TODAY)
    assert (c.baseline, c.current, c.target, c.due, c.verdict, c.values) == ("", "", "", None, "", "")


def _deck(description: str, **extra: object) -> model.Deck:
    objective = Objective(title="Cut lead time to 7 days", description=description, labels=["SP Objective"])
    return model.build("g", "Acme", [objective], config=LintConfig(), today=TODAY, **extra)  # type: ignore[arg-type]


def test_the_deck_reads_criteria_tables_and_the_updates_of_the_objective() -> None:
    deck = _deck(
        "## Summary\nWhy.\n\n## Success Criteria\n| Metric | Baseline | Target | By |\n|---|---|---|---|\n"
        "| Lead time | 10 days | 7 days | 2026-11-30 |\n\n## Updates\n- 2026-11-28: lead time now 6 days\n"
    )
    (c,) = deck.objectives[0].criteria
    assert (c.label, c.current, c.current_as_of, c.verdict) == (
        "Lead time",
        "6 days",
        dt.date(2026, 11, 28),
        "Met",
    )


def test_a_ticked_task_list_box_is_the_csm_saying_met() -> None:
    deck = _deck(
        "## Summary\nWhy.\n\n## Success Criteria\n- [x] Retire Jenkins by 2026-10-31\n- [ ] Pass the audit\n"
    )
    ticked, open_ = deck.objectives[0].criteria
    assert (ticked.label, ticked.verdict) == ("Retire Jenkins by 2026-10-31", "Met")
    assert (open_.label, open_.verdict) == ("Pass the audit", "")


def test_criteria_still_in_template_text_are_left_out_not_shown_blank() -> None:
    only_template = _deck("## Summary\nWhy.\n\n## Success Criteria\n- [Criterion 1]\n- [Criterion 2]\n")
    assert only_template.objectives[0].criteria == []  # the slide says "still being agreed"
    mixed = _deck("## Summary\nWhy.\n\n## Success Criteria\n- [Criterion 1]\n- Lead time to 7 days\n")
    assert [c.label for c in mixed.objectives[0].criteria] == ["Lead time to 7 days"]


def test_template_text_in_a_criteria_table_never_reaches_a_slide() -> None:
    deck = _deck(
        "## Summary\nWhy.\n\n## Success Criteria\n| Metric | Baseline | Current | Target | By |\n"
        "|---|---|---|---|---|\n| Lead time | TBD | [current value] | 7 days | n/a |\n"
    )
    (c,) = deck.objectives[0].criteria
    assert (c.label, c.baseline, c.current, c.target, c.due) == ("Lead time", "", "", "7 days", None)
    assert c.values == "Target 7 days"


def test_wins_say_what_was_achieved_in_the_plans_words() -> None:
    closed = [
        Objective(
            title="Retire the old registry",
            labels=["SP Objective"],
            state="closed",
            closed_at=dt.date(2026, 11, 10),
            description=(
                "## Updates\n- 2026-11-09: Old registry decommissioned; 40 TB freed.\n- 2026-10-01: started"
            ),
        ),
        Objective(title="Quiet one", labels=["SP Objective"], state="closed", closed_at=dt.date(2026, 11, 9)),
    ]
    deck = model.build("g", "Acme", closed, config=LintConfig(), today=TODAY)
    assert [(i.title, i.detail) for i in deck.completed] == [
        ("Retire the old registry", "Old registry decommissioned; 40 TB freed."),
        ("Quiet one", "Completed"),
    ]


def test_the_goals_slide_comes_from_the_goals_epic_and_never_from_nowhere() -> None:
    epic = Objective(
        title="Acme goals",
        labels=["SP Goals"],
        updated_at=dt.date(2026, 11, 25),
        description=(
            "**Goals:**\n- Weekly releases by mid-2027\n- [Add a goal]\n\n### Highlights\n- SOC 2 passed\n"
        ),
    )
    deck = _deck("## Summary\nWhy.", goals=epic)
    assert deck.goals is not None
    assert (deck.goals.goals, deck.goals.highlights) == (["Weekly releases by mid-2027"], ["SOC 2 passed"])
    assert deck.head_slides == ["overview", "goals", "glance"]
    assert _deck("## Summary\nWhy.").goals is None
    template_only = epic.model_copy(update={"description": "## Goals\n- [Add a goal]\n"})
    assert _deck("## Summary\nWhy.", goals=template_only).goals is None
