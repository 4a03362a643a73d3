"""The ``rebuild`` job: start one deck pipeline for each coalesced burst of changes to a group's plan."""

from __future__ import annotations

import json
import time
from urllib.parse import quote

from bot import log
from bot.jobs.context import Context, Outcome, PermanentError, Registry
from bot.store.base import Job, NewJob

logger = log.get(__name__)

TRIGGERED = "rebuild-triggered"  # job id -> pipeline, so a retried job never starts a second one


def rebuild_job(group: str, reason: str) -> NewJob:
    """A group's deck rebuild; debounced on its unique key (one waits and one runs per group)."""
    return NewJob(
        kind="rebuild",
        payload={"group": group, "reason": reason, "changes": 1},
        unique_key=f"rebuild:{group}",
    )


async def handle_rebuild(job: Job, ctx: Context) -> Outcome:
    """Start the deck pipeline of the group: trigger token preferred, the bot's token as fallback."""
    group = str(job.payload["group"])
    deck = ctx.config.deck(group)
    if deck is None:
        raise PermanentError(f"group {group} has no deck project in the configuration")
    done = await ctx.store.get_values(TRIGGERED, [str(job.id)])
    if done:
        return Outcome(result=json.loads(done[str(job.id)]))
    gl = ctx.api("start pipelines")
    changes = int(job.payload.get("changes", 1))
    reason = str(job.payload.get("reason") or "plan changed")
    if changes > 1:
        reason = f"{reason} (+{changes - 1} more change{'s' if changes > 2 else ''})"
    variables = {"SUCCESS_PLAN_GROUP": group, "SUCCESS_PLAN_REASON": reason}
    project = quote(deck.project, safe="")
    token = deck.trigger_token()
    if token is not None:
        pipeline = await gl.post(
            f"/projects/{project}/trigger/pipeline", {"token": token, "ref": deck.ref, "variables": variables}
        )
        via = "trigger token"
    else:
        pipeline = await gl.post(
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
    registry.register("rebuild", handle_rebuild, rebuild_job)
