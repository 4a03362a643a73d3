"""Reconciliation: find what changed since the last checkpoint and queue the checks GitLab never asked for.

GitLab drops webhooks it could not deliver, so on a schedule (and on demand) the bot lists the
objectives and initiatives updated since each group's checkpoint and queues a check of every
objective concerned. The check itself decides whether a comment or a rebuild is due, so
re-checking an unchanged objective costs one read and nothing more.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any

from bot import log
from bot.events import group_from_url
from bot.gitlab import GitLabClient
from bot.guidance import objective_job
from bot.store.base import Job, NewJob, Store
from bot.worker import Context, Outcome, PermanentError, Registry
from bot.workitems import label_titles, widget

logger = log.get(__name__)

CHECKPOINTS = "reconcile-checkpoint"
SEEN_GROUPS = "seen-group"
INITIAL_LOOKBACK = dt.timedelta(days=7)

# Every epic, issue and task changed since the checkpoint, with what it takes to find its objective.
CHANGED_QUERY = """
query Changed($fullPath: ID!, $updatedAfter: Time, $after: String) {
  namespace(fullPath: $fullPath) {
    workItems(types: [EPIC, ISSUE, TASK], updatedAfter: $updatedAfter, includeDescendants: true,
              first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        id iid webUrl updatedAt
        workItemType { name }
        widgets {
          type
          ... on WorkItemWidgetLabels { labels(first: 50) { nodes { title } } }
          ... on WorkItemWidgetHierarchy { parent { id iid webUrl } }
        }
      }
    }
  }
}
"""

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> dt.timedelta:
    """``90m``, ``2h``, ``7d``, ``1w`` → a timedelta; ValueError otherwise."""
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"not a duration: {text!r} (use a number and s, m, h, d or w, e.g. 2h or 7d)")
    return dt.timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class GroupReport:
    group: str
    since: str
    changed: int = 0
    objectives: list[str] = field(default_factory=list)
    checkpoint: str | None = None


async def groups_to_reconcile(ctx_config: Any, store: Store) -> list[str]:
    """The configured groups, or (with none configured) every group a delivery came from."""
    if ctx_config.groups:
        return [g.path for g in ctx_config.groups]
    return sorted(await store.get_values(SEEN_GROUPS))


async def reconcile_group(
    gl: GitLabClient,
    store: Store,
    config: Any,
    group: str,
    *,
    since: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> GroupReport:
    """Queue a check of every objective changed (itself or an initiative) since the checkpoint."""
    now = now or dt.datetime.now(dt.UTC)
    stored = (await store.get_values(CHECKPOINTS, [group])).get(group)
    if since is not None:
        start = now - since
    elif stored is not None:
        start = _parse_time(stored)
    else:
        start = now - INITIAL_LOOKBACK
    report = GroupReport(group, _iso(start))
    label = config.lint.labels.objective
    wanted: dict[tuple[str, int], str] = {}
    newest = start
    after: str | None = None
    while True:
        data = await gl.graphql(CHANGED_QUERY, fullPath=group, updatedAfter=_iso(start), after=after)
        page = ((data.get("namespace") or {}).get("workItems")) or {"nodes": [], "pageInfo": {}}
        for node in page["nodes"] or []:
            report.changed += 1
            newest = max(newest, _parse_time(node["updatedAt"]))
            if node["workItemType"]["name"] == "Epic":
                labels = label_titles(node)
                located = group_from_url(node.get("webUrl"))
                # An epic without the label may just have lost it: the check tidies its comment up.
                if located and (label in labels or await store.get_note(node["id"])):
                    wanted.setdefault(located, "reconcile: epic changed")
            else:
                located = group_from_url((widget(node, "HIERARCHY").get("parent") or {}).get("webUrl"))
                if located:
                    wanted.setdefault(located, "reconcile: initiative changed")
        if not page["pageInfo"].get("hasNextPage"):
            break
        after = page["pageInfo"]["endCursor"]
    tracked = [(g, iid, why) for (g, iid), why in sorted(wanted.items()) if config.tracks(g)]
    await store.enqueue(
        [objective_job(g, iid, event_uuid=None, delivery_key=None, reason=why) for g, iid, why in tracked],
        now=time.time(),
    )
    report.objectives = [f"{g}#{iid}" for g, iid, _ in tracked]
    # Only now that the work is queued does the checkpoint move; the next run starts just after
    # the newest change seen, so an unchanged plan queues nothing.
    if newest > start or stored is None:
        report.checkpoint = _iso(newest + dt.timedelta(milliseconds=1) if newest > start else start)
        await store.set_values(CHECKPOINTS, {group: report.checkpoint})
    logger.info(
        "reconciled", group=group, since=report.since, changed=report.changed, queued=len(report.objectives)
    )
    return report


async def reconcile(
    gl: GitLabClient, store: Store, config: Any, groups: list[str], *, since: dt.timedelta | None = None
) -> list[GroupReport]:
    return [await reconcile_group(gl, store, config, g, since=since) for g in groups]


def reconcile_job(run_at: float | None = None) -> NewJob:
    """The scheduled reconciliation; one waits and one runs across all replicas."""
    return NewJob(kind="reconcile", payload={}, unique_key="reconcile", run_at=run_at)


async def handle_reconcile(job: Job, ctx: Context) -> Outcome:
    if ctx.gitlab is None:
        raise PermanentError("BOT_GITLAB_TOKEN is not set: the bot cannot list changes on GitLab")
    groups = await groups_to_reconcile(ctx.config, ctx.store)
    reports = await reconcile(ctx.gitlab, ctx.store, ctx.config, groups)
    interval = ctx.settings.reconcile_interval_seconds
    follow = [reconcile_job(time.time() + interval)] if interval > 0 else []
    return Outcome(result={"groups": {r.group: len(r.objectives) for r in reports}}, follow_ups=follow)


async def schedule_now(store: Store) -> None:
    """Run a reconciliation as soon as a worker is free (at start), joining any that waits."""
    job = reconcile_job()
    await store.schedule(job, now=time.time(), window=0.0, max_wait=0.0)


def register(registry: Registry) -> None:
    registry.register("reconcile")(handle_reconcile)
