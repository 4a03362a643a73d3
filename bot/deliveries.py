"""The ``delivery`` job: what a stored webhook means, as domain events for later jobs."""

from __future__ import annotations

import json

from pydantic import ValidationError

from bot import log
from bot.events import DomainEvent, interpret, parse_payload
from bot.store.base import Job, NewJob
from bot.worker import Context, Outcome, PermanentError, Registry

logger = log.get(__name__)

# Job kinds that later features subscribe to each domain event kind.
SUBSCRIBERS: dict[str, list[str]] = {"objective_changed": [], "initiative_changed": []}


def follow_ups(event: DomainEvent, delivery_key: str) -> list[NewJob]:
    """The jobs a domain event fans out to."""
    return [
        NewJob(kind=kind, payload=event.model_dump(mode="json"), delivery_key=delivery_key)
        for kind in SUBSCRIBERS.get(event.kind, [])
    ]


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
        bot_username=ctx.settings.bot_username,
        objective_label=ctx.config.lint.labels.objective,
    )
    if event.kind == "ignored":
        logger.info("delivery ignored", delivery_id=key, reason=event.reason, group=event.group)
    elif ctx.config.tracks(event.group or ""):
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
    return Outcome(result=event.model_dump(mode="json"), follow_ups=follow_ups(event, key))


def register(registry: Registry) -> None:
    """Hang this module's handlers on *registry*."""
    registry.register("delivery")(handle_delivery)
