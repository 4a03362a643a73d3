"""The web edge: authenticate, bound, parse and durably store each webhook, then answer 202."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web_protocol import RequestPayloadError
from pydantic import ValidationError

from bot import log
from bot.core.events import parse_payload
from bot.jobs.delivery import delivery_job
from bot.jobs.history import FINDINGS_SEEN, FIX_DAYS
from bot.jobs.reconcile import HOOK_STATUS
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
COUNTED = "bot.counted"  # set on a request whose outcome the handler counted


class Refusal(Exception):
    """A request the edge turns down: an HTTP status, a metric outcome and a reason."""

    def __init__(self, status: int, outcome: str, reason: str, *, close: bool = False) -> None:
        super().__init__(reason)
        self.status, self.outcome, self.reason = status, outcome, reason
        # The body was not (fully) read: close the connection rather than drain what is left.
        self.close = close


def delivery_key(headers: dict[str, str], body: bytes, *, signed: bool = False) -> str:
    """Dedupe key: a verified ``webhook-id``, else ``Idempotency-Key``, else the event UUID, else a hash.

    ``webhook-id`` is covered by the signature (and equals ``Idempotency-Key`` on GitLab's own
    resends), so a replayed signed delivery with a new ``Idempotency-Key`` is still a duplicate.
    """
    names = (
        ("webhook-id", "idempotency-key", "x-gitlab-event-uuid")
        if signed
        else ("idempotency-key", "x-gitlab-event-uuid")
    )
    for name in names:
        value = headers.get(name, "").strip()
        if value:
            return value[:200]
    return "sha256:" + hashlib.sha256(body).hexdigest()


# What can go wrong while reading a body that a client sent: a broken Content-Encoding, a
# connection that went away mid-body, a chunked encoding that does not add up.
_BODY_ERRORS = (RequestPayloadError, HttpProcessingError, aiohttp.ClientError, ConnectionError)


def _undecodable(value: str) -> bool:
    """True for a header value that arrived with bytes that are not UTF-8 (kept as surrogates)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


async def _read_body(request: web.Request, limit: int, timeout: float) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise Refusal(413, "too_large", f"body larger than {limit} bytes", close=True)
    body = bytearray()
    try:
        async with asyncio.timeout(timeout):
            async for chunk in request.content.iter_chunked(1 << 16):
                body += chunk
                if len(body) > limit:
                    raise Refusal(413, "too_large", f"body larger than {limit} bytes", close=True)
    except TimeoutError:
        raise Refusal(408, "timeout", f"the body did not arrive within {timeout:g} s", close=True) from None
    except _BODY_ERRORS as exc:
        reason = f"the body could not be read ({type(exc).__name__})"
        raise Refusal(400, "malformed", reason, close=True) from None
    return bytes(body)


def _decode_json(request: web.Request, body: bytes) -> Any:
    """The JSON body: ``application/json`` in UTF-8 (GitLab sends nothing else)."""
    if request.content_type != "application/json":
        raise Refusal(415, "unsupported_media_type", "expected Content-Type: application/json")
    charset = (request.charset or "utf-8").lower()
    if charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
        raise Refusal(415, "unsupported_media_type", f"unsupported charset {charset[:40]!r}; send UTF-8")
    try:
        return json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise Refusal(400, "malformed", "body is not UTF-8") from None
    except RecursionError:
        raise Refusal(400, "malformed", "body is nested too deeply") from None
    except ValueError:  # JSONDecodeError, and integers longer than Python parses
        raise Refusal(400, "malformed", "body is not valid JSON") from None


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
    body = await _read_body(request, settings.max_body_bytes, settings.body_timeout_seconds)
    if signed:
        check(body)
    for name in _KEPT_HEADERS:
        if not headers.get(name, "").isprintable() or _undecodable(headers.get(name, "")):
            raise Refusal(400, "malformed", f"header {name} is not printable UTF-8", close=True)
    if edge.shutting_down:
        raise Refusal(503, "unavailable", "shutting down")
    data = _decode_json(request, body)
    event = headers.get("x-gitlab-event")
    if not event:
        raise Refusal(400, "malformed", "X-Gitlab-Event is missing")
    if not isinstance(data, dict):
        raise Refusal(400, "malformed", "body must be a JSON object")
    try:
        hook = parse_payload(event, data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"])[:200]
        raise Refusal(400, "malformed", f"{event[:60]} payload: {where}: {err['msg']}") from None
    except RecursionError:
        raise Refusal(400, "malformed", "body is nested too deeply") from None

    key = delivery_key(headers, body, signed=signed)
    delivery = Delivery(
        key=key,
        event=event,
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
    request[COUNTED] = True
    try:
        outcome, key = await _intake(request, edge)
    except Refusal as refusal:
        edge.metrics.deliveries.labels(refusal.outcome).inc()
        edge.metrics.ack_latency.observe(time.perf_counter() - started)
        logger.info("delivery refused", status=refusal.status, reason=refusal.reason)
        response = web.json_response({"error": refusal.reason}, status=refusal.status)
        if refusal.close:
            response.force_close()
        return response
    except Exception as exc:  # a bug of ours: one line, counted, never a traceback per request
        edge.metrics.deliveries.labels("error").inc()
        logger.error("delivery failed", error=f"{type(exc).__name__}: {str(exc)[:200]}")
        return web.json_response({"error": "internal error"}, status=500)
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
        seen = await edge.store.get_values(FINDINGS_SEEN)
        open_by_rule: dict[str, int] = {}
        for value in seen.values():
            for rule in json.loads(value).get("rules", {}):
                open_by_rule[rule] = open_by_rule.get(rule, 0) + 1
        fixes = [float(days) for days in (await edge.store.get_values(FIX_DAYS)).values()]
        edge.metrics.observe_findings(open_by_rule, fixes)
        hooks = await edge.store.get_values(HOOK_STATUS)
        edge.metrics.observe_hooks({g: json.loads(v).get("alert_status", "") for g, v in hooks.items()})
    return web.Response(body=edge.metrics.render(), content_type="text/plain", charset="utf-8")


class _Unparsed(AbstractAccessLogger):
    """Counts what the HTTP parser refused before any handler ran (a bad header byte…).

    Every other request to ``/webhook`` is counted by the handler; these would otherwise be
    invisible in ``/metrics``.
    """

    metrics: Metrics

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        if request.get(COUNTED) or response.status != 400:
            return
        self.metrics.deliveries.labels("malformed").inc()

    @property
    def enabled(self) -> bool:
        return True


def runner_args(edge: Edge) -> dict[str, Any]:
    """What an ``AppRunner`` (or a test server) of the edge needs so that every request is counted."""
    counter = type("UnparsedCounter", (_Unparsed,), {"metrics": edge.metrics})
    return {"access_log_class": counter, "access_log": logging.getLogger("bot.web.unparsed")}


def make_app(edge: Edge, **extra: Any) -> web.Application:
    """The aiohttp application of the web edge."""
    app = web.Application(**extra)
    app[EDGE] = edge
    app.router.add_post("/webhook", webhook)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
    return app
