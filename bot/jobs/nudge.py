"""One nudge to the owner when a date finding first appears: a new note, since an edit notifies nobody.

At most one per objective per ``nudge_days`` (7 by default, 0 turns nudges off), remembered in the
store and marked in the note itself, so that a restart, a lost answer or a second replica never
repeats one. It mentions the objective's assignees and nobody else.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from bot import log
from bot.core.comment import defuse, no_quick_actions
from bot.core.dates import DATE_RULES
from bot.core.model import Finding, Objective
from bot.gitlab.api import GitLabAPI
from bot.gitlab.mapping import comments
from bot.jobs.context import Context, reserve_note
from bot.templating import environment

logger = log.get(__name__)

DATE_FINDINGS = "date-findings"  # work item id -> the date rules last seen on it (JSON list)
NUDGED = "nudged"  # work item id -> the day of its last nudge
NUDGE_MARK = "<!-- success-plan-bot:nudge {day} -->"
_NUDGE_RE = re.compile(r"<!-- success-plan-bot:nudge (\d{4}-\d{2}-\d{2}) -->")


def _recent_nudge(node: dict[str, Any], since: dt.date, bot: str | None) -> str | None:
    """A nudge note of the bot's on the epic's first page of comments, made on or after *since*."""
    notes, _ = comments(node)
    for note in notes:
        author = (note.get("author") or {}).get("username")
        match = _NUDGE_RE.search(note.get("body") or "")
        if match and bot in (None, author) and dt.date.fromisoformat(match[1]) >= since:
            return str(note["id"])
    return None


async def nudge_if_due(
    ctx: Context,
    gl: GitLabAPI,
    node: dict[str, Any],
    objective: Objective,
    findings: list[Finding],
    today: dt.date,
) -> str | None:
    """Post the nudge when a date finding is new on this objective and none was posted lately."""
    item = str(node["id"])
    now = sorted({f.rule for f in findings if f.rule in DATE_RULES})
    stored = await ctx.store.get_values(DATE_FINDINGS, [item])
    before = set(json.loads(stored[item])) if item in stored else set()
    fresh = [f for f in findings if f.rule in set(now) - before]
    days = ctx.config.nudge_days
    nudged: str | None = None
    if fresh and days > 0 and objective.state == "opened":
        last = (await ctx.store.get_values(NUDGED, [item])).get(item)
        since = today - dt.timedelta(days=days - 1)
        if last is None or dt.date.fromisoformat(last) < since:
            nudged = _recent_nudge(node, since, ctx.bot_username) or await _post(
                ctx, gl, node, objective, fresh, today
            )
            await ctx.store.set_values(NUDGED, {item: today.isoformat()})
    # Only now, the nudge made (or not due), are these findings no longer new.
    if set(now) != before:
        await ctx.store.set_values(DATE_FINDINGS, {item: json.dumps(now)})
    return nudged


async def _post(
    ctx: Context,
    gl: GitLabAPI,
    node: dict[str, Any],
    objective: Objective,
    fresh: list[Finding],
    today: dt.date,
) -> str:
    await reserve_note(ctx)
    mentions = " ".join(f"@{name}" for name in objective.assignees if re.fullmatch(r"[\w.-]+", name))
    body = (
        environment(ctx.settings.templates_dir)
        .get_template("nudge.md")
        .render(
            marker=NUDGE_MARK.format(day=today.isoformat()),
            mentions=mentions,
            today=today.isoformat(),
            items=[defuse(f.message) for f in fresh],
        )
    )
    body = no_quick_actions(body.strip() + "\n")
    internal = ctx.config.comment_visibility == "internal"
    # Not retried blind: after a lost answer the job fails, runs again, reads the epic, and
    # finds the nudge by its mark if GitLab made it.
    note = await gl.create_note(str(node["id"]), body, internal=internal)
    logger.info("nudge posted", item=node["id"], rules=[f.rule for f in fresh], mentions=mentions)
    return str(note["id"])
