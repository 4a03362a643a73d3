"""A real ``serve`` process killed with SIGKILL mid-stream loses nothing it acknowledged."""

from __future__ import annotations

import asyncio
import json
import random
import signal
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import SECRET, fixture_json
from tests.proc import (
    add_faults,
    bot_env,
    due_jobs,
    free_port,
    list_jobs,
    notes_of,
    post_delivery,
    start,
    wait_ready,
)

TOTAL = 1000


def payload(n: int) -> bytes:
    body: dict[str, Any] = fixture_json("issue_hook__epic_objective_labelled.json")
    body["object_attributes"]["iid"] = n
    body["object_attributes"]["url"] = f"https://gitlab.com/groups/acme/-/work_items/{n}"
    return json.dumps(body).encode()


async def send(session: aiohttp.ClientSession, port: int, n: int) -> int | None:
    return await post_delivery(session, port, f"delivery-{n}", payload(n), SECRET)


async def test_sigkill_mid_stream_loses_no_acknowledged_delivery(tmp_path: Path) -> None:
    port = free_port()
    env = bot_env(tmp_path, port, BOT_WEBHOOK_SECRET=SECRET, BOT_LEASE_SECONDS="1")
    log = tmp_path / "serve.log"
    proc = start(["serve"], env, log)
    await wait_ready(port)

    rng = random.Random(7)
    # Every event once, plus GitLab-style redeliveries of earlier ones, in a shuffled stream.
    stream = list(range(TOTAL)) + [rng.randrange(TOTAL) for _ in range(TOTAL // 5)]
    acked: set[int] = set()
    kill_at = len(stream) // 2
    timeout = aiohttp.ClientTimeout(total=5)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        for start_at in range(0, len(stream), 25):
            batch = stream[start_at : start_at + 25]
            statuses = await asyncio.gather(*(send(session, port, n) for n in batch))
            acked.update(n for n, status in zip(batch, statuses, strict=True) if status == 202)
            if start_at <= kill_at < start_at + 25:
                # Kill while requests of the next batch are in flight.
                in_flight = [asyncio.create_task(send(session, port, n)) for n in range(TOTAL, TOTAL + 25)]
                await asyncio.sleep(0.01)
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                for n, task in zip(range(TOTAL, TOTAL + 25), in_flight, strict=True):
                    if await task == 202:
                        acked.add(n)
                proc = start(["serve"], env, log)
                await wait_ready(port)
    assert len(acked) >= TOTAL * 0.9

    try:
        for _ in range(300):
            listed = list_jobs(env)
            if listed and all(job["state"] == "done" for job in listed):
                break
            await asyncio.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0

    listed = list_jobs(env)
    keys = [job["delivery_key"] for job in listed]
    assert len(keys) == len(set(keys)), "a delivery produced two jobs"
    assert {job["state"] for job in listed} == {"done"}, "a job was left pending, running or dead"
    done = {int(key.removeprefix("delivery-")) for key in keys}
    assert acked <= done, f"acknowledged but never processed: {sorted(acked - done)[:10]}"


async def test_killed_while_a_lost_create_note_answer_is_awaited_posts_one_note(tmp_path: Path) -> None:
    """GitLab made the note, the answer never came, and the bot died waiting: still one note."""
    import yaml

    sim_port, port = free_port(), free_port()
    plan = {
        "bot": {"username": "success-plan-bot", "token": "bot-token"},
        "users": [{"username": "dana.csm"}],
        "groups": [
            {
                "path": "cs/acme",
                "members": {"success-plan-bot": 20},
                "objectives": [{"title": "GitLab CI", "labels": ["SP Objective"]}],
            }
        ],
    }
    (tmp_path / "plan.yaml").write_text(yaml.safe_dump(plan))
    sim = start(
        ["sim", "--seed", str(tmp_path / "plan.yaml"), "--port", str(sim_port)],
        bot_env(tmp_path, 1),
        tmp_path / "sim.log",
    )
    env = bot_env(
        tmp_path,
        port,
        BOT_WEBHOOK_SECRET=SECRET,
        BOT_LEASE_SECONDS="1",
        BOT_GITLAB_URL=f"http://127.0.0.1:{sim_port}",
        BOT_GITLAB_TOKEN="bot-token",
        BOT_BOT_USERNAME="success-plan-bot",
        BOT_GITLAB_TIMEOUT_SECONDS="30",
        BOT_RECONCILE_INTERVAL_SECONDS="0",
    )
    proc = start(["serve"], env, tmp_path / "serve.log")
    base = f"http://127.0.0.1:{sim_port}"
    try:
        await wait_ready(port)
        async with aiohttp.ClientSession() as session:
            fault = {
                "path": "^/api/graphql$",
                "operation": "CreateNote",
                "lost_response": True,
                "latency": 60,
            }
            await add_faults(session, base, fault)
            body: dict[str, Any] = fixture_json("issue_hook__epic_objective_labelled.json")
            body["object_attributes"].update(iid=1, url=f"{base}/groups/cs/acme/-/work_items/1")
            assert await post_delivery(session, port, "lost-1", json.dumps(body).encode(), SECRET) == 202

            async def create_notes() -> int:
                async with session.get(f"{base}/-/sim/requests") as resp:
                    return sum(1 for e in await resp.json() if e["operation"] == "CreateNote")

            for _ in range(200):  # until GitLab has made the note and the bot waits for the answer
                if await create_notes():
                    break
                await asyncio.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            async with session.delete(f"{base}/-/sim/faults"):
                pass
            proc = start(["serve"], env, tmp_path / "serve.log")
            await wait_ready(port)
            for _ in range(200):
                jobs = due_jobs(env)
                if jobs and all(j["state"] == "done" for j in jobs):
                    break
                await asyncio.sleep(0.1)
            assert {j["state"] for j in due_jobs(env)} == {"done"}
            query = (
                'query { namespace(fullPath: "cs/acme") { workItem(iid: "1") { widgets { type '
                "... on WorkItemWidgetNotes { discussions(first: 100) { nodes { notes { nodes { body } } } }"
                " } } } } }"
            )
            async with session.post(
                f"{base}/api/graphql", json={"query": query}, headers={"PRIVATE-TOKEN": "bot-token"}
            ) as resp:
                widgets = (await resp.json())["data"]["namespace"]["workItem"]["widgets"]
            notes = notes_of(widgets)
            assert len(notes) == 1
            assert await create_notes() == 1  # found by its marker after the restart, never made again
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=20)
        sim.kill()  # it still holds the answer it never sent
        sim.wait(timeout=10)
