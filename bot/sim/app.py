"""The simulator as an aiohttp app: GitLab's API paths plus ``/-/sim/`` controls for tests and demos."""

from __future__ import annotations

import asyncio
import json
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from aiohttp import web
from graphql import GraphQLSchema

from bot.sim import rest, rest_hooks, seed
from bot.sim.graphql import execute, load_schema, operation_name
from bot.sim.hooks import Dispatcher
from bot.sim.model import GitLab, SimError

SCHEMA = web.AppKey("schema", GraphQLSchema)
# Paths that authenticate by other means (the trigger token in the body).
_NO_USER_AUTH = re.compile(r"^/api/v4/projects/[^/]+/trigger/pipeline$")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Fault:
    """An injected failure for API requests whose path matches *path*."""

    path: str
    method: str | None = None
    status: int | None = None
    retry_after: int | None = None
    latency: float = 0.0
    count: int | None = None  # None: every matching request
    rate: float = 1.0
    operation: str | None = None  # a GraphQL operation name, e.g. CreateNote
    # GitLab does the work, but its answer comes only after *latency* (longer than the client waits).
    lost_response: bool = False

    def applies(self, request: web.Request, operation: str | None) -> bool:
        if self.count == 0 or not re.search(self.path, request.path):
            return False
        if self.method and self.method.upper() != request.method:
            return False
        if self.operation and self.operation != operation:
            return False
        if random.random() >= self.rate:
            return False
        if self.count is not None:
            self.count -= 1
        return True


@dataclass
class Control:
    requests: list[dict[str, Any]] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)


CONTROL = web.AppKey("control", Control)


def _error(status: int, message: Any) -> web.Response:
    return web.json_response({"message": message}, status=status)


@web.middleware
async def gitlab_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not request.path.startswith("/api/"):
        return await handler(request)
    control = request.app[CONTROL]
    entry: dict[str, Any] = {
        "method": request.method,
        "path": request.rel_url.raw_path,
        "params": dict(request.rel_url.query),
        "operation": None,
        "status": None,
        "event_uuid": request.headers.get("X-Gitlab-Event-UUID"),
        "at": time.monotonic(),
    }
    control.requests.append(entry)
    response = await _answer(request, handler, entry)
    entry["status"] = response.status
    return response


async def _operation(request: web.Request) -> str | None:
    """The GraphQL operation a request carries (the body is read once and kept by aiohttp)."""
    if request.path != "/api/graphql":
        return None
    try:
        payload = json.loads(await request.read())
    except ValueError:
        return None
    if not isinstance(payload, dict):
        return None
    return operation_name(str(payload.get("query") or ""), payload.get("operationName"))


async def _answer(request: web.Request, handler: Handler, entry: dict[str, Any]) -> web.StreamResponse:
    gl = request.app[rest.GL]
    operation = await _operation(request) if request.app[CONTROL].faults else None
    for fault in list(request.app[CONTROL].faults):
        if fault.applies(request, operation):
            if fault.lost_response:
                response = await _authorised(request, handler, entry, gl)
                await asyncio.sleep(fault.latency)
                return response
            if fault.latency:
                await asyncio.sleep(fault.latency)
            if fault.status:
                headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
                if fault.status == 429:
                    return web.Response(status=429, text="Retry later\n", headers=headers)
                return _error(fault.status, f"{fault.status} Injected fault")
    return await _authorised(request, handler, entry, gl)


