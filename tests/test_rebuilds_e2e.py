"""Deck rebuilds end to end: webhooks in, coalesced per group, pipelines started in the simulator."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.service import Service, running
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.sim.app import make_app
from bot.sim.model import GitLab
from bot.sim.rest import DISPATCHER, GL
from bot.web.edge import make_app as make_bot_app
from tests.conftest import SECRET

GROUPS = ["cs/acme", "cs/globex", "cs/initech"]
GOOD = ["SP Objective", "SP Objective::Status::On Track", "Verifiable Outcome::Accepted", "UseCase::CI"]


def plan() -> dict[str, Any]:
    return {
        "admin": {"username": "root", "token": "admin-token"},
        "bot": {"username": "success-plan-bot", "token": "bot-token"},
        "users": [{"username": "dana.csm", "token": "csm-token"}],
        "groups": [{"path": "cs", "owners": ["dana.csm"], "members": {"success-plan-bot": 30}}]
        + [
            {
                "path": g,
                "projects": [
                    {"path": "plan"},
                    {"path": "deck", "trigger_tokens": [f"glptt-{g.split('/')[1]}"]},
                ],
                "objectives": [
                    {
                        "title": f"Reduce cycle time at {g}",
                        "labels": GOOD,
                        "assignees": ["dana.csm"],
                        "due_date": "2027-03-31",
                        "initiatives": [
                            {"project": "plan", "title": "Migrate pipelines", "due_date": "2027-01-15"}
                        ],
                    },
                    {"title": f"Retire Jenkins at {g}", "labels": GOOD, "due_date": "2027-06-30"},
                ],
            }
            for g in GROUPS
        ],
    }


def config() -> FileConfig:
    return FileConfig(
        groups=[
            TrackedGroup(path=g, deck=DeckProject(project=f"{g}/deck", trigger_token_env=f"DECK_TOKEN_{n}"))
            for n, g in enumerate(GROUPS)
        ]
    )


@pytest.fixture
async def gitlab(aiohttp_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> TestClient[Any, Any]:
    for n, g in enumerate(GROUPS):
        monkeypatch.setenv(f"DECK_TOKEN_{n}", f"glptt-{g.split('/')[1]}")
    client: TestClient[Any, Any] = await aiohttp_client(make_app(GitLab("http://gitlab.test"), plan()))
    return client


def settings_for(gitlab: TestClient[Any, Any], tmp_path: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_secret": SECRET,
        "gitlab_url": str(gitlab.make_url("")).rstrip("/"),
        "gitlab_token": "bot-token",
        "data_dir": tmp_path,
        "lease_seconds": 5,
        "rebuild_window_seconds": 1.5,
        "rebuild_max_wait_seconds": 30.0,
        "_env_file": None,
    }
    values.update(extra)
    return Settings(**values)


async def start_bot(gitlab: TestClient[Any, Any], service: Service) -> TestServer:
    server = TestServer(make_bot_app(service.edge))
    await server.start_server()
    hooks = gitlab.server.app[GL].hooks
    if not hooks:
        await gitlab.post(
            "/api/v4/groups/cs/hooks",
            headers={"PRIVATE-TOKEN": "csm-token"},
            json={"url": str(server.make_url("/webhook")), "token": SECRET, "issues_events": True},
        )
    else:
        next(iter(hooks.values())).url = str(server.make_url("/webhook"))
    return server


@pytest.fixture
async def bot(gitlab: TestClient[Any, Any], tmp_path: Path) -> AsyncIterator[Service]:
    async with running(settings_for(gitlab, tmp_path), config()) as service:
        server = await start_bot(gitlab, service)
        yield service
        await server.close()


def edit(gitlab: TestClient[Any, Any], group: str, iid: int, **fields: Any) -> None:
    gl = gitlab.server.app[GL]
    item = gl.item_by_iid(group, iid)
    gl.update_item(item, gl.user_by_name("dana.csm"), **fields)


def pipelines(gitlab: TestClient[Any, Any]) -> list[Any]:
    return sorted(gitlab.server.app[GL].pipelines.values(), key=lambda p: p.id)


async def idle(gitlab: TestClient[Any, Any], service: Service, *, deadline: float = 30.0) -> None:
    """Wait until deliveries are answered and no job is due or running (scheduled ones may wait)."""
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        await gitlab.server.app[DISPATCHER].settle()
        # One snapshot: a job between two queries could be seen in neither state.
        jobs = await service.store.list_jobs(limit=100_000)
        due = [j for j in jobs if j.state == "pending" and j.run_at <= time.time()]
        if not due and not any(j.state == "running" for j in jobs):
            return
        await asyncio.sleep(0.05)
    raise AssertionError("never idle")


async def rebuilt(gitlab: TestClient[Any, Any], service: Service, count: int, deadline: float = 40.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        await idle(gitlab, service)
        if len(pipelines(gitlab)) >= count and not await service.store.list_jobs("pending", kind="rebuild"):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"expected {count} pipelines, have {len(pipelines(gitlab))}")


async def test_200_edits_across_3_groups_make_3_pipelines(gitlab: TestClient[Any, Any], bot: Service) -> None:
    for n in range(200):
        group = GROUPS[n % 3]
        edit(gitlab, group, 1 + n % 2, title=f"Objective {n % 2} at {group}, revision {n}")
        if n % 20 == 0:
            await asyncio.sleep(0)
    await rebuilt(gitlab, bot, 3)
    await asyncio.sleep(0.5)
    made = pipelines(gitlab)
    assert len(made) == 3
    assert sorted(p.variables["SUCCESS_PLAN_GROUP"] for p in made) == GROUPS
    assert all(p.source == "trigger" and p.ref == "main" for p in made)
    assert all("more change" in p.variables["SUCCESS_PLAN_REASON"] for p in made)
    [job] = [j for j in await bot.store.list_jobs("done", kind="rebuild") if j.payload["group"] == "cs/acme"]
    assert job.result["pipeline_url"].endswith(f"/cs/acme/deck/-/pipelines/{job.result['pipeline_id']}")


async def test_an_edit_during_a_running_rebuild_makes_exactly_one_more(
    gitlab: TestClient[Any, Any], bot: Service
) -> None:
    await gitlab.post("/-/sim/faults", json={"path": "trigger/pipeline$", "latency": 1.0, "count": 1})
    edit(gitlab, "cs/acme", 1, title="First change")
    for _ in range(200):  # until the rebuild is running (its trigger call is slow)
        if await bot.store.list_jobs("running", kind="rebuild"):
            break
        await asyncio.sleep(0.05)
    else:
        raise AssertionError("the rebuild never started")
    edit(gitlab, "cs/acme", 1, title="Second change")
    edit(gitlab, "cs/acme", 2, title="Third change")
    await rebuilt(gitlab, bot, 2)
    await asyncio.sleep(0.5)
    assert [p.variables["SUCCESS_PLAN_GROUP"] for p in pipelines(gitlab)] == ["cs/acme", "cs/acme"]


async def test_a_delivery_that_changes_nothing_the_deck_shows_triggers_nothing(
    gitlab: TestClient[Any, Any], bot: Service
) -> None:
    edit(gitlab, "cs/globex", 1, title="Cut cycle time by a third")
    await rebuilt(gitlab, bot, 1)
    hook = next(iter(gitlab.server.app[GL].hooks.values()))
    last = hook.events[-1]
    # GitLab resends the same event (an admin's "Resend request"): same item, same content.
    resent = await gitlab.post(
        f"/api/v4/groups/cs/hooks/{hook.id}/events/{last.id}/resend", headers={"PRIVATE-TOKEN": "csm-token"}
    )
    assert resent.status == 201
    # And an edit of something the deck does not show: the confidential flag.
    gitlab.server.app[GL].hooks[hook.id].confidential_issues_events = True
    edit(gitlab, "cs/globex", 1, confidential=True)
    await idle(gitlab, bot)
    await asyncio.sleep(2.0)  # longer than the window
    await idle(gitlab, bot)
    assert len(pipelines(gitlab)) == 1
    results = [j.result for j in await bot.store.list_jobs("done", kind="objective")]
    assert [r["rebuild"] for r in reversed(results)] == [True, False]


async def test_a_restart_inside_the_window_loses_no_rebuild(
    gitlab: TestClient[Any, Any], tmp_path: Path
) -> None:
    settings = settings_for(gitlab, tmp_path, rebuild_window_seconds=2.0)
    async with running(settings, config()) as first:
        server = await start_bot(gitlab, first)
        edit(gitlab, "cs/initech", 1, title="Reduce cycle time, rewritten")
        for _ in range(200):
            if await first.store.list_jobs("pending", kind="rebuild"):
                break
            await asyncio.sleep(0.02)
        await server.close()
    assert pipelines(gitlab) == []  # stopped inside the window
    async with running(settings, config()) as second:
        server = await start_bot(gitlab, second)
        await rebuilt(gitlab, second, 1)
        await server.close()
    assert [p.variables["SUCCESS_PLAN_GROUP"] for p in pipelines(gitlab)] == ["cs/initech"]


async def test_access_token_fallback(
    gitlab: TestClient[Any, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gl = gitlab.server.app[GL]
    gl.group("cs").members[gl.user_by_name("success-plan-bot").id] = 30  # Developer: may run pipelines
    no_tokens = FileConfig(groups=[TrackedGroup(path="cs/acme", deck=DeckProject(project="cs/acme/deck"))])
    async with running(settings_for(gitlab, tmp_path, rebuild_window_seconds=0.2), no_tokens) as service:
        server = await start_bot(gitlab, service)
        edit(gitlab, "cs/acme", 2, title="Retire Jenkins everywhere")
        await rebuilt(gitlab, service, 1)
        await server.close()
    [pipeline] = pipelines(gitlab)
    assert pipeline.source == "api" and pipeline.variables["SUCCESS_PLAN_GROUP"] == "cs/acme"
    # `deck status` shows the rebuild and its pipeline from the same store.
    import json
    import subprocess
    import sys

    from tests.proc import bot_env

    status = subprocess.run(
        [sys.executable, "-m", "bot", "deck", "status", "--format", "json"],
        env=bot_env(tmp_path, 1),
        capture_output=True,
        text=True,
        check=True,
    )
    [entry] = json.loads(status.stdout)
    assert entry["group"] == "cs/acme" and entry["last"]["state"] == "done"
    assert entry["last"]["pipeline_url"].endswith(f"/pipelines/{pipeline.id}")
    assert entry["last"]["via"] == "access token"
    text = subprocess.run(
        [sys.executable, "-m", "bot", "deck", "status"],
        env=bot_env(tmp_path, 1),
        capture_output=True,
        text=True,
        check=True,
    )
    assert "last rebuild: done" in text.stdout
