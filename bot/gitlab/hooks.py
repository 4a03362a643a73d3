"""Group hook administration: register, inspect, test and remove the bot's webhook."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from bot.gitlab.access import missing_api_scope, token_scopes
from bot.gitlab.api import GitLabAPI
from bot.gitlab.client import GitLabClient, GitLabError, RateLimited
from bot.settings import Settings

HOOK_NAME = "success-plan-bot"
HOOK_DESCRIPTION = "Lints success-plan objectives and rebuilds the customer deck."
# Only the events the bot needs: issues and work items (epics included), confidential ones too.
EVENTS = {
    "issues_events": True,
    "confidential_issues_events": True,
    "push_events": False,
    "note_events": False,
    "confidential_note_events": False,
    "merge_requests_events": False,
    "tag_push_events": False,
    "pipeline_events": False,
    "wiki_page_events": False,
    "job_events": False,
    "deployment_events": False,
    "releases_events": False,
    "subgroup_events": False,
    "member_events": False,
}


class AdminError(Exception):
    """What went wrong, in one line an admin can act on."""


def _group_url(group: str) -> str:
    return f"/groups/{quote(group, safe='')}"


async def _explain(gl: GitLabClient, group: str, exc: GitLabError) -> AdminError:
    """Turn an API failure on group hooks into the reason an admin actually hit."""
    if exc.status == 401:
        return AdminError("GitLab rejected the token (401): check BOT_GITLAB_TOKEN and its expiry")
    if exc.status == 403:
        return AdminError(f"managing webhooks of {group} needs the Owner role on it (403 Forbidden)")
    if exc.status == 404:
        try:
            await gl.get(_group_url(group))
        except GitLabError as inner:
            if inner.status == 404:
                return AdminError(f"group {group} not found, or the token cannot see it")
            return AdminError(str(inner))
        return AdminError(f"group webhooks need GitLab Premium or Ultimate, and {group} has neither (404)")
    return AdminError(str(exc))


async def find_hook(gl: GitLabClient, group: str, url: str | None = None) -> dict[str, Any] | None:
    """The bot's hook on *group*: the one with *url*, else the one named like the bot."""
    try:
        hooks = await gl.get_all(f"{_group_url(group)}/hooks")
    except GitLabError as exc:
        raise await _explain(gl, group, exc) from None
    by_url = [h for h in hooks if url and h.get("url") == url]
    by_name = [h for h in hooks if h.get("name") == HOOK_NAME]
    found: dict[str, Any] | None = (by_url or by_name or [None])[0]
    return found


async def hook_health(gl: GitLabAPI, group: str) -> dict[str, Any] | None:
    """The bot's hook on *group* as GitLab reports it (``alert_status``, ``disabled_until``).

    None when there is none, or when the token may not read hooks (that takes the Owner role).
    """
    try:
        hooks = await gl.get_all(f"{_group_url(group)}/hooks")
    except GitLabError as exc:
        if exc.status in (401, 403, 404):
            return None
        raise
    found = next((h for h in hooks if h.get("name") == HOOK_NAME), None)
    if found is None:
        return None
    return {
        "id": found.get("id"),
        "alert_status": found.get("alert_status") or "executable",
        "disabled_until": found.get("disabled_until"),
    }


async def register(gl: GitLabClient, settings: Settings, group: str, url: str) -> tuple[int, bool]:
    """Create the hook, or update the existing one in place; returns ``(hook id, created)``."""
    if settings.webhook_secret is None:
        raise AdminError("BOT_WEBHOOK_SECRET is not set: the hook needs the bot's secret as its token")
    try:
        problem = missing_api_scope(await token_scopes(gl))
    except GitLabError as exc:
        raise await _explain(gl, group, exc) from None
    if problem is not None:
        raise AdminError(problem)
    fields: dict[str, Any] = {
        "url": url,
        "name": HOOK_NAME,
        "description": HOOK_DESCRIPTION,
        "token": settings.webhook_secret.get_secret_value(),
        "enable_ssl_verification": True,
        **EVENTS,
    }
    if settings.signing_secret is not None:
        fields["signing_token"] = settings.signing_secret.get_secret_value()
    existing = await find_hook(gl, group, url)
    try:
        if existing is not None:
            await gl.put(f"{_group_url(group)}/hooks/{existing['id']}", fields)
            return int(existing["id"]), False
        created = await gl.post(f"{_group_url(group)}/hooks", fields)
    except GitLabError as exc:
        raise await _explain(gl, group, exc) from None
    return int(created["id"]), True


# GitLab's own limits on these endpoints (lib/api/hooks/events.rb, lib/api/hooks/test.rb).
EVENTS_PER_PAGE = 20  # 1..20; a larger per_page is a 400
RESENDS_PER_MINUTE = 5  # per group and user, shared by every hook of the group


@dataclass
class HookStatus:
    hook: dict[str, Any] | None
    failures: list[dict[str, Any]]

    @property
    def healthy(self) -> bool:
        return self.hook is not None and self.hook.get("alert_status") == "executable"

    def as_json(self) -> dict[str, Any]:
        hook = self.hook or {}
        return {
            "found": self.hook is not None,
            "id": hook.get("id"),
            "url": hook.get("url"),
            "events": sorted(k for k, v in hook.items() if k.endswith("_events") and v is True),
            "alert_status": hook.get("alert_status"),
            "disabled_until": hook.get("disabled_until"),
            "recent_failures": self.failures,
        }


