"""Registering and checking the group hook through the simulator, as a group admin would."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from bot.gitlab import hooks as hookadmin
from bot.gitlab.client import GitLabClient, RetryPolicy
from bot.settings import Settings
from bot.sim.rest import GL
from tests.conftest import SECRET, SIGNING_SECRET

CSM = {"PRIVATE-TOKEN": "csm-token"}


def admin(sim: TestClient[Any, Any], token: str = "csm-token", **extra: Any) -> tuple[GitLabClient, Settings]:
    settings = Settings(
        gitlab_url=str(sim.make_url("")).rstrip("/"),
        gitlab_token=token,
        webhook_secret=SECRET,
        _env_file=None,
        **extra,
    )
    return GitLabClient(settings, policy=RetryPolicy(attempts=2, base=0.01)), settings


async def test_register_twice_makes_one_hook_with_only_the_needed_events(sim: TestClient[Any, Any]) -> None:
    gl, settings = admin(sim, signing_secret=SIGNING_SECRET)
    async with gl:
        first, created = await hookadmin.register(gl, settings, "am", "https://bot.example/webhook")
        second, created_again = await hookadmin.register(gl, settings, "am", "https://bot.example/webhook")
    assert first == second and created and not created_again
    hooks = await (await sim.get("/api/v4/groups/am/hooks", headers=CSM)).json()
    assert len(hooks) == 1
    events = sorted(k for k, v in hooks[0].items() if k.endswith("_events") and v is True)
    assert events == ["confidential_issues_events", "issues_events"]
    assert hooks[0]["enable_ssl_verification"] is True
    from bot.sim.rest import GL

    [hook] = sim.server.app[GL].hooks.values()
    assert hook.token == SECRET and hook.signing_token == SIGNING_SECRET


@pytest.mark.parametrize(
    ("token", "group", "message"),
    [
        ("guest-token", "am", "needs the Owner role"),
        ("csm-token", "free-tier", "need GitLab Premium or Ultimate"),
        ("csm-token", "no/such/group", "group no/such/group not found"),
        ("wrong-token", "am", r"GitLab rejected the token \(401\)"),
    ],
)
async def test_what_admins_actually_hit(
    sim: TestClient[Any, Any], token: str, group: str, message: str
) -> None:
    gl, settings = admin(sim, token=token)
    async with gl:
        with pytest.raises(hookadmin.AdminError, match=message) as caught:
            await hookadmin.register(gl, settings, group, "https://bot.example/webhook")
    assert token not in str(caught.value) and SECRET not in str(caught.value)


async def test_status_reports_a_disabled_hook_and_its_failures(
    sim: TestClient[Any, Any], aiohttp_server: Any
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=503, text="down for maintenance")

    app = web.Application()
    app.router.add_post("/webhook", broken)
    server = await aiohttp_server(app)
    url = str(server.make_url("/webhook"))
    gl, settings = admin(sim)
    async with gl:
        await hookadmin.register(gl, settings, "am", url)
        healthy = await hookadmin.status(gl, "am")
        assert healthy.healthy and healthy.failures == []
        from bot.sim.rest import DISPATCHER

        for n in range(4):
            query = (
                "mutation($id: WorkItemID!, $t: String) "
                "{ workItemUpdate(input: {id: $id, title: $t}) { errors } }"
            )
            wid = await gl.graphql('query { namespace(fullPath: "am/acme") { workItem(iid: "1") { id } } }')
            await gl.graphql(query, id=wid["namespace"]["workItem"]["id"], t=f"Edit {n}")
            await sim.server.app[DISPATCHER].settle()
        report = await hookadmin.status(gl, "am")
    assert not report.healthy
    data = report.as_json()
    assert data["alert_status"] == "temporarily_disabled" and data["disabled_until"]
    assert len(data["recent_failures"]) == 4 and data["recent_failures"][0]["status"] == "503"
    assert "down for maintenance" in data["recent_failures"][0]["error"]


async def test_test_delivery_to_an_unreachable_url(sim: TestClient[Any, Any]) -> None:
    gl, settings = admin(sim)
    async with gl:
        await hookadmin.register(gl, settings, "am", "http://127.0.0.1:9/webhook")
        with pytest.raises(
            hookadmin.AdminError, match=re.escape("GitLab could not deliver to http://127.0.0.1:9/webhook")
        ):
            await hookadmin.test(gl, "am")
        assert await hookadmin.remove(gl, "am") is not None
        assert await hookadmin.status(gl, "am") == hookadmin.HookStatus(None, [])


async def _flaky_receiver(aiohttp_server: Any) -> dict[str, Any]:
    """A webhook receiver that answers 502 until ``state["up"]``; counts what it then receives."""
    state: dict[str, Any] = {"up": False, "received": 0}

    async def flaky(request: web.Request) -> web.Response:
        if not state["up"]:
            return web.Response(status=502, text="bad gateway")
        state["received"] += 1
        return web.json_response({}, status=202)

    app = web.Application()
    app.router.add_post("/webhook", flaky)
    server = await aiohttp_server(app)
    state["url"] = str(server.make_url("/webhook"))
    return state


async def test_replay_failed_resends_what_gitlab_could_not_deliver(
    sim: TestClient[Any, Any], aiohttp_server: Any
) -> None:
    from bot.sim.rest import DISPATCHER

    state = await _flaky_receiver(aiohttp_server)
    gl, settings = admin(sim)
    async with gl:
        await hookadmin.register(gl, settings, "am", state["url"])
        wid = await gl.graphql('query { namespace(fullPath: "am/acme") { workItem(iid: "1") { id } } }')
        for n in range(2):
            await gl.graphql(
                "mutation($id: WorkItemID!, $t: String) "
                "{ workItemUpdate(input: {id: $id, title: $t}) { errors } }",
                id=wid["namespace"]["workItem"]["id"],
                t=f"Edit {n}",
            )
            await sim.server.app[DISPATCHER].settle()
        state["up"] = True
        report = await hookadmin.status(gl, "am")
        assert len(report.failures) == 2
        replayed = await hookadmin.replay_failed(gl, "am", report)
        assert (replayed.sent, replayed.failed, replayed.left) == (2, 0, 0)
        assert (await hookadmin.status(gl, "am")).failures == []  # delivered since: a rerun resends nothing
    assert state["received"] == 2


async def test_test_delivery_reaches_the_bots_store(
    sim: TestClient[Any, Any], aiohttp_server: Any, service: Any
) -> None:
    from bot.web.edge import make_app as make_bot_app

    server = await aiohttp_server(make_bot_app(service.edge))
    gl, settings = admin(sim)
    async with gl:
        await hookadmin.register(gl, settings, "am", str(server.make_url("/webhook")))
        key = await hookadmin.test(gl, "am")
    stored = await service.store.get_delivery(key)
    assert stored is not None and stored.event == "Issue Hook"


async def _failed_deliveries(sim: TestClient[Any, Any], aiohttp_server: Any, count: int) -> dict[str, Any]:
    from bot.sim.rest import DISPATCHER

    state = await _flaky_receiver(aiohttp_server)
    gl = sim.server.app[GL]
    csm, item = gl.user_by_name("dana.csm"), gl.item_by_iid("am/acme", 1)
    hook_gl, settings = admin(sim)
    async with hook_gl:
        await hookadmin.register(hook_gl, settings, "am", state["url"])
    # Failures only count 4 in a row before GitLab disables the hook; space them with a success.
    for n in range(count):
        gl.update_item(item, csm, title=f"Edit {n}")
        await sim.server.app[DISPATCHER].settle()
        next(iter(gl.hooks.values())).recent_failures = 0
    state["up"] = True
    return state


async def test_replay_keeps_to_gitlabs_resend_limit_and_reports_what_is_left(
    sim: TestClient[Any, Any], aiohttp_server: Any
) -> None:
    sim.server.app[GL].limits["web_hook_event_resend"] = (5, 2.0)  # GitLab: 5 a minute
    state = await _failed_deliveries(sim, aiohttp_server, 7)
    gl, _ = admin(sim)
    async with gl:
        report = await hookadmin.status(gl, "am")
        assert len(report.failures) == 7
        started = time.monotonic()
        replayed = await hookadmin.replay_failed(gl, "am", report, window=2.0)
        assert time.monotonic() - started >= 1.9  # the sixth waited for the window
    assert (replayed.sent, replayed.failed, replayed.left) == (7, 0, 0)
    assert state["received"] == 7
    assert sim.server.app[GL].throttled.get("web_hook_event_resend", 0) == 0  # never over the limit


async def test_replay_waits_out_a_429_and_stops_at_its_budget(
    sim: TestClient[Any, Any], aiohttp_server: Any
) -> None:
    # GitLab counts resends of every hook of the group and user: here it is stricter than we pace.
    sim.server.app[GL].limits["web_hook_event_resend"] = (2, 1.0)
    await _failed_deliveries(sim, aiohttp_server, 5)
    gl, _ = admin(sim)
    async with gl:
        report = await hookadmin.status(gl, "am")
        first = await hookadmin.replay_failed(gl, "am", report, window=1.0, budget=0.5)
        assert first.sent >= 2 and first.left == 5 - first.sent - first.failed and first.left > 0
        resumed = await hookadmin.replay_failed(gl, "am", await hookadmin.status(gl, "am"), window=1.0)
    assert first.sent + resumed.sent == 5 and resumed.left == 0
