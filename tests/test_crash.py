"""A real ``serve`` process killed with SIGKILL mid-stream loses nothing it acknowledged."""

from __future__ import annotations

import asyncio
import json
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import SECRET, fixture_json
from tests.proc import bot_env, free_port, start, wait_ready

TOTAL = 1000


def payload(n: int) -> bytes:
    body: dict[str, Any] = fixture_json("issue_hook__epic_objective_labelled.json")
    body["object_attributes"]["iid"] = n
    body["object_attributes"]["url"] = f"https://gitlab.com/groups/acme/-/work_items/{n}"
    return json.dumps(body).encode()


async def send(session: aiohttp.ClientSession, port: int, n: int) -> int | None:
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Token": SECRET,
        "Idempotency-Key": f"delivery-{n}",
    }
    try:
        async with session.post(f"http://127.0.0.1:{port}/webhook", data=payload(n), headers=headers) as r:
            return r.status
    except (TimeoutError, aiohttp.ClientError):
        return None


def jobs(env: dict[str, str]) -> list[dict[str, Any]]:
    out = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list", "--format", "json", "--limit", "100000"],
        env=env,
        check=True,
        capture_output=True,
    )
    result: list[dict[str, Any]] = json.loads(out.stdout)
    return result


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
            listed = jobs(env)
            if listed and all(job["state"] == "done" for job in listed):
                break
            await asyncio.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0

    listed = jobs(env)
    keys = [job["delivery_key"] for job in listed]
    assert len(keys) == len(set(keys)), "a delivery produced two jobs"
    assert {job["state"] for job in listed} == {"done"}, "a job was left pending, running or dead"
    done = {int(key.removeprefix("delivery-")) for key in keys}
    assert acked <= done, f"acknowledged but never processed: {sorted(acked - done)[:10]}"
