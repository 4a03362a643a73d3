"""Group hook administration: register, inspect, test and remove the bot's webhook."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from bot.gitlab.client import GitLabClient, GitLabError
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


async def register(gl: GitLabClient, settings: Settings, group: str, url: str) -> tuple[int, bool]:
    """Create the hook, or update the existing one in place; returns ``(hook id, created)``."""
    if settings.webhook_secret is None:
        raise AdminError("BOT_WEBHOOK_SECRET is not set: the hook needs the bot's secret as its token")
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


async def status(gl: GitLabClient, group: str, url: str | None = None) -> HookStatus:
    """The hook and its failed deliveries of the last 7 days."""
    hook = await find_hook(gl, group, url)
    if hook is None:
        return HookStatus(None, [])
    events = await gl.get_all(f"{_group_url(group)}/hooks/{hook['id']}/events", {"per_page": 100})
    failures = [
        {
            "id": e["id"],
            "status": e.get("response_status"),
            "at": e.get("created_at"),
            "idempotency_key": (e.get("request_headers") or {}).get("Idempotency-Key"),
            "error": (e.get("response_body") or "")[:200],
        }
        for e in events
        if not str(e.get("response_status", "")).isdigit() or not 200 <= int(e["response_status"]) < 400
    ]
    return HookStatus(hook, failures)


async def replay_failed(gl: GitLabClient, group: str, hook_status: HookStatus) -> int:
    """Resend the failed deliveries of the last 7 days (each event once, newest state wins)."""
    if hook_status.hook is None:
        return 0
    week_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    sent = 0
    seen: set[str] = set()
    for failure in hook_status.failures:
        key = failure.get("idempotency_key") or str(failure["id"])
        at = failure.get("at")
        if key in seen or (at and dt.datetime.fromisoformat(at.replace("Z", "+00:00")) < week_ago):
            continue
        seen.add(key)
        await gl.post(f"{_group_url(group)}/hooks/{hook_status.hook['id']}/events/{failure['id']}/resend", {})
        sent += 1
    return sent


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
    events = await gl.get(f"{_group_url(group)}/hooks/{hook['id']}/events", {"per_page": 1})
    if not events:
        raise AdminError("GitLab reports the test as sent but lists no delivery")
    return str((events[0].get("request_headers") or {}).get("Idempotency-Key", ""))


async def remove(gl: GitLabClient, group: str, url: str | None = None) -> int | None:
    hook = await find_hook(gl, group, url)
    if hook is None:
        return None
    await gl.delete(f"{_group_url(group)}/hooks/{hook['id']}")
    return int(hook["id"])
