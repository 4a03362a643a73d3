"""Deck rebuilds: notice real changes, coalesce them per group, and start one pipeline for each burst."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

from bot import log
from bot.fingerprint import changed, fingerprints
from bot.store.base import Job, NewJob
from bot.worker import Context, Outcome, PermanentError, Registry
from bot.workitems import widget

logger = log.get(__name__)

FINGERPRINTS = "fingerprint"
TRIGGERED = "rebuild-triggered"  # job id -> pipeline, so a retried job never starts a second one


async def note_changes(
    ctx: Context, group: str, node: dict[str, Any] | None, *, tracked: bool, reason: str
) -> bool:
    """Compare an objective (and its initiatives) with what the deck last saw; schedule a rebuild.

    Returns True when a rebuild was scheduled or joined. The rebuild is scheduled before the new
    fingerprints are stored, so a crash in between costs at most one extra rebuild, never a lost one.
    """
    if node is None or ctx.config.deck(group) is None:
        return False
    current = fingerprints(node) if tracked else {}
    children = [c["id"] for c in ((widget(node, "HIERARCHY").get("children") or {}).get("nodes") or []) if c]
    before = await ctx.store.get_values(FINGERPRINTS, sorted({node["id"], *children, *current}))
    different = changed(before, current)
    if not different:
        return False
    await schedule_rebuild(ctx, group, reason)
    await ctx.store.set_values(FINGERPRINTS, {k: current.get(k) for k in different})
    return True


async def schedule_rebuild(ctx: Context, group: str, reason: str) -> None:
    """Open (or join) the group's rebuild window."""
    job = NewJob(
        kind="rebuild",
        payload={"group": group, "reason": reason, "changes": 1},
        unique_key=f"rebuild:{group}",
    )
    created = await ctx.store.schedule(
        job,
        now=time.time(),
        window=ctx.settings.rebuild_window_seconds,
        max_wait=ctx.settings.rebuild_max_wait_seconds,
    )
    logger.info("deck rebuild scheduled" if created else "deck rebuild joined", group=group, reason=reason)


async def handle_rebuild(job: Job, ctx: Context) -> Outcome:
    """Start the deck pipeline of the group: trigger token preferred, the bot's token as fallback."""
    group = str(job.payload["group"])
    deck = ctx.config.deck(group)
    if deck is None:
        raise PermanentError(f"group {group} has no deck project in the configuration")
    done = await ctx.store.get_values(TRIGGERED, [str(job.id)])
    if done:
        return Outcome(result=json.loads(done[str(job.id)]))
    if ctx.gitlab is None:
        raise PermanentError("BOT_GITLAB_TOKEN is not set: the bot cannot start pipelines")
    changes = int(job.payload.get("changes", 1))
    reason = str(job.payload.get("reason") or "plan changed")
    if changes > 1:
        reason = f"{reason} (+{changes - 1} more change{'s' if changes > 2 else ''})"
    variables = {"SUCCESS_PLAN_GROUP": group, "SUCCESS_PLAN_REASON": reason}
    project = quote(deck.project, safe="")
    token = deck.trigger_token()
    if token is not None:
        pipeline = await ctx.gitlab.post(
            f"/projects/{project}/trigger/pipeline", {"token": token, "ref": deck.ref, "variables": variables}
        )
        via = "trigger token"
    else:
        pipeline = await ctx.gitlab.post(
            f"/projects/{project}/pipeline",
            {"ref": deck.ref, "variables": [{"key": k, "value": v} for k, v in variables.items()]},
        )
        via = "access token"
    result = {
        "group": group,
        "project": deck.project,
        "pipeline_id": pipeline.get("id"),
        "pipeline_url": pipeline.get("web_url"),
        "status": pipeline.get("status"),
        "via": via,
        "reason": reason,
        "changes": changes,
        "at": time.time(),
    }
    await ctx.store.set_values(TRIGGERED, {str(job.id): json.dumps(result)})
    logger.info("deck pipeline started", group=group, pipeline=result["pipeline_url"], via=via)
    return Outcome(result=result)


def register(registry: Registry) -> None:
    registry.register("rebuild")(handle_rebuild)
