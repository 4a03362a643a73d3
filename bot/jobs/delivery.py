"""The ``delivery`` job: what a stored webhook means, as domain events for later jobs."""

from __future__ import annotations

import json

from pydantic import ValidationError

from bot import log
from bot.core.events import DomainEvent, interpret, parse_payload
from bot.jobs.context import SEEN_GROUPS, Context, Outcome, PermanentError, Registry
from bot.store.base import Job, NewJob

logger = log.get(__name__)


def follow_ups(event: DomainEvent, delivery_key: str, event_uuid: str | None, jobs: Registry) -> list[NewJob]:
    """The jobs a domain event fans out to."""
    if event.kind == "objective_changed" and event.group and event.iid is not None:
        return [
            jobs.new(
                "objective",
                group=event.group,
                iid=event.iid,
                event_uuid=event_uuid,
                delivery_key=delivery_key,
                reason=f"epic {event.action or 'changed'}",
            )
        ]
    if event.kind == "initiative_changed" and event.project and event.iid is not None:
        return [
            jobs.new(
                "initiative",
                project=event.project,
                iid=event.iid,
                event_uuid=event_uuid,
                delivery_key=delivery_key,
            )
        ]
    return []


async def handle_delivery(job: Job, ctx: Context) -> Outcome:
    """Parse the stored delivery, derive its domain event and log it."""
    key = str(job.payload["key"])
    delivery = await ctx.store.get_delivery(key)
    if delivery is None:
        raise PermanentError(f"delivery {key} is no longer stored")
    try:
        hook = parse_payload(delivery.event, json.loads(delivery.body))
    except (ValueError, ValidationError) as exc:
        # The edge validated it already; a stored body that no longer parses is a bug.
        raise PermanentError(f"stored delivery does not parse: {exc}") from None
    event = interpret(
        hook,
        bot_username=ctx.bot_username,
        objective_label=ctx.config.lint.labels.objective,
        goals_label=ctx.config.lint.labels.goals,
    )
    if event.kind == "ignored":
        logger.info("delivery ignored", delivery_id=key, reason=event.reason, group=event.group)
    elif ctx.config.tracks(event.group or ""):
        if event.group:
            await ctx.store.set_values(SEEN_GROUPS, {event.group: str(int(delivery.received_at))})
        logger.info(
            "domain event",
            delivery_id=key,
            domain_event=event.kind,
            group=event.group,
            project=event.project,
            iid=event.iid,
            action=event.action,
        )
    else:
        event = DomainEvent(kind="ignored", group=event.group, reason="group is not tracked")
        logger.info("delivery ignored", delivery_id=key, reason=event.reason, group=event.group)
    result = event.model_dump(mode="json")
    if ctx.gitlab is None:
        # Without an API token there is nothing to do on GitLab; reconciliation catches up later.
        return Outcome(result=result)
    event_uuid = delivery.headers.get("x-gitlab-event-uuid")
    return Outcome(result=result, follow_ups=follow_ups(event, key, event_uuid, ctx.jobs))


def delivery_job(key: str) -> NewJob:
    """The job the web edge stores with each delivery it accepts."""
    return NewJob(kind="delivery", payload={"key": key}, delivery_key=key)


def register(registry: Registry) -> None:
    """Hang this module's handler and builder on *registry*."""
    registry.register("delivery", handle_delivery, delivery_job)
