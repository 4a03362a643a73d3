"""Two ``serve`` replicas on one PostgreSQL: one is killed mid-stream, nothing is lost or done twice."""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import yaml

from tests.conftest import SECRET
from tests.proc import add_faults, bot_env, due_jobs, free_port, notes_of, post_delivery, start, wait_ready

DSN = os.environ.get("BOT_TEST_POSTGRES_DSN")
pytestmark = pytest.mark.skipif(not DSN, reason="BOT_TEST_POSTGRES_DSN is not set")
GROUPS = ["cs/acme", "cs/globex"]
OBJECTIVES = 5
TOTAL = 2000
LABEL = {"id": 1, "title": "SP Objective", "color": "#6699cc", "type": "GroupLabel", "group_id": 1}


def plan() -> dict[str, Any]:
    return {
        "bot": {"username": "success-plan-bot", "token": "bot-token"},
        "users": [{"username": "dana.csm"}],
        "groups": [
            {
                "path": g,
                "members": {"success-plan-bot": 20},
                "projects": [{"path": "deck", "trigger_tokens": ["glptt"]}],
                "objectives": [
                    {"title": f"Objective {n}", "labels": ["SP Objective"]} for n in range(OBJECTIVES)
                ],
            }
            for g in GROUPS
        ],
    }


async def lose_answers(sim_port: int) -> None:
    faults = [
        {
            "path": "^/api/graphql$",
            "operation": "CreateNote",
            "lost_response": True,
            "latency": 2.0,
            "count": 3,
        },
        {"path": "trigger/pipeline$", "lost_response": True, "latency": 2.0, "count": 1},
    ]
    async with aiohttp.ClientSession() as session:
        await add_faults(session, f"http://127.0.0.1:{sim_port}", faults)


@pytest.fixture
async def database() -> AsyncIterator[str]:
    """A fresh database on the test server, dropped afterwards."""
    import asyncpg

    assert DSN is not None
    name = f"bot_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(DSN)
    await admin.execute(f"CREATE DATABASE {name}")
    yield DSN.rsplit("/", 1)[0] + "/" + name
    await admin.execute(f"DROP DATABASE {name} WITH (FORCE)")
    await admin.close()


def payload(n: int) -> bytes:
    group, iid = GROUPS[n % 2], 1 + (n // 2) % OBJECTIVES
    body = {
        "object_kind": "work_item",
        "event_type": "work_item",
        "project": None,
        "user": {"id": 9, "username": "dana.csm", "name": "Dana"},
        "object_attributes": {
            "id": 1000 + n,
            "iid": iid,
            "title": f"Objective {iid}",
            "type": "Epic",
            "action": "update",
            "state": "opened",
            "labels": [LABEL],
            "url": f"http://gitlab.test/groups/{group}/-/work_items/{iid}",
        },
        "labels": [LABEL],
        "changes": {"title": {"previous": "a", "current": "b"}},
    }
    return json.dumps(body).encode()


async def send(session: aiohttp.ClientSession, port: int, n: int) -> bool:
    return await post_delivery(session, port, f"delivery-{n}", payload(n), SECRET) == 202


async def test_two_replicas_one_killed(database: str, tmp_path: Path) -> None:
    sim_port = free_port()
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan()))
    base = bot_env(tmp_path, 1)
    sim = start(
        ["sim", "--seed", str(tmp_path / "plan.yaml"), "--port", str(sim_port)], base, tmp_path / "sim.log"
    )
    config = tmp_path / "bot.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "groups": [
                    {"path": g, "deck": {"project": f"{g}/deck", "trigger_token_env": "DECK_TOKEN"}}
                    for g in GROUPS
                ]
            }
        )
    )
    ports = [free_port(), free_port()]

    def replica_env(port: int) -> dict[str, str]:
        return bot_env(
            tmp_path,
            port,
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_DATABASE_URL=database,
            BOT_GITLAB_URL=f"http://127.0.0.1:{sim_port}",
            BOT_GITLAB_TOKEN="bot-token",
            BOT_CONFIG=str(config),
            DECK_TOKEN="glptt",
            BOT_LEASE_SECONDS="2",
            BOT_REBUILD_WINDOW_SECONDS="1",
            BOT_RECONCILE_INTERVAL_SECONDS="0",
            BOT_GITLAB_TIMEOUT_SECONDS="1",
        )

    replicas = [start(["serve"], replica_env(p), tmp_path / f"replica-{i}.log") for i, p in enumerate(ports)]
    try:
        for port in ports:
            await wait_ready(port)
        # GitLab makes some notes and a pipeline but its answers never arrive in time.
        await lose_answers(sim_port)
        rng = random.Random(11)
        stream = list(range(TOTAL - 300)) + [rng.randrange(TOTAL - 300) for _ in range(300)]
        rng.shuffle(stream)
        acked: set[int] = set()
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            for start_at in range(0, len(stream), 20):
                batch = stream[start_at : start_at + 20]
                results = await asyncio.gather(*(send(session, ports[i % 2], n) for i, n in enumerate(batch)))
                acked.update(n for n, ok in zip(batch, results, strict=True) if ok)
                if start_at == 800:
                    replicas[0].send_signal(signal.SIGKILL)  # mid-stream, jobs in flight
                    replicas[0].wait()
                if start_at == 1200:
                    replicas[0] = start(["serve"], replica_env(ports[0]), tmp_path / "replica-0.log")
                    await wait_ready(ports[0])
        assert len(acked) > (TOTAL - 300) * 0.75

        env = replica_env(ports[1])
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            listed = due_jobs(env)
            if listed and all(j["state"] == "done" for j in listed):
                break
            await asyncio.sleep(0.5)
        listed = due_jobs(env)
        assert {j["state"] for j in listed} == {"done"}, "a job was left pending, running or dead"
        deliveries = [j["delivery_key"] for j in listed if j["kind"] == "delivery"]
        assert len(deliveries) == len(set(deliveries)), "a delivery was processed twice"
        assert {f"delivery-{n}" for n in acked} <= set(deliveries), "an acknowledged delivery was lost"

        async with aiohttp.ClientSession(base_url=f"http://127.0.0.1:{sim_port}") as gl:
            headers = {"PRIVATE-TOKEN": "bot-token"}
            for group in GROUPS:
                for iid in range(1, OBJECTIVES + 1):
                    query = (
                        "query C($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) {"
                        " widgets { type ... on WorkItemWidgetNotes { discussions(first: 100) {"
                        " nodes { notes { nodes { body author { username } } } } } } } } } }"
                    )
                    resp = await gl.post(
                        "/api/graphql",
                        headers=headers,
                        json={"query": query, "variables": {"p": group, "i": str(iid)}},
                    )
                    widgets = (await resp.json())["data"]["namespace"]["workItem"]["widgets"]
                    notes = notes_of(widgets)
                    assert len(notes) == 1, f"{group}#{iid} has {len(notes)} bot comments"
            rebuilds = [j for j in listed if j["kind"] == "rebuild"]
            total_pipelines = 0
            for group in GROUPS:
                resp = await gl.get(
                    f"/api/v4/projects/{group.replace('/', '%2F')}%2Fdeck/pipelines?per_page=100",
                    headers=headers,
                )
                total_pipelines += len(await resp.json())
            assert total_pipelines >= len(GROUPS)
            assert total_pipelines == len(rebuilds), "a rebuild started a second pipeline"
    finally:
        for proc in replicas:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=20)
        sim.terminate()
        sim.wait(timeout=10)
