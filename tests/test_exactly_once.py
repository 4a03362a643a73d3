"""Exactly once against a bad network and slow limits: lost answers, short leases, two replicas."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.core.comment import MARKER
from bot.service import Service, running
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.sim.app import make_app
from bot.sim.model import GitLab
from bot.sim.rest import DISPATCHER, GL
from bot.web.edge import make_app as make_bot_app
from tests.conftest import SECRET

PLAN: dict[str, Any] = {
    "bot": {"username": "success-plan-bot", "token": "bot-token"},
    "users": [{"username": "dana.csm", "token": "csm-token"}],
    "groups": [
        {"path": "cs", "owners": ["dana.csm"], "members": {"success-plan-bot": 30}},
        {
            "path": "cs/acme",
            "projects": [{"path": "plan"}, {"path": "deck", "trigger_tokens": ["glptt-acme"]}],
        },
    ],
}
CONFIG = FileConfig(
    groups=[
        TrackedGroup(path="cs/acme", deck=DeckProject(project="cs/acme/deck", trigger_token_env="ACME_TT"))
    ]
)


@pytest.fixture
async def gitlab(aiohttp_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> TestClient[Any, Any]:
    monkeypatch.setenv("ACME_TT", "glptt-acme")
    client: TestClient[Any, Any] = await aiohttp_client(make_app(GitLab("http://gitlab.test"), PLAN))
    return client


def settings(gitlab: TestClient[Any, Any], data: Path, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "webhook_secret": SECRET,
        "gitlab_url": str(gitlab.make_url("")).rstrip("/"),
        "gitlab_token": "bot-token",
        "bot_username": "success-plan-bot",
        "data_dir": data,
        "lease_seconds": 3,
        "gitlab_timeout_seconds": 1.0,
        "rebuild_window_seconds": 0.5,
        "_env_file": None,
    }
    return Settings(**{**values, **extra})


async def hooked(gitlab: TestClient[Any, Any], service: Service, stack: AsyncExitStack) -> None:
    """Serve *service*'s edge and point the group hook at it (one hook for all replicas: the first)."""
    server = TestServer(make_bot_app(service.edge))
    await server.start_server()
    stack.push_async_callback(server.close)
    if not gitlab.server.app[GL].hooks:
        await gitlab.post(
            "/api/v4/groups/cs/hooks",
            headers={"PRIVATE-TOKEN": "csm-token"},
            json={"url": str(server.make_url("/webhook")), "token": SECRET, "issues_events": True},
        )


def new_defective_objectives(gitlab: TestClient[Any, Any], count: int) -> None:
    """A CSM creates *count* epics labelled as objectives, with nothing else filled in."""
    gl = gitlab.server.app[GL]
    csm, group = gl.user_by_name("dana.csm"), gl.group("cs/acme")
    label = gl.label_for(group, "SP Objective")
    for n in range(count):
        item = gl.create_item(type_="Epic", title=f"GitLab CI {n}", author=csm, group=group, emit=False)
        gl.update_item(item, csm, label_ids=[label.id])