def _succeeded(event: dict[str, Any]) -> bool:
    status = str(event.get("response_status", ""))
    return status.isdigit() and 200 <= int(status) < 300


async def status(gl: GitLabClient, group: str, url: str | None = None) -> HookStatus:
    """The hook and its failed deliveries of the last 7 days (newest first) still undelivered.

    A failure whose event was since delivered (a resend answered 2xx, same ``Idempotency-Key``)
    is not listed: so a replay that was interrupted resumes where it stopped.
    """
    hook = await find_hook(gl, group, url)
    if hook is None:
        return HookStatus(None, [])
    events = await gl.get_all(f"{_group_url(group)}/hooks/{hook['id']}/events", {"per_page": EVENTS_PER_PAGE})
    delivered = {(e.get("request_headers") or {}).get("Idempotency-Key") for e in events if _succeeded(e)} - {
        None
    }
    failures = [
        {
            "id": e["id"],
            "status": e.get("response_status"),
            "at": e.get("created_at"),
            "idempotency_key": (e.get("request_headers") or {}).get("Idempotency-Key"),
            "error": (e.get("response_body") or "")[:200],
        }
        for e in events
        if not _succeeded(e) and (e.get("request_headers") or {}).get("Idempotency-Key") not in delivered
    ]
    return HookStatus(hook, failures)


@dataclass
class Replay:
    """What a replay did: resent (GitLab took the resend), failed (it refused), left (not tried)."""

    sent: int = 0
    failed: int = 0
    left: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"sent": self.sent, "failed": self.failed, "left": self.left, "errors": self.errors[:10]}


async def replay_failed(
    gl: GitLabClient,
    group: str,
    hook_status: HookStatus,
    *,
    per_window: int = RESENDS_PER_MINUTE,
    window: float = 60.0,
    budget: float = 600.0,
    progress: Callable[[int, int], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Replay:
    """Resend the failed deliveries of the last 7 days, each event once, within GitLab's limit.

    At most *per_window* resends per *window* (GitLab: 5 a minute per group and user); a 429
    waits as long as GitLab says, and at least a window when it says nothing. After *budget*
    seconds it stops and counts the rest as left; running it again resumes (see ``status``).
    """
    report = Replay()
    if hook_status.hook is None:
        return report
    week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    queue: list[dict[str, Any]] = []
    seen: set[str] = set()
    for failure in hook_status.failures:
        key = failure.get("idempotency_key") or str(failure["id"])
        at = failure.get("at")
        if key in seen or (at and dt.datetime.fromisoformat(at.replace("Z", "+00:00")) < week_ago):
            continue
        seen.add(key)
        queue.append(failure)
    started = clock()
    sent_at: list[float] = []
    base = f"{_group_url(group)}/hooks/{hook_status.hook['id']}/events"
    for n, failure in enumerate(queue):
        while True:
            recent = [t for t in sent_at if t > clock() - window]
            wait = (recent[0] + window - clock()) if len(recent) >= per_window else 0.0
            if clock() + wait - started > budget:
                report.left = len(queue) - n
                return report
            if wait > 0:
                await sleep(wait)
            sent_at.append(clock())
            try:
                await gl.post(f"{base}/{failure['id']}/resend", {})
            except RateLimited as exc:
                # Refused, so not resent: wait as GitLab asks (at least a window) and try again.
                sent_at = [clock()] * per_window
                window = max(window, exc.retry_after)
                continue
            except GitLabError as exc:
                report.failed += 1
                report.errors.append(f"event {failure['id']}: {exc}")
            else:
                report.sent += 1
            break
        if progress is not None:
            progress(n + 1, len(queue))
    return report


async def test(gl: GitLabClient, group: str, url: str | None = None) -> str:
    """Ask GitLab for a test delivery; returns its Idempotency-Key to look for in the store."""
    hook = await find_hook(gl, group, url)
    if hook is None:
        raise AdminError(f"no success-plan-bot hook on {group}: run `hook register` first")
    try:
        await gl.post(f"{_group_url(group)}/hooks/{hook['id']}/test/issues_events", {})
    except GitLabError as exc:
        if exc.status == 422:
            raise AdminError(
                f"GitLab could not deliver to {hook['url']}: {str(exc).split(': ', 2)[-1]}"
            ) from None
        raise await _explain(gl, group, exc) from None
    events = await gl.get(f"{_group_url(group)}/hooks/{hook['id']}/events", {"per_page": 1})  # the newest
    if not events:
        raise AdminError("GitLab reports the test as sent but lists no delivery")
    return str((events[0].get("request_headers") or {}).get("Idempotency-Key", ""))


async def remove(gl: GitLabClient, group: str, url: str | None = None) -> int | None:
    hook = await find_hook(gl, group, url)
    if hook is None:
        return None
    await gl.delete(f"{_group_url(group)}/hooks/{hook['id']}")
    return int(hook["id"])
