"""The ``rebuild`` job: start one deck pipeline for each coalesced burst of changes to a group's plan."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any
from urllib.parse import quote

from bot import log
from bot.gitlab.api import GitLabAPI
from bot.gitlab.client import UncertainWrite
from bot.jobs.context import Context, Outcome, PermanentError, Registry
from bot.store.base import Job, NewJob

logger = log.get(__name__)

# Each rebuild's pipeline carries this variable, so a retry can tell whether it already started one.
REBUILD_VARIABLE = "SUCCESS_PLAN_REBUILD"
TRIGGERED = "rebuild-triggered"  # job id -> pipeline, so a retried job never starts a second one


def rebuild_job(group: str, reason: str) -> NewJob:
    """A group's deck rebuild; debounced on its unique key (one waits and one runs per group)."""
    return NewJob(
        kind="rebuild",
        payload={"group": group, "reason": reason, "changes": 1},
        unique_key=f"rebuild:{group}",
    )


def rebuild_mark(job: Job) -> str:
    """The value of the rebuild's own pipeline variable: this job, and no other, ever."""
    return f"{job.id}.{int(job.created_at * 1000)}"


async def find_started(gl: GitLabAPI, project: str, job: Job) -> dict[str, Any] | None:
    """The pipeline an earlier try of *job* started, found by its variable; None when there is none.

    Only pipelines updated since the job was created are looked at (newest first, one page).
    """
    since = dt.datetime.fromtimestamp(job.created_at - 60, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    pipelines = await gl.get(
        f"/projects/{project}/pipelines",
        {"updated_after": since, "order_by": "id", "sort": "desc", "per_page": 20},
    )
    mark = rebuild_mark(job)
    for pipeline in pipelines or []:
        variables = await gl.get(f"/projects/{project}/pipelines/{pipeline['id']}/variables")
        if any(v.get("key") == REBUILD_VARIABLE and v.get("value") == mark for v in variables or []):
            return dict(pipeline)
    return None


async def handle_rebuild(job: Job, ctx: Context) -> Outcome:
    """Start the deck pipeline of the group: trigger token preferred, the bot's token as fallback.

    Each rebuild carries its own variable, so a retry first looks for the pipeline an earlier
    try may have started (its answer lost) before it starts one.
    """
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
    variables = {
        "SUCCESS_PLAN_GROUP": group,
        "SUCCESS_PLAN_REASON": reason,
        REBUILD_VARIABLE: rebuild_mark(job),
    }
    project = quote(deck.project, safe="")
    token = deck.trigger_token()
    via = "trigger token" if token is not None else "access token"
    pipeline = await find_started(gl, project, job) if job.attempts > 1 else None
    try:
        if pipeline is not None:
            logger.info(
                "deck pipeline of an earlier try found", group=group, pipeline=pipeline.get("web_url")
            )
        elif token is not None:
            pipeline = await gl.post(
                f"/projects/{project}/trigger/pipeline",
                {"token": token, "ref": deck.ref, "variables": variables},
            )
        else:
            pipeline = await gl.post(
                f"/projects/{project}/pipeline",
                {"ref": deck.ref, "variables": [{"key": k, "value": v} for k, v in variables.items()]},
            )
    except UncertainWrite:
        pipeline = await find_started(gl, project, job)
        if pipeline is None:
            raise
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
