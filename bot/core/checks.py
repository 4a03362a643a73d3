"""The lint checks: pure functions from an objective and today's date to findings of the catalogue's rules."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from bot.core import dates, measurable
from bot.core.config import LintConfig
from bot.core.description import Description, dated_blocks, dated_entries, newest, parse, strip_placeholders
from bot.core.inputs import Check, Inputs, finding, quote
from bot.core.model import Finding, Objective

# Words that state an outcome; a title with none of them probably names only a tool.
# A title states an outcome when it names a change in a result: a verb of change (in its verb
# forms: "Reduce", "reducing", not the noun "reduction") or a target (a number, "zero", "faster").
_CHANGE_VERBS = re.compile(
    r"\b(?:reduc(?:e|es|ed|ing)|cut(?:s|ting)?|lower(?:s|ed|ing)?|decreas(?:e|es|ed|ing)"
    r"|increas(?:e|es|ed|ing)|rais(?:e|es|ed|ing)|improv(?:e|es|ed|ing)|accelerat(?:e|es|ed|ing)"
    r"|speed(?:s|ing)? up|shorten(?:s|ed|ing)?|halv(?:e|es|ed|ing)|doubl(?:e|es|ed|ing)"
    r"|eliminat(?:e|es|ed|ing)|prevent(?:s|ed|ing)?|avoid(?:s|ed|ing)?|achiev(?:e|es|ed|ing)"
    r"|reach(?:es|ed|ing)?|meet(?:s|ing)?|pass(?:es|ed|ing)?|compl(?:y|ies|ied|ying)|sav(?:e|es|ed|ing)"
    r"|grow(?:s|ing)?|boost(?:s|ed|ing)?|strengthen(?:s|ed|ing)?|stabili[sz](?:e|es|ed|ing)"
    r"|secur(?:e|es|ed|ing)|protect(?:s|ed|ing)?|recover(?:s|ed|ing)?|consolidat(?:e|es|ed|ing)"
    r"|minimi[sz](?:e|es|ed|ing)|maximi[sz](?:e|es|ed|ing)|enabl(?:e|es|ed|ing)|deliver(?:s|ed|ing)?"
    r"|ship(?:s|ped|ping)?|releas(?:e|es|ed|ing)|retir(?:e|es|ed|ing)|decommission(?:s|ed|ing)?"
    r"|replac(?:e|es|ed|ing)|detect(?:s|ed|ing)?|fix(?:es|ed|ing)?|win|gain(?:s|ed|ing)?"
    r"|catch(?:es|ing)?|stop(?:s|ped|ping)?|block(?:s|ed|ing)?|shift(?:s|ed|ing)? \w+ left)\b",
    re.IGNORECASE,
)
_TARGET = re.compile(
    r"\b(?:to|under|below|above|over|than|within|by)\s+[~<>]?\d|\bwithin\s+(?:a|an|one)\b"
    r"|\d[\d,.]*\s*(?:%|x\b|\u00d7|percent|days?|hours?|minutes?|mins?\b|weeks?|months?|ms\b|seconds?)"
    r"|\bzero\b|\bfaster\b|\bfewer\b|\bless\b",
    re.IGNORECASE,
)
# What names a tool, feature or activity, not a result (the handbook's "needs improvement" titles).
_ACTIVITY_NOUNS = re.compile(
    r"\b(?:gitlab|ci|cd|ci/cd|scanning|scanner|sast|dast|migration|adoption|rollout|roll-out"
    r"|implementation|onboarding|deployment|setup|pilot|integration|upgrade|dashboard|runners?"
    r"|training|enablement|workshop|poc|proof of concept|evaluation|dedicated|duo|premium|ultimate)\b",
    re.IGNORECASE,
)


def states_outcome(title: str) -> bool:
    """True when *title* names a change in a result rather than a tool or an activity."""
    return bool(_CHANGE_VERBS.search(title) or _TARGET.search(measurable.without_dates(title)))


def _status_hint(obj: Objective, prefix: str, initiative_prefix: str, closed_success: str) -> str:
    """Which status label fits now, from the epic's state and its initiatives."""
    if obj.state == "closed":
        return f"Add `{prefix}{closed_success}` if it met its goal."
    started = any(
        c.state == "closed"
        or any(label.startswith(initiative_prefix) and "Not Started" not in label for label in c.labels)
        for c in obj.children or []
    )
    if not started:
        return f"Add `{prefix}Not Started` until the first initiative starts."
    return f"Add `{prefix}On Track` if the work is going to plan, else Watchpoint or Concern."


def _outcome_value(obj: Objective, statuses: list[str], closed_success: str) -> tuple[str, str]:
    """The ``Verifiable Outcome::`` value that fits the objective now, and why."""
    if obj.state == "closed" or closed_success in statuses:
        return "Verified", "it is closed: Verified once the customer confirmed the result, else Delivered"
    if not statuses or "Not Started" in statuses:
        return "Proposed", "work has not started, so the outcome is still proposed"
    return "Accepted", "the work is under way, so the customer has agreed to the outcome"


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
            f"{len(words)} words; the goal and why it matters take "
            f"{i.config.thresholds.summary_min_words} or more.",
            name,
        )


