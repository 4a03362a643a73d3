"""Loopback load generation shared by the benchmarks: bounded in count and time."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

MAX_SECONDS = 60.0  # every run stops by itself


@dataclass
class Run:
    label: str
    sent: int
    ok: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"{self.label:<44} {self.ok:>6}/{self.sent:<6} {self.rate:>8.0f} req/s   "
            f"p50 {self.pct(0.50):6.2f} ms   p99 {self.pct(0.99):6.2f} ms   "
            f"mean {statistics.fmean(self.latencies) * 1000 if self.latencies else 0:6.2f} ms"
        )


Request = Callable[[int], tuple[bytes, dict[str, str]]]


async def _one(session: aiohttp.ClientSession, url: str, make: Request, n: int, run: Run) -> None:
    body, headers = make(n)
    started = time.perf_counter()
    try:
        async with session.post(url, data=body, headers=headers) as resp:
            await resp.read()
            if 200 <= resp.status < 300:
                run.ok += 1
                run.latencies.append(time.perf_counter() - started)
    except aiohttp.ClientError:
        pass


async def saturate(label: str, url: str, make: Request, *, total: int, concurrency: int) -> Run:
    """As fast as *concurrency* connections allow, for *total* requests."""
    run = Run(label, total, 0, 0.0, [])
    queue = iter(range(total))
    deadline = time.monotonic() + MAX_SECONDS
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def lane() -> None:
            for n in queue:
                if time.monotonic() > deadline:
                    return
                await _one(session, url, make, n, run)

        started = time.perf_counter()
        await asyncio.gather(*(lane() for _ in range(concurrency)))
        run.seconds = time.perf_counter() - started
    return run


async def fixed_rate(label: str, url: str, make: Request, *, rate: float, seconds: float) -> Run:
    """Open-loop: start a request every 1/*rate* s for *seconds*, whatever the answers."""
    total = int(rate * min(seconds, MAX_SECONDS))
    run = Run(label, total, 0, 0.0, [])
    connector = aiohttp.TCPConnector(limit=256)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        tasks = []
        for n in range(total):
            delay = started + n / rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_one(session, url, make, n, run)))
        await asyncio.gather(*tasks)
        run.seconds = time.perf_counter() - started
    return run
