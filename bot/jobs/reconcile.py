"""Reconciliation: find what changed since the last checkpoint and queue the checks GitLab never asked for.

GitLab drops webhooks it could not deliver, so on a schedule (and on demand) the bot lists the
objectives and initiatives updated since each group's checkpoint and queues a check of every
objective concerned. The check itself decides whether a comment or a rebuild is due, so
re-checking an unchanged objective costs one read and nothing more.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from bot import log
from bot.core.events import group_from_url
from bot.gitlab.api import GitLabAPI
from bot.gitlab.documents import CHANGED_QUERY
from bot.gitlab.hooks import hook_health
from bot.gitlab.mapping import is_epic, label_titles, parent_of
from bot.jobs.context import Context, Outcome, Registry, tracked_groups
from bot.settings import FileConfig
from bot.store.base import Job, NewJob, Store

logger = log.get(__name__)

CHECKPOINTS = "reconcile-checkpoint"
INITIAL_LOOKBACK = dt.timedelta(days=7)

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
    visible: bool = True  # False when GitLab answered null for the group (not a member)


def common_roots(groups: list[str]) -> dict[str, list[str]]:
    """The fewest groups whose descendants cover *groups*: ``{root: [groups under it]}``.

    Groups under one top-level group share their longest common ancestor (``cs/acme`` and
    ``cs/globex`` → ``cs``), so one paged query with ``includeDescendants`` lists what changed
    in all of them, whatever their number.
    """
    by_top: dict[str, list[list[str]]] = {}
    for group in sorted(set(groups)):
        parts = group.split("/")
        by_top.setdefault(parts[0], []).append(parts)
    roots: dict[str, list[str]] = {}
    for paths in by_top.values():
        prefix = paths[0]
        for parts in paths[1:]:
            n = 0
            while n < min(len(prefix), len(parts)) and prefix[n] == parts[n]:
                n += 1
            prefix = prefix[:n]
        roots["/".join(prefix)] = ["/".join(parts) for parts in paths]
    return roots


async def reconcile_all(
    gl: GitLabAPI,
    store: Store,
    config: FileConfig,
    jobs: Registry,
    groups: list[str],
    *,
    since: dt.timedelta | None = None,
    progress: Callable[[int, int, str], None] | None = None,
) -> list[GroupReport]:
    """Reconcile *groups* through their common ancestors; per group where an ancestor is hidden."""
    reports = []
    roots = common_roots(groups)
    for n, (root, members) in enumerate(roots.items(), start=1):
        report = await reconcile_group(gl, store, config, jobs, root, since=since)
        reports.append(report)
        if not report.visible and members != [root]:
            # The bot's user may be a member of the customer groups but not of their parent.
            for group in members:
                reports.append(await reconcile_group(gl, store, config, jobs, group, since=since))
        if progress is not None:
            progress(n, len(roots), root)
    return reports


# The groups reconciliation covers (kept under its old name for the CLI and the tests).
groups_to_reconcile = tracked_groups


async def reconcile_group(
    gl: GitLabAPI,
    store: Store,
    config: FileConfig,
    jobs: Registry,
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
    async for page in gl.graphql_pages(
        CHANGED_QUERY, ["namespace", "workItems"], fullPath=group, updatedAfter=_iso(start)
    ):
        if (page.data or {}).get("namespace") is None:
            report.visible = False
            logger.warning("cannot see the group to reconcile it", group=group)
        for node in page.nodes:
            report.changed += 1
            newest = max(newest, _parse_time(node["updatedAt"]))
            if is_epic(node):
                located = group_from_url(node.get("webUrl"))
                # An epic without the label may just have lost it: the check tidies its comment up.
                if located and (label in label_titles(node) or await store.get_note(node["id"])):
                    wanted.setdefault(located, "reconcile: epic changed")
            else:
                located = group_from_url((parent_of(node) or {}).get("webUrl"))
                if located:
                    wanted.setdefault(located, "reconcile: initiative changed")
    tracked = [(g, iid, why) for (g, iid), why in sorted(wanted.items()) if config.tracks(g)]
    await store.enqueue(
        [jobs.new("objective", group=g, iid=iid, reason=why) for g, iid, why in tracked], now=time.time()
    )
    report.objectives = [f"{g}#{iid}" for g, iid, _ in tracked]
    # Only now that the work is queued does the checkpoint move; the next run starts just after
    # the newest change seen, so an unchanged plan queues nothing.
    if report.visible and (newest > start or stored is None):
        report.checkpoint = _iso(newest + dt.timedelta(milliseconds=1) if newest > start else start)
        await store.set_values(CHECKPOINTS, {group: report.checkpoint})
    logger.info(
        "reconciled", group=group, since=report.since, changed=report.changed, queued=len(report.objectives)
    )
    return report


HOOK_STATUS = "hook-status"  # group -> the bot's hook as GitLab last reported it (JSON)


async def watch_hooks(gl: GitLabAPI, store: Store, groups: list[str]) -> None:
    """Read the bot's hook on each group (the common ancestors: where hooks are registered).

    GitLab disables a failing hook silently (for a while after 4 failures, for good after 40):
    a hook that is not ``executable`` is logged as a warning and shows in ``/metrics``. The bot
    never re-enables it itself (`hook test` does, after a person looked).
    """
    seen: dict[str, str | None] = {}
    for group in groups:
        health = await hook_health(gl, group)
        if health is None:
            continue
        seen[group] = json.dumps(health)
        if health["alert_status"] != "executable":
            logger.warning(
                "the group hook is not executable: GitLab drops events until it is re-enabled",
                group=group,
                alert_status=health["alert_status"],
                disabled_until=health["disabled_until"],
            )
    if seen:
        await store.set_values(HOOK_STATUS, seen)


def reconcile_job(run_at: float | None = None) -> NewJob:
    """The scheduled reconciliation; one waits and one runs across all replicas."""
    return NewJob(kind="reconcile", payload={}, unique_key="reconcile", run_at=run_at)


async def handle_reconcile(job: Job, ctx: Context) -> Outcome:
    """List what changed in every tracked group, queue the checks, and come back after the interval."""
    gl = ctx.api("list changes on GitLab")
    groups = await groups_to_reconcile(ctx.config, ctx.store)
    reports = await reconcile_all(gl, ctx.store, ctx.config, ctx.jobs, groups)
    await watch_hooks(gl, ctx.store, list(common_roots(groups)))
    interval = ctx.settings.reconcile_interval_seconds
    follow = [reconcile_job(time.time() + interval)] if interval > 0 else []
    queued = {g: 0 for g in groups}
    for report in reports:
        for objective in report.objectives:
            group = objective.rsplit("#", 1)[0]
            queued[group] = queued.get(group, 0) + 1
    return Outcome(result={"groups": queued, "roots": [r.group for r in reports]}, follow_ups=follow)


async def schedule_now(store: Store) -> None:
    """Run a reconciliation as soon as a worker is free (at start), joining any that waits."""
    job = reconcile_job()
    await store.schedule(job, now=time.time(), window=0.0, max_wait=0.0)


def register(registry: Registry) -> None:
    registry.register("reconcile", handle_reconcile, reconcile_job)
