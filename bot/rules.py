"""The lint rules of the success-plan template: pure functions from an objective to findings."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot import measurable
from bot.description import Description, Section, dated_entries, parse, strip_placeholders
from bot.lintconfig import LintConfig, Severity
from bot.plan import Finding, Objective


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

# Words that state an outcome; a title with none of them probably names only a tool.
_OUTCOME_WORDS = re.compile(
    r"\b(?:reduc|increas|improv|accelerat|achiev|enabl|cut|lower|rais|speed|faster|shorten|secur"
    r"|protect|comply|complian|meet|pass|deliver|consolidat|standardi[sz]|automat|eliminat|migrat"
    r"|replac|retir|decommission|scal|grow|sav|decreas|moderni[sz]|adopt|shift|ship|launch|onboard"
    r"|harden|stabili[sz]|unif|simplif|minimi[sz]|maximi[sz]|halv|doubl|prevent|avoid|detect"
    r"|establish|achiev|gain|boost|strengthen|transform)\w*",
    re.IGNORECASE,
)

Check = Callable[["Inputs"], Iterator[Finding]]


@dataclass(frozen=True)
class Inputs:
    """What every check reads: the objective, its parsed description, the config and today."""

    objective: Objective
    description: Description
    config: LintConfig
    today: dt.date

    def section(self, kind: str) -> Section | None:
        return self.description.section(getattr(self.config.headings, kind))

    def heading(self, kind: str) -> str:
        return str(getattr(self.config.headings, kind)[0])


def finding(rule_id: str, message: str, where: str | None = None, quotes: tuple[str, ...] = ()) -> Finding:
    """A finding of *rule_id*; *quotes* lists the parts of message and where copied from the epic."""
    rule = RULES[rule_id]
    return Finding(
        rule=rule_id,
        severity=rule.severity,
        message=message,
        hint=rule.hint,
        where=where,
        quotes=list(quotes),
    )


def _quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def check_outcome(i: Inputs) -> Iterator[Finding]:
    summary = i.section("summary")
    name = i.heading("summary")
    if summary is None:
        yield finding("outcome-missing", f"The description has no `## {name}` section.", name)
        return
    words = strip_placeholders(summary.text).split()
    if summary.placeholders():
        return  # outcome-placeholder reports it; an unfilled template is not also "thin"
    if not words:
        yield finding("outcome-missing", f"The `## {name}` section is empty.", name)
    elif len(words) < i.config.thresholds.summary_min_words:
        yield finding(
            "outcome-too-thin",
            f"The summary has {len(words)} words; it should state the goal and why it "
            f"matters (at least {i.config.thresholds.summary_min_words} words).",
            name,
        )


def check_placeholders(i: Inputs) -> Iterator[Finding]:
    for kind in ("summary", "criteria", "updates"):
        section = i.section(kind)
        if section is None:
            continue
        found = section.placeholders()
        if found:
            yield finding(
                "outcome-placeholder",
                f"Template text is still in `## {section.heading}`: {_quote(found[0], 60)}",
                section.heading,
                (section.heading, _quote(found[0], 60)),
            )


def check_criteria(i: Inputs) -> Iterator[Finding]:
    section = i.section("criteria")
    name = i.heading("criteria")
    if section is None:
        yield finding("criteria-missing", f"The description has no `## {name}` section.", name)
        return
    bullets = section.bullets
    if not bullets:
        if not section.placeholders():
            yield finding(
                "criteria-missing",
                f"`## {section.heading}` has no bulleted criterion.",
                section.heading,
                (section.heading,),
            )
        return
    for bullet in bullets:
        text = strip_placeholders(bullet.text)
        if not text:
            continue  # an untouched template bullet: outcome-placeholder covers it
        where = f"{section.heading}, bullet {bullet.bullet}"
        if not measurable.is_measurable(text):
            yield finding(
                "criteria-not-measurable",
                f'"{_quote(text)}" names no quantity and no verifiable end state.',
                where,
                (section.heading, _quote(text)),
            )
        elif measurable.has_numeric_target(text) and not measurable.has_baseline(text):
            yield finding(
                "criteria-no-baseline",
                f'"{_quote(text)}" has a target but no baseline to measure it from.',
                where,
                (section.heading, _quote(text)),
            )


def check_timeline(i: Inputs) -> Iterator[Finding]:
    obj = i.objective
    if obj.due_date is None:
        yield finding("timeline-missing", "The epic has no due date.", "Due date")
        return
    if obj.start_date is not None and obj.start_date > obj.due_date:
        yield finding(
            "timeline-inverted",
            f"The start date {obj.start_date} is after the due date {obj.due_date}.",
            "Dates",
        )
    if obj.state == "opened" and obj.due_date < i.today:
        days = (i.today - obj.due_date).days
        yield finding(
            "timeline-overdue",
            f"The due date {obj.due_date} passed {days} day{'s' if days != 1 else ''} ago "
            f"and the objective is still open.",
            "Due date",
        )


def check_owner(i: Inputs) -> Iterator[Finding]:
    if not i.objective.assignees and not i.description.has_owner_line():
        yield finding("owner-missing", "Nobody is assigned and there is no `Owner:` line.", "Assignees")


def check_labels(i: Inputs) -> Iterator[Finding]:
    labels = i.config.labels
    obj = i.objective
    statuses = obj.scoped(labels.objective_status)
    if not statuses:
        yield finding("status-label-missing", f"No `{labels.objective_status}` label.", "Labels")
    outcomes = obj.scoped(labels.verifiable_outcome)
    if not outcomes:
        yield finding("outcome-label-missing", f"No `{labels.verifiable_outcome}` label.", "Labels")
    if not obj.scoped(labels.use_case):
        yield finding("usecase-label-missing", f"No `{labels.use_case}` label.", "Labels")
    success = labels.closed_success in statuses
    if obj.state == "closed":
        missing = []
        if not success:
            missing.append(f"the status is not `{labels.closed_success}`")
        if not set(outcomes) & set(labels.outcome_done):
            missing.append("the outcome is neither " + " nor ".join(f"`{o}`" for o in labels.outcome_done))
        if missing:
            yield finding(
                "closeout-incomplete", "The epic is closed but " + " and ".join(missing) + ".", "Labels"
            )
    elif success:
        yield finding(
            "closeout-incomplete",
            f"The status says `{labels.closed_success}` but the epic is still open.",
            "Labels",
        )


def check_title(i: Inputs) -> Iterator[Finding]:
    title = i.objective.title.strip()
    if title and not _OUTCOME_WORDS.search(title):
        yield finding(
            "title-no-outcome",
            f'The title "{_quote(title)}" names what is being done, not the outcome.',
            "Title",
            (_quote(title),),
        )


def check_initiatives(i: Inputs) -> Iterator[Finding]:
    obj = i.objective
    if obj.children is None:
        return  # unknown (a webhook payload), not absent
    if obj.state == "opened" and not obj.children:
        yield finding("initiatives-missing", "The objective has no child initiative.", "Initiatives")
    prefix = i.config.labels.initiative_status
    for child in obj.children:
        if child.state != "opened":
            continue
        missing = []
        if child.due_date is None:
            missing.append("a due date")
        if not child.assignees:
            missing.append("an assignee")
        if not any(label.startswith(prefix) for label in child.labels):
            missing.append(f"a `{prefix}` label")
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            yield finding(
                "initiative-incomplete",
                f'Initiative "{_quote(child.title, 60)}" lacks {listed}.',
                f"Initiative: {_quote(child.title, 60)}",
                (_quote(child.title, 60),),
            )


def check_updates(i: Inputs) -> Iterator[Finding]:
    obj = i.objective
    if obj.state != "opened":
        return
    section = i.section("updates")
    dates = dated_entries(section) if section is not None else []
    if not dates and section is not None and section.placeholders():
        return  # an untouched template: outcome-placeholder already says so
    latest = max(dates) if dates else obj.updated_at
    limit = i.config.thresholds.stale_update_days
    where = section.heading if section is not None else i.heading("updates")
    if latest is None:
        yield finding("update-stale", f"There is no dated entry in `## {where}`.", where, (where,))
    elif (i.today - latest).days > limit:
        yield finding(
            "update-stale",
            f"The newest update is from {latest}, {(i.today - latest).days} days ago (more than {limit}).",
            where,
            (where,),
        )


CHECKS: tuple[Check, ...] = (
    check_outcome,
    check_placeholders,
    check_criteria,
    check_timeline,
    check_owner,
    check_labels,
    check_title,
    check_initiatives,
    check_updates,
)


def apply_overrides(findings: list[Finding], config: LintConfig) -> list[Finding]:
    """Drop rules turned off and re-grade the others, then sort: errors first."""
    kept: list[Finding] = []
    for item in findings:
        setting = config.rules.get(item.rule)
        if setting == "off":
            continue
        kept.append(item if setting is None else item.model_copy(update={"severity": setting}))
    return sorted(kept, key=Finding.sort_key)


def lint_objective(objective: Objective, config: LintConfig, today: dt.date) -> list[Finding]:
    """Every finding for one objective; *today* is an input, never read from a clock."""
    inputs = Inputs(objective, parse(objective.description), config, today)
    return apply_overrides([f for check in CHECKS for f in check(inputs)], config)


def lint_plan(objectives: list[Objective], config: LintConfig) -> list[Finding]:
    """Plan-level findings for one customer group's objectives."""
    findings: list[Finding] = []
    open_count = sum(1 for o in objectives if o.state == "opened")
    limit = config.thresholds.max_open_objectives
    if open_count > limit:
        findings.append(
            finding(
                "plan-too-many-objectives",
                f"The plan has {open_count} open objectives; keep it to {limit} or fewer.",
                "Plan",
            )
        )
    return apply_overrides(findings, config)
