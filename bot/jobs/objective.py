"""What happens when an objective epic changes: read it once, lint it, keep one comment current."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot import log
from bot.core.checks import lint_objective
from bot.core.comment import MARKER, comment_digest, render, render_untracked
from bot.core.events import group_from_url
from bot.core.model import Finding
from bot.gitlab.api import GitLabAPI
from bot.gitlab.client import UncertainWrite, for_event
from bot.gitlab.documents import COMMENTS_QUERY, OBJECTIVE_QUERY, PARENT_QUERY
from bot.gitlab.mapping import comments, is_epic, parent_of, to_objective
from bot.gitlab.plans import complete_children
from bot.jobs import history
from bot.jobs.context import Context, Outcome, Registry, reserve_note
from bot.jobs.deckwatch import COMMENT_DIGESTS, note_changes
from bot.jobs.nudge import nudge_if_due
from bot.store.base import Job, NewJob
from bot.templating import environment

logger = log.get(__name__)


def objective_job(
    group: str,
    iid: int,
    *,
    event_uuid: str | None = None,
    delivery_key: str | None = None,
    reason: str,
    today: str | None = None,
) -> NewJob:
    """The job that re-lints one objective; one waits and one runs per objective at most.

    *today* (ISO) lints it as of that day: the sweep's date travels with its jobs.
    """
    return NewJob(
        kind="objective",
        payload={"group": group, "iid": iid, "event_uuid": event_uuid, "reason": reason, "today": today},
        delivery_key=delivery_key,
        unique_key=f"objective:{group}#{iid}",
    )


def initiative_job(
    project: str, iid: int, *, event_uuid: str | None = None, delivery_key: str | None = None
) -> NewJob:
    """The job that finds an initiative's objective and queues its check."""
    return NewJob(
        kind="initiative",
        delivery_key=delivery_key,
        payload={"project": project, "iid": iid, "event_uuid": event_uuid},
        unique_key=f"initiative:{project}#{iid}",
    )


async def find_own_notes(
    gl: GitLabAPI, bot_username: str | None, node: dict[str, Any], group: str, iid: int, known: str | None
) -> list[dict[str, Any]]:
    """The bot's comments on the epic (its marker, by the bot), the remembered one first.

    The first page of comments comes with the objective; later pages cost a read each and are
    only fetched while no comment of the bot's has been found.
    """
    notes, cursor = comments(node)
    found: list[dict[str, Any]] = []
    while True:
        for note in notes:
            author = (note.get("author") or {}).get("username")
            if note["id"] == known or (MARKER in (note.get("body") or "") and bot_username in (None, author)):
                found.append(note)
        if found or cursor is None:
            return sorted(found, key=lambda n: n["id"] != known)
        data = await gl.graphql(COMMENTS_QUERY, fullPath=group, iid=str(iid), notesAfter=cursor)
        notes, cursor = comments(data["namespace"]["workItem"])


def choose(notes: list[dict[str, Any]], known: str | None, internal: bool) -> dict[str, Any] | None:
    """The comment to keep: the remembered one, else one of the wanted visibility, else any."""
    for note in notes:
        if note["id"] == known and bool(note.get("internal")) == internal:
            return note
    wanted = [n for n in notes if bool(n.get("internal")) == internal]
    candidates = wanted or notes
    return candidates[0] if candidates else None


async def create_once(
    ctx: Context, gl: GitLabAPI, noteable_id: str, body: str, *, group: str, iid: int, internal: bool
) -> dict[str, Any]:
    """Create the bot's note, within the notes limit every replica shares, never twice.

    A ``createNote`` whose answer was lost may have happened: the epic's notes are read again
    and a note with the bot's marker is adopted; only when there is none does the job fail and
    try again later (from the start, reading the epic again).
    """
    await reserve_note(ctx)
    try:
        return await gl.create_note(noteable_id, body, internal=internal)
    except UncertainWrite:
        data = await gl.graphql(OBJECTIVE_QUERY, fullPath=group, iid=str(iid))
        node = (data.get("namespace") or {}).get("workItem") or {}
        mine = await find_own_notes(gl, ctx.bot_username, node, group, iid, None) if node else []
        found = next((n for n in mine if bool(n.get("internal")) == internal and n.get("body") == body), None)
        if found is None:
            raise
        logger.info("lost createNote answer: adopted the note GitLab made", group=group, iid=iid)
        return found


def today_of(job: Job) -> dt.date:
    """The day the objective is linted as of: the sweep's date travels with its jobs."""
    value = job.payload.get("today")
    return dt.date.fromisoformat(str(value)) if value else dt.date.today()


