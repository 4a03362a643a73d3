"""Webhook delivery as GitLab does it: headers, signatures, a delivery log and auto-disable."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import random
import time
import uuid
from typing import Any

import aiohttp

from bot.sim.model import GitLab, Hook, HookEvent, ItemChange, now
from bot.sim.payloads import work_item_hook
from bot.web.auth import sign

# GitLab 17.11+: 4 consecutive failures disable a hook for 1 minute, doubling up to a day;
# 40 disable it until a successful test.
# https://docs.gitlab.com/user/project/integrations/webhooks/#auto-disabled-webhooks
TEMPORARY_AFTER = 4
PERMANENT_AFTER = 40
MAX_BACKOFF = dt.timedelta(hours=24)
TIMEOUT_SECONDS = 10.0


class Dispatcher:
    """Delivers item changes to the hooks of the item's group and its ancestors."""

    def __init__(self, gl: GitLab, *, version: str = "18.8.0") -> None:
        self.gl = gl
        self.version = version
        self.session: aiohttp.ClientSession | None = None
        self.pending: set[asyncio.Task[Any]] = set()
        self.drop: list[dict[str, Any]] = []  # fault rules for dropped deliveries
        self.dropped = 0
        self._fired: set[tuple[int, str]] = set()
        gl.listeners.append(self.on_change)

    async def close(self) -> None:
        await self.settle()
        if self.session is not None:
            await self.session.close()

    async def settle(self) -> None:
        """Wait until every delivery started so far has finished."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)

    def on_change(self, change: ItemChange) -> None:
        trigger = "confidential_issues_events" if change.item.confidential else "issues_events"
        event, body = work_item_hook(self.gl, change)
        event_uuid = change.event_uuid or str(uuid.uuid4())
        for group in self.gl.ancestors(self.gl.item_group(change.item)):
            for hook in [h for h in self.gl.hooks.values() if h.group_id == group.id]:
                if not getattr(hook, trigger):
                    continue
                # Recursion guard: a request carrying this event's UUID does not fire the hook again.
                if (hook.id, event_uuid) in self._fired:
                    continue
                self._fired.add((hook.id, event_uuid))
                if hook.alert_status(now()) != "executable":
                    continue  # GitLab drops events while a hook is disabled
                if self._should_drop():
                    self.dropped += 1
                    continue
                self.spawn(self.deliver(hook, event, body, trigger, event_uuid=event_uuid))

    def _should_drop(self) -> bool:
        for rule in self.drop:
            if rule.get("count", 0) > 0:
                rule["count"] -= 1
                return True
            if rule.get("rate") and random.random() < float(rule["rate"]):
                return True
        return False

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self.pending.add(task)
        task.add_done_callback(self.pending.discard)
        return task

    def headers(
        self, hook: Hook, event: str, body: bytes, *, idempotency_key: str, event_uuid: str
    ) -> dict[str, str]:
        headers = {
            "Content-Type": "application/json",
            "User-Agent": f"GitLab/{self.version}",
            "Idempotency-Key": idempotency_key,
            "X-Gitlab-Event": event,
            "X-Gitlab-Webhook-UUID": str(uuid.uuid4()),
            "X-Gitlab-Instance": self.gl.base_url,
            "X-Gitlab-Event-UUID": event_uuid,
        }
        if hook.token:
            headers["X-Gitlab-Token"] = hook.token
        if hook.signing_token:
            stamp = int(time.time())
            key = base64.b64decode(hook.signing_token.removeprefix("whsec_"))
            headers["webhook-id"] = idempotency_key
            headers["webhook-timestamp"] = str(stamp)
            headers["webhook-signature"] = sign(key, idempotency_key, stamp, body)
        return headers

    async def deliver(
        self,
        hook: Hook,
        event: str,
        data: dict[str, Any],
        trigger: str,
        *,
        event_uuid: str,
        idempotency_key: str | None = None,
        count_failures: bool = True,
    ) -> HookEvent:
        """POST one delivery, log it on the hook, and apply the auto-disable rules."""
        if self.session is None:
            self.session = aiohttp.ClientSession()
        key = idempotency_key or str(uuid.uuid4())
        body = json.dumps(data).encode()
        headers = self.headers(hook, event, body, idempotency_key=key, event_uuid=event_uuid)
        started = time.perf_counter()
        try:
            async with self.session.post(
                hook.url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=TIMEOUT_SECONDS),
            ) as resp:
                status, text = str(resp.status), (await resp.text())[:2000]
                ok = 200 <= resp.status < 400  # 3xx counts as success
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            status, text, ok = "internal error", str(exc) or type(exc).__name__, False
        logged_headers = {
            k: ("[REDACTED]" if k in ("X-Gitlab-Token", "webhook-signature") else v)
            for k, v in headers.items()
        }
        record = HookEvent(
            self.gl.next_id(),
            hook.id,
            hook.url,
            trigger,
            logged_headers,
            data,
            status,
            text,
            time.perf_counter() - started,
            key,
        )
        hook.events.append(record)
        self.record_result(hook, ok, count_failures=count_failures)
        return record

    @staticmethod
    def record_result(hook: Hook, ok: bool, *, count_failures: bool = True) -> None:
        if ok:
            hook.recent_failures = hook.backoff_count = 0
            hook.disabled_until, hook.permanently_disabled = None, False
            return
        if not count_failures:
            return
        hook.recent_failures += 1
        if hook.recent_failures >= PERMANENT_AFTER:
            hook.permanently_disabled = True
        elif hook.recent_failures >= TEMPORARY_AFTER:
            wait = min(MAX_BACKOFF, dt.timedelta(minutes=1) * 2**hook.backoff_count)
            hook.backoff_count += 1
            hook.disabled_until = now() + wait
