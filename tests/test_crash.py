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
from tests.proc import bot_env, free_port, list_jobs, post_delivery, start, wait_ready

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
