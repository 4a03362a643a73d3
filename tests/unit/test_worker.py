"""The worker against a real SQLite store and a registry of tiny handlers."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from bot.jobs.context import Context, Outcome, PermanentError, Registry
from bot.jobs.worker import Worker
from bot.metrics import Metrics
from bot.retry import backoff
from bot.settings import FileConfig, Settings
from bot.store.base import Job, NewJob
from bot.store.sqlite import SQLiteStore


async def _drain(store: SQLiteStore, worker: Worker, timeout: float = 5.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        jobs = await store.list_jobs()
        if jobs and all(j.state in ("done", "dead") for j in jobs):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"jobs did not finish: {[(j.kind, j.state) for j in await store.list_jobs()]}")


async def test_worker_runs_follow_ups_and_dead_letters_permanent_errors(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    await store.open()
    ran: list[str] = []
    registry = Registry()

    async def first(job: Job, ctx: Context) -> Outcome:
        ran.append("first")
        return Outcome(result={"ok": 1}, follow_ups=[NewJob(kind="second")])

    async def second(job: Job, ctx: Context) -> Outcome:
        ran.append("second")
        raise PermanentError("cannot ever work")

    registry.register("first", first)
    registry.register("second", second)
    settings = Settings(data_dir=tmp_path, lease_seconds=5, _env_file=None)
    ctx = Context(settings=settings, config=FileConfig(), store=store, jobs=registry)
    metrics = Metrics()
    worker = Worker(store, registry, ctx, metrics, poll_interval=0.02)
    await store.enqueue([NewJob(kind="first"), NewJob(kind="unknown")], now=0)
    worker.start()
    try:
        await _drain(store, worker)
    finally:
        await worker.stop(timeout=1)
        await store.close()
    assert ran == ["first", "second"]
    states = {j.kind: (j.state, j.last_error) for j in await _reopen(tmp_path)}
    assert states["first"] == ("done", None)
    assert states["second"] == ("dead", "PermanentError: cannot ever work")
    assert states["unknown"][0] == "dead" and "no handler" in str(states["unknown"][1])


async def _reopen(tmp_path: Path) -> list[Job]:
    store = SQLiteStore(tmp_path / "s.sqlite3")
    await store.open()
    try:
        return await store.list_jobs()
    finally:
        await store.close()


def test_backoff_grows_is_capped_and_jittered() -> None:
    rng = random.Random(7)
    delays = [backoff(n, base=2.0, cap=60.0, rng=rng) for n in range(1, 10)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(60.0, 2.0 * 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert delays[-1] <= 60.0 and len(set(delays)) == len(delays)