async def _authorised(
    request: web.Request, handler: Handler, entry: dict[str, Any], gl: GitLab
) -> web.StreamResponse:
    token = request.headers.get("PRIVATE-TOKEN") or ""
    auth = request.headers.get("Authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    user = gl.user_by_token(token) if token else None
    if user is None and not _NO_USER_AUTH.match(request.rel_url.raw_path):
        return _error(401, "401 Unauthorized")
    if user is not None and "api" not in user.scopes and not user.admin and await _writes(request):
        # A read_api token: GitLab refuses every write, REST or GraphQL mutation.
        return web.json_response(INSUFFICIENT_SCOPE, status=403)
    request["user"] = user
    request["entry"] = entry
    try:
        return await handler(request)
    except SimError as exc:
        return web.json_response({exc.key: exc.message}, status=exc.status, headers=exc.headers)
    except (ValueError, json.JSONDecodeError):
        return web.json_response({"error": "400 Bad request"}, status=400)


INSUFFICIENT_SCOPE = {
    "error": "insufficient_scope",
    "error_description": "The request requires higher privileges than provided by the access token.",
    "scope": "api",
}


async def _writes(request: web.Request) -> bool:
    """True for a request that changes something: REST other than GET/HEAD, or a GraphQL mutation."""
    if request.path == "/api/graphql":
        try:
            payload = json.loads(await request.read())
        except ValueError:
            return False
        return isinstance(payload, dict) and str(payload.get("query") or "").lstrip().startswith("mutation")
    return request.method not in ("GET", "HEAD")


async def graphql_endpoint(request: web.Request) -> web.Response:
    try:
        payload = await request.json()
    except json.JSONDecodeError:
        return web.json_response({"errors": [{"message": "Invalid JSON"}]}, status=400)
    if not isinstance(payload, dict):
        return web.json_response({"errors": [{"message": "Expected a JSON object"}]}, status=400)
    request["entry"]["operation"] = operation_name(payload.get("query") or "", payload.get("operationName"))
    request["entry"]["query"] = payload.get("query")
    request["entry"]["variables"] = payload.get("variables") or {}
    result = await execute(
        request.app[SCHEMA],
        request.app[rest.GL],
        request["user"],
        payload,
        request.headers.get("X-Gitlab-Event-UUID"),
    )
    return web.json_response(result)


async def sim_requests(request: web.Request) -> web.Response:
    since = int(request.query.get("since", "0"))
    return web.json_response(request.app[CONTROL].requests[since:])


async def sim_clear_requests(request: web.Request) -> web.Response:
    request.app[CONTROL].requests.clear()
    return web.Response(status=204)


async def sim_faults(request: web.Request) -> web.Response:
    body = await request.json()
    rules = body if isinstance(body, list) else [body]
    dispatcher = request.app[rest.DISPATCHER]
    for rule in rules:
        if rule.get("drop_webhooks"):
            dispatcher.drop.append({"count": rule.get("count", 0), "rate": rule.get("rate")})
        else:
            request.app[CONTROL].faults.append(Fault(**rule))
    return web.json_response(
        {"faults": len(request.app[CONTROL].faults), "drops": len(dispatcher.drop)}, status=201
    )


async def sim_clear_faults(request: web.Request) -> web.Response:
    request.app[CONTROL].faults.clear()
    request.app[rest.DISPATCHER].drop.clear()
    return web.Response(status=204)


async def sim_seed(request: web.Request) -> web.Response:
    text = await request.text()
    try:
        plan = yaml.safe_load(text) or {}
        seed.load(request.app[rest.GL], plan)
    except (yaml.YAMLError, ValueError, KeyError, SimError) as exc:
        return web.json_response({"error": f"bad seed: {exc}"}, status=400)
    return web.json_response({"ok": True}, status=201)


async def sim_settle(request: web.Request) -> web.Response:
    """Wait until every webhook delivery started so far has been answered."""
    await request.app[rest.DISPATCHER].settle()
    return web.json_response({"dropped": request.app[rest.DISPATCHER].dropped})


def make_app(gl: GitLab | None = None, plan: dict[str, Any] | None = None) -> web.Application:
    """A simulator app, optionally seeded with *plan*."""
    gl = gl or GitLab()
    if plan:
        seed.load(gl, plan)
    app = web.Application(middlewares=[gitlab_middleware])
    app[rest.GL] = gl
    app[rest.DISPATCHER] = Dispatcher(gl)
    app[SCHEMA] = load_schema()
    app[CONTROL] = Control()
    app.router.add_routes(rest.routes)
    app.router.add_routes(rest_hooks.routes)
    app.router.add_post("/api/graphql", graphql_endpoint)
    app.router.add_get("/-/sim/requests", sim_requests)
    app.router.add_delete("/-/sim/requests", sim_clear_requests)
    app.router.add_post("/-/sim/faults", sim_faults)
    app.router.add_delete("/-/sim/faults", sim_clear_faults)
    app.router.add_post("/-/sim/seed", sim_seed)
    app.router.add_post("/-/sim/settle", sim_settle)

    async def close_dispatcher(app: web.Application) -> None:
        await app[rest.DISPATCHER].close()

    app.on_cleanup.append(close_dispatcher)
    return app