async def settle(gitlab: TestClient[Any, Any], services: list[Service], deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        await gitlab.server.app[DISPATCHER].settle()
        jobs = [j for s in services[:1] for j in await s.store.list_jobs(limit=100_000)]
        if jobs and not [j for j in jobs if j.state in ("pending", "running")]:
            return
        await asyncio.sleep(0.05)
    states = [(j.kind, j.state, j.last_error) for j in await services[0].store.list_jobs(limit=50)]
    raise AssertionError(f"the bot never settled: {states}")


def bot_notes(gitlab: TestClient[Any, Any]) -> dict[int, int]:
    """Bot notes with the marker, per epic iid."""
    gl = gitlab.server.app[GL]
    counts: dict[int, int] = {}
    for item in gl.items.values():
        if item.type == "Epic":
            counts[item.iid] = sum(1 for n in gl.notes_of(item) if MARKER in n.body)
    return counts


async def test_lost_answers_to_create_note_and_trigger_make_one_note_and_one_pipeline(
    gitlab: TestClient[Any, Any], tmp_path: Path
) -> None:
    await gitlab.post(
        "/-/sim/faults",
        json=[
            {
                "path": "^/api/graphql$",
                "operation": "CreateNote",
                "lost_response": True,
                "latency": 2.0,
                "count": 1,
            },
            {"path": "trigger/pipeline$", "lost_response": True, "latency": 2.0, "count": 1},
        ],
    )
    async with AsyncExitStack() as stack:
        service = await stack.enter_async_context(running(settings(gitlab, tmp_path), CONFIG))
        await hooked(gitlab, service, stack)
        new_defective_objectives(gitlab, 1)
        await settle(gitlab, [service])
        await asyncio.sleep(1.0)  # the window of any extra rebuild would have opened and closed
        await settle(gitlab, [service])
    assert bot_notes(gitlab) == {1: 1}
    pipelines = list(gitlab.server.app[GL].pipelines.values())
    assert len(pipelines) == 1 and pipelines[0].variables["SUCCESS_PLAN_GROUP"] == "cs/acme"
    log = await (await gitlab.get("/-/sim/requests")).json()
    assert sum(1 for e in log if e["operation"] == "CreateNote") == 1  # found out, never retried blind


async def test_a_burst_under_a_tight_notes_limit_and_short_leases_posts_once_each(
    gitlab: TestClient[Any, Any], tmp_path: Path
) -> None:
    # 6 notes per 4 s window (GitLab: 60 a minute) with a 3 s lease: the last two must wait longer
    # than a lease, which is when a held lease used to be claimed twice.
    gitlab.server.app[GL].notes_limit = (6, 4.0)
    extra = {"notes_per_minute": 6, "notes_window_seconds": 4.0, "worker_concurrency": 4}
    async with AsyncExitStack() as stack:
        service = await stack.enter_async_context(running(settings(gitlab, tmp_path, **extra), CONFIG))
        await hooked(gitlab, service, stack)
        new_defective_objectives(gitlab, 8)
        await settle(gitlab, [service])
    assert bot_notes(gitlab) == {n: 1 for n in range(1, 9)}
    assert gitlab.server.app[GL].throttled_notes == 0


DSN = os.environ.get("BOT_TEST_POSTGRES_DSN")


@pytest.fixture
async def pg_schema() -> AsyncIterator[str]:
    if not DSN:
        pytest.skip("BOT_TEST_POSTGRES_DSN is not set")
    import asyncpg

    name = f"t_once_{os.getpid()}_{int(time.time() * 1000) % 10**8}"
    conn = await asyncpg.connect(DSN)
    await conn.execute(f"CREATE SCHEMA {name}")
    yield name
    await conn.execute(f"DROP SCHEMA {name} CASCADE")
    await conn.close()


async def test_two_replicas_on_postgresql_keep_to_one_notes_limit_together(
    gitlab: TestClient[Any, Any], tmp_path: Path, pg_schema: str
) -> None:
    gitlab.server.app[GL].notes_limit = (5, 3.0)
    url = f"{DSN}{'&' if '?' in str(DSN) else '?'}search_path={pg_schema}"  # asyncpg: a server setting
    extra = {"notes_per_minute": 5, "notes_window_seconds": 3.0, "database_url": url}
    async with AsyncExitStack() as stack:
        replicas = [
            await stack.enter_async_context(running(settings(gitlab, tmp_path / f"r{n}", **extra), CONFIG))
            for n in range(2)
        ]
        await hooked(gitlab, replicas[0], stack)
        new_defective_objectives(gitlab, 12)
        await settle(gitlab, replicas)
    assert bot_notes(gitlab) == {n: 1 for n in range(1, 13)}
    assert gitlab.server.app[GL].throttled_notes == 0  # together they never went over GitLab's limit
