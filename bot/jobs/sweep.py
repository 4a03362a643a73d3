"""The daily sweep: the calendar moves the plan even when nobody edits it.

Every open objective of the tracked groups is linted as of the sweep's day, read in pages with
the plan query (one request per 50 objectives, initiatives included). Only an objective whose
comment would change is queued for a check (which writes it, and nudges the owner when a date
finding first appears); an unchanged plan costs its reads and no write. A group whose deck
shows date-driven content that changed (overdue items, next steps, recently completed) gets a
coalesced rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from dataclasses import dataclass, field

from bot import log
from bot.core.checks import lint_objective
from bot.core.comment import comment_digest, render
from bot.core.events import group_from_url
from bot.core.model import Objective
from bot.gitlab.api import GitLabAPI
from bot.gitlab.plans import read_plan
from bot.jobs.context import Context, Outcome, Registry, tracked_groups
from bot.jobs.deckwatch import COMMENT_DIGESTS, schedule_rebuild
from bot.settings import FileConfig, Settings
from bot.store.base import Job, NewJob, Store
from bot.templating import environment

logger = log.get(__name__)

DECK_CALENDAR = "deck-calendar"  # group -> digest of the deck's date-driven content


@dataclass
class SweepReport:
    group: str
    objectives: int = 0
    queued: list[str] = field(default_factory=list)
    rebuild: bool = False
    requests: int = 0


def calendar_digest(
    objectives: list[Objective], today: dt.date, *, closed_days: int = 90, horizon: int = 30
) -> str:
    """What of the deck depends on the date alone: overdue items, next steps, the completed window."""
    since, until = today - dt.timedelta(days=closed_days), today + dt.timedelta(days=horizon)
    marks: list[str] = []
    for o in objectives:
        if o.state == "opened" and o.due_date is not None and o.due_date < today:
            marks.append(f"overdue:{o.id}")
        if o.state == "closed" and o.closed_at is not None and o.closed_at >= since:
            marks.append(f"completed:{o.id}")
        for c in o.children or []:
            if c.state == "opened" and c.due_date is not None:
                if c.due_date < today:
                    marks.append(f"overdue:{c.id}")
                elif c.due_date <= until:
                    marks.append(f"next:{c.id}")
            if c.state == "closed" and c.closed_at is not None and c.closed_at >= since:
                marks.append(f"completed:{c.id}")
    return hashlib.sha256(json.dumps(sorted(marks)).encode()).hexdigest()[:32]


async def sweep_group(
    gl: GitLabAPI,
    store: Store,
    settings: Settings,
    config: FileConfig,
    jobs: Registry,
    group: str,
    today: dt.date,
) -> tuple[SweepReport, list[Objective]]:
    """Queue a check of each open objective of *group* whose comment would change as of *today*."""
    plan = await read_plan(gl, group, config.lint.labels.objective)
    report = SweepReport(group, requests=plan.requests)
    env = environment(settings.templates_dir)
    open_ = [o for o in plan.objectives if o.state == "opened" and o.id and o.iid is not None]
    report.objectives = len(open_)
    stored = await store.get_values(COMMENT_DIGESTS, [str(o.id) for o in open_])
    queue: list[NewJob] = []
    for objective in open_:
        findings = lint_objective(objective, config.lint, today)
        body = render(findings, template_url=config.template_url, env=env, docs_url=config.docs_url)
        if stored.get(str(objective.id)) == comment_digest(body):
            continue
        located = group_from_url(objective.url)
        home = located[0] if located else group  # its own subgroup, when the plan spans several
        queue.append(
            jobs.new("objective", group=home, iid=objective.iid, reason="sweep", today=today.isoformat())
        )
        report.queued.append(f"{home}#{objective.iid}")
    await store.enqueue(queue, now=time.time())
    return report, plan.objectives


async def sweep(ctx: Context, today: dt.date, groups: list[str] | None = None) -> list[SweepReport]:
    """Sweep *groups* (default: every tracked group) and rebuild the decks the calendar changed."""
    gl = ctx.api("read plans on GitLab")
    targets = groups or await tracked_groups(ctx.config, ctx.store)
    reports = []
    for group in targets:
        report, objectives = await sweep_group(
            gl, ctx.store, ctx.settings, ctx.config, ctx.jobs, group, today
        )
        if ctx.config.deck(group) is not None:
            digest = calendar_digest(objectives, today)
            before = (await ctx.store.get_values(DECK_CALENDAR, [group])).get(group)
            if digest != before:
                if before is not None:  # the first sweep only learns what the deck shows
                    await schedule_rebuild(
                        ctx, group, "the calendar moved: overdue items or next steps changed"
                    )
                    report.rebuild = True
                await ctx.store.set_values(DECK_CALENDAR, {group: digest})
        logger.info("swept", group=group, objectives=report.objectives, queued=len(report.queued))
        reports.append(report)
    portfolio = ctx.config.portfolio.group if ctx.config.portfolio is not None else None
    if portfolio is not None and any(r.rebuild for r in reports):
        await schedule_rebuild(ctx, portfolio, "the calendar moved in a customer's plan")
    return reports


def next_run(at: str, now: dt.datetime) -> float:
    """The next ``HH:MM`` UTC after *now*, as a Unix time."""
    hour, minute = (int(part) for part in at.split(":"))
    moment = now.astimezone(dt.UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    if moment <= now:
        moment += dt.timedelta(days=1)
    return moment.timestamp()


def sweep_job(today: str | None = None, group: str | None = None, run_at: float | None = None) -> NewJob:
    """The daily sweep; one waits and one runs across all replicas (its unique key)."""
    return NewJob(kind="sweep", payload={"today": today, "group": group}, unique_key="sweep", run_at=run_at)


async def handle_sweep(job: Job, ctx: Context) -> Outcome:
    today = dt.date.fromisoformat(job.payload["today"]) if job.payload.get("today") else dt.date.today()
    group = job.payload.get("group")
    reports = await sweep(ctx, today, [group] if group else None)
    follow = (
        []
        if job.payload.get("today") or group
        else [sweep_job(run_at=next_run(ctx.settings.sweep_at, dt.datetime.now(dt.UTC)))]
    )
    return Outcome(
        result={"today": today.isoformat(), "groups": {r.group: r.queued for r in reports}}, follow_ups=follow
    )


async def schedule_daily(store: Store, settings: Settings) -> None:
    """At start: the next sweep at ``BOT_SWEEP_AT`` (joining one that already waits)."""
    at = next_run(settings.sweep_at, dt.datetime.now(dt.UTC))
    await store.schedule(sweep_job(run_at=at), now=at, window=0.0, max_wait=0.0)


def register(registry: Registry) -> None:
    registry.register("sweep", handle_sweep, sweep_job)
