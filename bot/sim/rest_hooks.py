"""The simulator's group hook API: CRUD, test deliveries, the delivery log and resends."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from typing import Any

from aiohttp import web

from bot.sim.model import Hook, SimError, iso, now
from bot.sim.payloads import test_issue_hook
from bot.sim.rest import DISPATCHER, GL, as_bool, hook_in, owned_group, paginate, params, user_of

HOOK_FIELDS = (
    "url",
    "token",
    "signing_token",
    "name",
    "description",
    "issues_events",
    "confidential_issues_events",
    "note_events",
    "confidential_note_events",
    "push_events",
    "enable_ssl_verification",
)
BOOL_FIELDS = {f for f in HOOK_FIELDS if f.endswith("_events") or f == "enable_ssl_verification"}

routes = web.RouteTableDef()
THROTTLED = "This endpoint has been requested too many times. Try again later."


class Throttled(SimError):
    """GitLab's 429 from its application rate limiter, with ``Retry-After`` (newer GitLab)."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(429, THROTTLED)
        self.headers["Retry-After"] = str(max(1, round(retry_after)))


def _limit(request: web.Request, name: str, scope: str) -> None:
    wait = request.app[GL].throttle(name, scope, time.monotonic())
    if wait is not None:
        raise Throttled(wait)


@routes.get("/api/v4/groups/{group}/hooks")
async def list_hooks(request: web.Request) -> web.Response:
    group = owned_group(request)
    at = now()
    return paginate(
        request, [h.api_json(at) for h in request.app[GL].hooks.values() if h.group_id == group.id]
    )


@routes.get("/api/v4/groups/{group}/hooks/{hook_id}")
async def get_hook(request: web.Request) -> web.Response:
    return web.json_response(hook_in(request, owned_group(request)).api_json(now()))


def _apply(hook: Hook, values: dict[str, Any]) -> None:
    for name in HOOK_FIELDS:
        if name in values:
            setattr(hook, name, as_bool(values[name]) if name in BOOL_FIELDS else values[name])
    if not hook.url.startswith(("http://", "https://")):
        raise SimError(422, "url is blocked: Only allowed schemes are http, https")


@routes.post("/api/v4/groups/{group}/hooks")
async def create_hook(request: web.Request) -> web.Response:
    group = owned_group(request)
    values = await params(request)
    if not values.get("url"):
        return web.json_response({"error": "url is missing"}, status=400)
    gl = request.app[GL]
    hook = Hook(gl.next_id(), group.id, str(values["url"]))
    _apply(hook, values)
    gl.hooks[hook.id] = hook
    return web.json_response(hook.api_json(now()), status=201)


@routes.put("/api/v4/groups/{group}/hooks/{hook_id}")
async def update_hook(request: web.Request) -> web.Response:
    hook = hook_in(request, owned_group(request))
    _apply(hook, await params(request))
    return web.json_response(hook.api_json(now()))


@routes.delete("/api/v4/groups/{group}/hooks/{hook_id}")
async def delete_hook(request: web.Request) -> web.Response:
    hook = hook_in(request, owned_group(request))
    del request.app[GL].hooks[hook.id]
    return web.Response(status=204)


@routes.post("/api/v4/groups/{group}/hooks/{hook_id}/test/{trigger}")
async def test_hook(request: web.Request) -> web.Response:
    group = owned_group(request)
    hook = hook_in(request, group)
    trigger = request.match_info["trigger"]
    if trigger not in ("issues_events", "confidential_issues_events"):
        raise SimError(400, f"trigger {trigger} is not supported by this simulator")
    gl = request.app[GL]
    _limit(request, "web_hook_test", f"{group.id}:{user_of(request).id}")
    try:
        event, body = test_issue_hook(gl, group.id, user_of(request).id)
    except LookupError:
        raise SimError(422, "Ensure the project has issues before testing.") from None
    # A test delivery counts for auto-disable, and a success re-enables a disabled hook.
    record = await request.app[DISPATCHER].deliver(hook, event, body, trigger, event_uuid=str(uuid.uuid4()))
    # A test passes on 2xx only; a redirect is a failure here (the receiver never got the event).
    if record.response_status.isdigit() and 200 <= int(record.response_status) < 300:
        return web.json_response({"message": "201 Created"}, status=201)
    detail = (
        f"Hook executed successfully but returned HTTP {record.response_status} {record.response_body}"
        if record.response_status.isdigit()
        else record.response_body
    )
    raise SimError(422, detail)


def _event_json(event: Any) -> dict[str, Any]:
    return {
        "id": event.id,
        "url": event.url,
        "trigger": event.trigger,
        "request_headers": event.request_headers,
        "request_data": event.request_data,
        "response_headers": {},
        "response_body": event.response_body,
        "execution_duration": event.execution_duration,
        "response_status": event.response_status,
        "created_at": iso(event.created_at),
    }


def _status_matches(event: Any, wanted: str) -> bool:
    code = int(event.response_status) if event.response_status.isdigit() else 0
    return {
        "successful": 200 <= code < 300,
        "client_failure": 400 <= code < 500,
        "server_failure": code >= 500 or code == 0,
    }.get(wanted, str(code) == wanted)


@routes.get("/api/v4/groups/{group}/hooks/{hook_id}/events")
async def hook_events(request: web.Request) -> web.Response:
    hook = hook_in(request, owned_group(request))
    per_page = request.query.get("per_page", "20")
    if not per_page.isdigit() or not 1 <= int(per_page) <= 20:  # values: 1..20
        raise SimError(400, "per_page does not have a valid value", key="error")
    week_ago = now() - dt.timedelta(days=7)
    events = [e for e in reversed(hook.events) if e.created_at >= week_ago]
    for wanted in request.query.getall("status", []):
        events = [e for e in events if _status_matches(e, wanted)]
    return paginate(request, [_event_json(e) for e in events])


@routes.post("/api/v4/groups/{group}/hooks/{hook_id}/events/{event_id}/resend")
async def resend_event(request: web.Request) -> web.Response:
    hook = hook_in(request, owned_group(request))
    event = next((e for e in hook.events if e.id == int(request.match_info["event_id"])), None)
    if event is None:
        raise SimError(404, "404 Not found")
    if event.url != hook.url:
        raise SimError(422, "The hook URL has changed, and this log entry cannot be retried")
    # One limit per group and user, shared by all the group's hooks (lib/api/hooks/events.rb).
    group = request.app[GL].groups[hook.group_id]
    _limit(request, "web_hook_event_resend", f"{group.id}:{user_of(request).id}")
    record = await request.app[DISPATCHER].deliver(
        hook,
        event.request_headers.get("X-Gitlab-Event", "Issue Hook"),
        event.request_data,
        event.trigger,
        event_uuid=event.request_headers.get("X-Gitlab-Event-UUID", str(uuid.uuid4())),
        idempotency_key=event.idempotency_key,
    )
    return web.json_response({"response_status": record.response_status}, status=201)
