"""The rule catalogue: every lint rule's stable id, default severity, title, reason and fix hint.

Pure data. The checks that fire these rules live in ``bot.core.checks``; ``docs/rules.md`` explains
each one with examples (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.model import Severity


@dataclass(frozen=True)
class Rule:
    """A rule's stable id, default severity, a short title, why it matters and how to fix it."""

    id: str
    severity: Severity
    title: str
    why: str
    hint: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "outcome-missing",
            "error",
            "The business outcome is missing",
            "An objective must say what the customer wants to achieve and why it matters to them.",
            "Add a `## Summary` section: the customer's goal, in their words, and why it matters "
            "to their business.",
        ),
        Rule(
            "outcome-placeholder",
            "error",
            "Template text is still in place",
            "Template instructions left in a section read as unfinished work to the customer.",
            "Replace the bracketed template text with the real content, or delete it.",
        ),
        Rule(
            "outcome-too-thin",
            "warning",
            "The summary is too short to explain the why",
            "A one-line summary rarely states both the goal and the business reason behind it.",
            "Expand the summary to say what the customer wants to achieve and why it matters "
            "(one or two sentences is enough).",
        ),
        Rule(
            "criteria-missing",
            "error",
            "There are no success criteria",
            "Without success criteria nobody can tell when the objective is met.",
            "Add a `## Success Criteria` section with one bullet per measurable condition, "
            "e.g. `- Cycle time from 10 days (Jan 2026) to 7 days by 2026-06-30`.",
        ),
        Rule(
            "criteria-not-measurable",
            "error",
            "A success criterion can't be measured",
            "A criterion that only names a direction cannot be confirmed by the customer.",
            'State a number, percentage, duration or count with a target date ("90% of projects '
            'run SAST by 2026-09-30"), or a done-or-not end state ("Jenkins decommissioned").',
        ),
        Rule(
            "criteria-no-baseline",
            "warning",
            "A target has no baseline",
            "A target without a starting point cannot show progress.",
            'Add the starting value ("from 10 days", "currently 40%"). If nobody knows it yet, '
            "add an initiative to establish the baseline.",
        ),
        Rule(
            "timeline-missing",
            "error",
            "There is no due date",
            "The due date is the target completion date used in every report and in the deck.",
            "Set a due date on the epic (the start date is optional).",
        ),
        Rule(
            "timeline-overdue",
            "warning",
            "The due date has passed",
            "An open objective past its due date tells the customer the plan is out of date.",
            "Move the due date and say why in `## Updates`, or close the objective.",
        ),
        Rule(
            "timeline-inverted",
            "error",
            "The start date is after the due date",
            "A start date after the due date breaks the timeline in the deck.",
            "Fix the start or the due date so that the start comes first.",
        ),
        Rule(
            "owner-missing",
            "error",
            "Nobody owns this objective",
            "Every objective needs a directly responsible individual.",
            "Assign the epic to its owner, or add an `Owner: @username` line to the description.",
        ),
        Rule(
            "status-label-missing",
            "error",
            "The status label is missing",
            "The status label drives the deck and the risk review.",
            "Add one `SP Objective::Status::` label: Not Started, On Track, Watchpoint, Concern "
            "or Closed Success.",
        ),
        Rule(
            "outcome-label-missing",
            "warning",
            "The verifiable-outcome label is missing",
            "The verifiable-outcome label records whether the customer confirmed the result.",
            "Add one `Verifiable Outcome::` label: Proposed, Accepted, Delivered or Verified.",
        ),
        Rule(
            "usecase-label-missing",
            "warning",
            "The use-case label is missing",
            "The use-case label groups objectives in reporting.",
            "Add one `UseCase::` label, e.g. `UseCase::CI`, `UseCase::Security`.",
        ),
        Rule(
            "closeout-incomplete",
            "error",
            "The close-out steps are incomplete",
            "Closing an objective takes three steps, in order: status, verified outcome, close.",
            "Label `SP Objective::Status::Closed Success` and `Verifiable Outcome::Verified` (or "
            "`Delivered` when the customer cannot confirm), then close the epic with the reason "
            "in `## Updates`.",
        ),
        Rule(
            "title-no-outcome",
            "suggestion",
            "The title names a tool, not an outcome",
            "A title that names a tool says what is being installed, not what the customer gains.",
            'Lead with the outcome, e.g. "Reduce SDLC time by implementing HA" rather than "GitLab HA".',
        ),
        Rule(
            "initiatives-missing",
            "warning",
            "There are no initiatives",
            "An open objective without initiatives has no plan to reach it.",
            "Add child issues for the work that will get the customer there.",
        ),
        Rule(
            "initiative-incomplete",
            "warning",
            "An initiative is missing tracking details",
            "Initiatives without a date, a DRI or a status cannot be tracked in the deck.",
            "Give each open initiative a due date, an assignee (the DRI) and one "
            "`SP Initiative::Status::` label.",
        ),
        Rule(
            "update-stale",
            "warning",
            "The updates are stale",
            "A plan without recent updates looks abandoned to the customer.",
            "Add a dated entry to `## Updates`, e.g. `- 2026-05-04: pilot teams migrated`.",
        ),
        Rule(
            "plan-too-many-objectives",
            "warning",
            "The plan has too many open objectives",
            "A focused plan has one to three open objectives; more dilutes attention.",
            "Close, merge or defer objectives until at most the configured number are open.",
        ),
    )
}
