"""The web edge: authenticate, bound, parse and durably store each webhook, then answer 202."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from gidgetlab.exceptions import BadRequest, ValidationFailure
from gidgetlab.sansio import Event
from pydantic import ValidationError

from bot import log
from bot.core.events import parse_payload
from bot.jobs.delivery import delivery_job
from bot.jobs.worker import Worker
from bot.metrics import Metrics
from bot.settings import Settings
from bot.store.base import Delivery, Store, StoreUnavailable
from bot.web.auth import authenticate

logger = log.get(__name__)

# Headers worth keeping with a delivery; the token and signature are never stored.
_KEPT_HEADERS = (
    "x-gitlab-event",
    "idempotency-key",
    "x-gitlab-event-uuid",
    "x-gitlab-webhook-uuid",
    "x-gitlab-instance",
    "user-agent",
    "webhook-id",
    "webhook-timestamp",
)


@dataclass
class Edge:
    """What the request handlers need, kept on the app."""

    settings: Settings
    store: Store
    metrics: Metrics
    worker: Worker | None = None
    shutting_down: bool = False


EDGE = web.AppKey("edge", Edge)


class Refusal(Exception):
    """A request the edge turns down: an HTTP status, a metric outcome and a reason."""

    def __init__(self, status: int, outcome: str, reason: str) -> None:
        super().__init__(reason)
        self.status, self.outcome, self.reason = status, outcome, reason


def delivery_key(headers: dict[str, str], body: bytes) -> str:
    """Dedupe key: ``Idempotency-Key``, else ``X-Gitlab-Event-UUID``, else the body's hash."""
    for name in ("idempotency-key", "x-gitlab-event-uuid"):
        value = headers.get(name, "").strip()
        if value:
            return value[:200]
    return "sha256:" + hashlib.sha256(body).hexdigest()


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise Refusal(413, "too_large", f"body larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.content.iter_chunked(1 << 16):
        body += chunk
        if len(body) > limit:
            raise Refusal(413, "too_large", f"body larger than {limit} bytes")
    return bytes(body)


async def _intake(request: web.Request, edge: Edge) -> tuple[str, str]:
    settings = edge.settings
    headers = {name.lower(): value for name, value in request.headers.items()}
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    signing_key = settings.signing_key()
    signed = signing_key is not None and "webhook-signature" in headers

    def check(body: bytes) -> None:
        result = authenticate(
            headers,
            body,
            secret=secret,
            signing_key=signing_key,
            now=time.time(),
            tolerance=settings.signature_tolerance_seconds,
        )
        if not result.ok:
            raise Refusal(401, "unauthorized", result.reason)

    # A token can be checked before the body is read; a signature covers the body.
    if not signed:
        check(b"")
    body = await _read_body(request, settings.max_body_bytes)
    if signed:
        check(body)
    if edge.shutting_down:
        raise Refusal(503, "unavailable", "shutting down")
    if request.content_type != "application/json":
        raise Refusal(415, "unsupported_media_type", "expected Content-Type: application/json")
    unauthenticated = {k: v for k, v in headers.items() if k != "x-gitlab-token"}
    try:
        event = Event.from_http(unauthenticated, body)
    except ValidationFailure as exc:
        raise Refusal(400, "malformed", str(exc)) from None
    except BadRequest:
        raise Refusal(400, "malformed", "body is not valid JSON") from None
    if not isinstance(event.data, dict):
        raise Refusal(400, "malformed", "body must be a JSON object")
    try:
        hook = parse_payload(event.event, event.data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])
        raise Refusal(400, "malformed", f"{event.event} payload: {where}: {err['msg']}") from None

    key = delivery_key(headers, body)
    delivery = Delivery(
        key=key,
        event=event.event,
        body=body,
        headers={k: headers[k] for k in _KEPT_HEADERS if k in headers},
        received_at=time.time(),
    )
    job = delivery_job(key) if hook else None
    try:
        is_new = await edge.store.accept(delivery, job)
    except StoreUnavailable as exc:
        logger.error("store cannot commit", delivery_id=key, error=str(exc))
        raise Refusal(503, "unavailable", "the job store cannot commit; retry later") from None
    if not is_new:
        return "duplicate", key
    if job is None:
        return "ignored", key
    if edge.worker is not None:
        edge.worker.wake()
    return "accepted", key


async def webhook(request: web.Request) -> web.Response:
    """``POST /webhook``."""
    edge = request.app[EDGE]
    started = time.perf_counter()
    try:
        outcome, key = await _intake(request, edge)
    except Refusal as refusal:
        edge.metrics.deliveries.labels(refusal.outcome).inc()
        edge.metrics.ack_latency.observe(time.perf_counter() - started)
        logger.info("delivery refused", status=refusal.status, reason=refusal.reason)
        return web.json_response({"error": refusal.reason}, status=refusal.status)
    edge.metrics.deliveries.labels(outcome).inc()
    edge.metrics.ack_latency.observe(time.perf_counter() - started)
    logger.debug("delivery stored", delivery_id=key, outcome=outcome)
    return web.json_response({"status": outcome, "delivery": key}, status=202)


async def healthz(request: web.Request) -> web.Response:
    """``GET /healthz``: the event loop answers and the worker loop is alive."""
    edge = request.app[EDGE]
    if edge.worker is not None and not edge.worker.alive():
        return web.json_response({"status": "worker stalled"}, status=503)
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """``GET /readyz``: the store takes writes and the process is not shutting down."""
    edge = request.app[EDGE]
    if edge.shutting_down:
        return web.json_response({"status": "shutting down"}, status=503)
    try:
        await asyncio.wait_for(edge.store.check_writable(), timeout=2.0)
    except (StoreUnavailable, TimeoutError):
        return web.json_response({"status": "store not writable"}, status=503)
    return web.json_response({"status": "ready"})


async def metrics(request: web.Request) -> web.Response:
    """``GET /metrics`` in Prometheus' text format."""
    edge = request.app[EDGE]
    # Without the store, the process-local numbers are still worth serving.
    with contextlib.suppress(StoreUnavailable):
        edge.metrics.observe_store(await edge.store.stats(now=time.time()))
    return web.Response(body=edge.metrics.render(), content_type="text/plain", charset="utf-8")


def make_app(edge: Edge, **extra: Any) -> web.Application:
    """The aiohttp application of the web edge."""
    app = web.Application(**extra)
    app[EDGE] = edge
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