async def handle_objective(job: Job, ctx: Context) -> Outcome:
    """Lint one objective, keep its guidance comment current, and nudge its owner when a date passes."""
    gl = ctx.api("read or comment on GitLab")
    group, iid = str(job.payload["group"]), int(job.payload["iid"])
    today = today_of(job)
    with for_event(job.payload.get("event_uuid")):
        data = await gl.graphql(OBJECTIVE_QUERY, fullPath=group, iid=str(iid))
        node = (data.get("namespace") or {}).get("workItem")
        if node is None or not is_epic(node):
            return Outcome(result={"comment": "skipped", "why": "no such epic"})
        await complete_children(gl, node)  # more than 100 initiatives: read the rest
        objective = to_objective(node)
        tracked = ctx.config.lint.labels.objective in objective.labels
        if not tracked and ctx.config.lint.labels.goals in objective.labels:
            # The goals epic: no lint and no comment, but the deck's opening slide shows it.
            rebuild = await note_changes(
                ctx, group, objective, tracked=True, reason=str(job.payload.get("reason"))
            )
            return Outcome(result={"comment": "skipped", "why": "goals epic", "rebuild": rebuild})
        rebuild = await note_changes(
            ctx, group, objective, tracked=tracked, reason=str(job.payload.get("reason"))
        )
        findings = lint_objective(objective, ctx.config.lint, today) if tracked else []
        body = guidance_body(ctx, findings) if tracked else None
        clean = not any(f.severity != "suggestion" for f in findings)
        result = await keep_comment(ctx, gl, node, group, iid, body, clean=clean)
        nudged = await nudge_if_due(ctx, gl, node, objective, findings, today) if tracked else None
        await history.record(ctx, str(node["id"]), group, findings, today)
        await ctx.store.set_values(COMMENT_DIGESTS, {node["id"]: comment_digest(body if tracked else None)})
        return Outcome(result={**result, "rebuild": rebuild, "nudge": nudged})


def guidance_body(ctx: Context, findings: list[Finding]) -> str:
    """The comment *findings* call for (the resolved state when none is an error or warning)."""
    env = environment(ctx.settings.templates_dir)
    return render(findings, template_url=ctx.config.template_url, env=env, docs_url=ctx.config.docs_url)


async def keep_comment(
    ctx: Context, gl: GitLabAPI, node: dict[str, Any], group: str, iid: int, body: str | None, *, clean: bool
) -> dict[str, Any]:
    """Create, update, replace or leave alone the one guidance comment; *body* None: untracked.

    A *clean* objective without a comment gets none (no noise); one with a comment sees it resolved.
    """
    labels = ctx.config.lint.labels
    known = await ctx.store.get_note(node["id"])
    internal = ctx.config.comment_visibility == "internal"
    mine = await find_own_notes(gl, ctx.bot_username, node, group, iid, known)
    note = choose(mine, known, internal)
    if body is None:
        if note is None:
            return {"comment": "none", "why": "not an objective"}
        body = render_untracked(label=labels.objective, env=environment(ctx.settings.templates_dir))
    elif note is None and clean:
        return {"comment": "none", "why": "clean"}
    if note is not None and bool(note.get("internal")) != internal:
        # A comment left with the other visibility (a public one from an earlier version):
        # replaced once, the new one first, so that the epic never lacks its comment.
        created = await create_once(ctx, gl, node["id"], body, group=group, iid=iid, internal=internal)
        await ctx.store.set_note(node["id"], created["id"])
        for old in mine:
            if old["id"] != created["id"]:
                await gl.destroy_note(old["id"])
        logger.info("guidance comment replaced", group=group, iid=iid, note=created["id"], internal=internal)
        return {"comment": "replaced", "note": created["id"]}
    if note is not None and note["id"] != known:
        await ctx.store.set_note(node["id"], note["id"])  # found by its marker: remember it
    if note is not None and note.get("body") == body:
        return {"comment": "unchanged", "note": note["id"]}
    if note is None:
        created = await create_once(ctx, gl, node["id"], body, group=group, iid=iid, internal=internal)
        await ctx.store.set_note(node["id"], created["id"])
        logger.info("guidance comment created", group=group, iid=iid, note=created["id"], internal=internal)
        return {"comment": "created", "note": created["id"]}
    await gl.update_note(note["id"], body)
    logger.info("guidance comment updated", group=group, iid=iid, note=note["id"])
    return {"comment": "updated", "note": note["id"]}


async def handle_initiative(job: Job, ctx: Context) -> Outcome:
    """An initiative changed: re-lint the objective it belongs to."""
    gl = ctx.api("read GitLab")
    with for_event(job.payload.get("event_uuid")):
        data = await gl.graphql(
            PARENT_QUERY, fullPath=str(job.payload["project"]), iid=str(job.payload["iid"])
        )
    parent = parent_of((data.get("namespace") or {}).get("workItem"))
    located = group_from_url((parent or {}).get("webUrl"))
    if located is None:
        return Outcome(result={"parent": None})
    group, iid = located
    if not ctx.config.tracks(group):
        return Outcome(result={"parent": f"{group}#{iid}", "tracked": False})
    follow = objective_job(
        group,
        iid,
        event_uuid=job.payload.get("event_uuid"),
        delivery_key=job.delivery_key,
        reason="initiative changed",
    )
    return Outcome(result={"parent": f"{group}#{iid}"}, follow_ups=[follow])


def register(registry: Registry) -> None:
    registry.register("objective", handle_objective, objective_job)
    registry.register("initiative", handle_initiative, initiative_job)