def check_section_forms(i: Inputs) -> Iterator[Finding]:
    """A section found only in a looser form: read all the same, and a warning quoting it."""
    for kind in ("summary", "criteria", "updates"):
        section = i.section(kind)
        if section is not None and not section.exact:
            yield finding(
                "section-loose-form",
                f"Found `{section.form}`; write `## {section.heading}` so the deck picks it up.",
                section.heading,
                (section.form, section.heading),
                hint=f"Write the heading as `## {section.heading}`, on its own line.",
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
                f"Template text is still in `## {section.heading}`: {quote(found[0], 60)}",
                section.heading,
                (section.heading, quote(found[0], 60)),
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
                f'"{quote(text)}" names no quantity and no end state to check.',
                where,
                (section.heading, quote(text)),
            )
        elif (
            measurable.has_numeric_target(text)
            and not measurable.has_baseline(text)
            and not measurable.is_absolute(text)
        ):
            yield finding(
                "criteria-no-baseline",
                f'"{quote(text)}" has a target but no baseline to measure it from.',
                where,
                (section.heading, quote(text)),
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
        # No day count: the comment must not change every day the plan stays as it is.
        yield finding(
            "timeline-overdue",
            f"The due date {obj.due_date} has passed and the objective is still open.",
            "Due date",
        )


def check_owner(i: Inputs) -> Iterator[Finding]:
    if i.objective.assignees or i.description.has_owner_line():
        return
    if i.description.names_an_owner():
        # The owner is named, but not as a GitLab user: nobody is notified, the deck cannot link.
        yield finding(
            "owner-not-mentioned",
            "The `Owner:` line names someone without an @mention, and nobody is assigned.",
            "Owner",
        )
        return
    yield finding("owner-missing", "Nobody is assigned and there is no `Owner:` line.", "Assignees")


def check_labels(i: Inputs) -> Iterator[Finding]:
    labels = i.config.labels
    obj = i.objective
    statuses = obj.scoped(labels.objective_status)
    if not statuses:
        yield finding(
            "status-label-missing",
            f"No `{labels.objective_status}` label.",
            "Labels",
            hint=_status_hint(obj, labels.objective_status, labels.initiative_status, labels.closed_success),
        )
    outcomes = obj.scoped(labels.verifiable_outcome)
    if not outcomes:
        value, why = _outcome_value(obj, statuses, labels.closed_success)
        yield finding(
            "outcome-label-missing",
            f"No `{labels.verifiable_outcome}` label.",
            "Labels",
            hint=f"Add `{labels.verifiable_outcome}{value}`: {why}.",
        )
    if not obj.scoped(labels.use_case):
        yield finding("usecase-label-missing", f"No `{labels.use_case}` label.", "Labels")
    success = labels.closed_success in statuses
    if obj.state == "closed":
        missing = []
        if not success:
            missing.append(f"the status is not `{labels.closed_success}`")
        if not set(outcomes) & set(labels.outcome_done):
            missing.append("the outcome is neither " + " nor ".join(f"`{o}`" for o in labels.outcome_done))
        if not _outcome_summarised(i):
            missing.append(f"nothing in `## {i.heading('updates')}` says what was achieved")
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


ACHIEVED = re.compile(
    r"\b(?:achiev|met\b|meets\b|reach|deliver|complet|closed|done\b|verified|succe|exceed|hit\b|result"
    r"|migrated|decommissioned|retired|replaced|launched|live\b|rolled out|shipped|passed\b)",
    re.IGNORECASE,
)


OUTCOME_HEADINGS = ["Outcome", "Outcome summary", "Results", "Result"]


def outcome_summary(description: Description, updates_headings: list[str]) -> str:
    """What a closed objective achieved: its outcome section, else its newest dated update saying so."""
    section = description.section(OUTCOME_HEADINGS)
    if section is not None and (text := strip_placeholders(section.text)):
        return text
    updates = description.section(updates_headings)
    said = [(day, text) for day, text in dated_blocks(updates) if ACHIEVED.search(text)] if updates else []
    found = newest(said)
    if found is None:
        return ""
    # The entry's own date is shown beside it already: "2026-11-20: Audit passed" → "Audit passed".
    return re.sub(r"^\W*\d{4}-\d{2}-\d{2}\W*", "", strip_placeholders(found[1]))


def _outcome_summarised(i: Inputs) -> bool:
    """A closed objective says what it achieved: a dated update that does, or an outcome section."""
    return bool(outcome_summary(i.description, i.config.headings.updates))


def check_title(i: Inputs) -> Iterator[Finding]:
    title = i.objective.title.strip()
    if title and not states_outcome(title):
        yield finding(
            "title-no-outcome",
            f'The title "{quote(title)}" names the means, not the result.',
            "Title",
            (quote(title),),
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
        missing: list[str] = []
        present: list[str] = []
        for lacks, what in (
            (child.due_date is None, "a due date"),
            (not child.assignees, "an assignee"),
            (not any(label.startswith(prefix) for label in child.labels), f"a `{prefix}` label"),
        ):
            (missing if lacks else present).append(what)
        if missing:
            listed = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
            yield finding(
                "initiative-incomplete",
                f'Initiative "{quote(child.title, 60)}" lacks {listed}.',
                f"Initiative: {quote(child.title, 60)}",
                (quote(child.title, 60),),
                hint=f"Give it {listed}"
                + (f" (it has {' and '.join(present)} already)." if present else "."),
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
            f"Newest update: {latest}, more than {limit} days ago.",
            where,
            (where,),
        )


CHECKS: tuple[Check, ...] = (
    check_section_forms,
    check_outcome,
    check_placeholders,
    check_criteria,
    check_timeline,
    check_owner,
    check_labels,
    check_title,
    check_initiatives,
    check_updates,
    *dates.CHECKS,
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
    inputs = Inputs(objective, parse(objective.description, config.headings.known()), config, today)
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
