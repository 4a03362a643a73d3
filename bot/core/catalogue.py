"""The rule catalogue: every lint rule's stable id, default severity, title, reason and fix hint.

Pure data. The checks that fire these rules live in ``bot.core.checks``; ``docs/rules.md`` explains
each one with examples (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.model import Severity


@dataclass(frozen=True)
class Rule:
    """A rule's stable id, default severity, a short title, why it matters and how to fix it."""

    id: str
    severity: Severity
    title: str
    why: str
    hint: str
    example: str = ""  # one short good example, shown with the fix


# One short good example per rule, in the words a CSM would write.
EXAMPLES = {
    "outcome-missing": "## Summary — Acme wants weekly releases so fraud fixes ship before the holiday peak.",
    "section-loose-form": "`## Success Criteria` rather than `**Success Criteria:**`.",
    "outcome-placeholder": "“Acme wants weekly releases so fixes ship before audits.”",
    "outcome-too-thin": "“Weekly releases instead of monthly, so fixes ship before audits.”",
    "criteria-missing": "“Cycle time from 10 days (Jan 2026) to 7 days by 2026-06-30”.",
    "criteria-not-measurable": "“90% of projects run SAST by 2026-09-30”.",
    "criteria-no-baseline": "“Deployments from 2 a month (Oct 2026) to 8 a month by 2027-03-31”.",
    "timeline-missing": "Due 2027-03-31.",
    "timeline-overdue": "- 2026-12-01: due date moved to 2027-02-28 — the pilot slipped one sprint.",
    "timeline-inverted": "Start 2026-11-01, due 2027-03-31.",
    "owner-missing": "The owner as the epic's assignee.",
    "status-label-missing": "`SP Objective::Status::On Track`",
    "owner-not-mentioned": "`Owner: @dana.park` rather than `Owner: Dana Park`.",
    "outcome-label-missing": "`Verifiable Outcome::Accepted` once the customer agreed.",
    "usecase-label-missing": "`UseCase::CI`",
    "closeout-incomplete": "Closed Success and Verified, then close, with the reason in Updates.",
    "title-no-outcome": "“Reduce SDLC time by implementing HA”, not “GitLab HA”.",
    "initiatives-missing": "A child issue “Migrate the payments pipelines”.",
    "initiative-incomplete": "Due 2027-01-15, assigned to its DRI, `SP Initiative::Status::On Track`.",
    "update-stale": "“2026-12-01: 6 of 9 services migrated; the rest by January.”",
    "plan-too-many-objectives": "Three open objectives; the fourth deferred to next quarter.",
    "status-contradicts-dates": "`SP Objective::Status::Watchpoint`, and “2027-01-20: due in March now”.",
    "initiative-overdue": "Due date moved to 2027-02-15, with why in its Update.",
    "criterion-date-passed": "“2027-01-05: cycle time criterion met, 6 days in December”.",
}

RULES: dict[str, Rule] = {
    rule.id: replace(rule, example=EXAMPLES.get(rule.id, ""))
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
            "section-loose-form",
            "warning",
            "A section is written in a looser form",
            "The bot reads `### Summary`, `Summary:` or `**Summary:**` too, but the template's "
            "`## Summary` is what every reader of the plan, and every tool, looks for.",
            "Write the section's heading as `## Heading` on its own line.",
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
            "Say what the customer wants and why it matters; two sentences will do.",
        ),
        Rule(
            "criteria-missing",
            "error",
            "There are no success criteria",
            "Without success criteria nobody can tell when the objective is met.",
            "Add a `## Success Criteria` section: one bullet per measurable condition, with its "
            "baseline, target and date.",
        ),
        Rule(
            "criteria-not-measurable",
            "error",
            "A success criterion can't be measured",
            "A criterion that only names a direction cannot be confirmed by the customer.",
            "Name a number, percentage, duration or count and a date, or a done-or-not end state.",
        ),
        Rule(
            "criteria-no-baseline",
            "warning",
            "A target has no baseline",
            "A target without a starting point cannot show progress.",
            "Add the starting value; if nobody knows it yet, add an initiative to measure it.",
        ),
        Rule(
            "timeline-missing",
            "error",
            "There is no due date",
            "The due date is the target completion date used in every report and in the deck.",
            "Set the epic's due date; a start date is optional.",
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
            "owner-not-mentioned",
            "warning",
            "The owner is named but not @mentioned",
            "A name is not a GitLab user: nobody is notified, and the deck cannot show who owns it.",
            "Assign the epic to its owner, or write the owner as an @mention: `Owner: @username`.",
        ),
        Rule(
            "status-label-missing",
            "error",
            "The status label is missing",
            "The status label drives the deck and the risk review.",
            "Add the `SP Objective::Status::` label that fits: Not Started, On Track, Watchpoint, "
            "Concern or Closed Success.",
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
            "Add the one `UseCase::` label this objective belongs to.",
        ),
        Rule(
            "closeout-incomplete",
            "error",
            "The close-out steps are incomplete",
            "Closing an objective takes three steps, in order: status, verified outcome, close.",
            "Label `SP Objective::Status::Closed Success` and `Verifiable Outcome::Verified` (or "
            "`Delivered`), then close the epic, with the reason in `## Updates`.",
        ),
        Rule(
            "title-no-outcome",
            "suggestion",
            "The title names a tool, not an outcome",
            "A title that names a tool says what is being installed, not what the customer gains.",
            "Lead with the result the customer gains, then the means.",
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
            "Add a dated entry to `## Updates`: where things stand, what comes next.",
        ),
        Rule(
            "status-contradicts-dates",
            "warning",
            "The status says On Track, but the due date has passed",
            "An objective past its due date is not on track; the deck would tell the customer otherwise.",
            "Change the status to Watchpoint or Concern, or move the due date and say why in `## Updates`.",
        ),
        Rule(
            "initiative-overdue",
            "warning",
            "An initiative is past its due date",
            "An open initiative past its date shows up as a risk in the deck and the next review.",
            "Close it if it is done, or give it a new due date and a line in its `## Update`.",
        ),
        Rule(
            "criterion-date-passed",
            "warning",
            "A success criterion's date has passed",
            "Once its date has passed, a criterion was either met or missed; the plan should say which.",
            "Record in `## Updates` whether it was met or missed, with the number reached.",
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
