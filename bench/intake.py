"""Webhook intake benchmark: ``serve`` with its durable store beside a bare aiohttp app and GitLabBot.

Loopback only, bounded in count and time. Run: ``python -m bench.intake [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import sys
import tempfile
from pathlib import Path

from bench._load import Run, fixed_rate, saturate
from tests.proc import bot_env, free_port, start, wait_ready

ROOT = Path(__file__).resolve().parent.parent

SECRET = "bench-secret"
BODY = json.loads((ROOT / "tests/fixtures/issue_hook__epic_objective_labelled.json").read_text())


def make(n: int) -> tuple[bytes, dict[str, str]]:
    BODY["object_attributes"]["iid"] = n
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Token": SECRET,
        "Idempotency-Key": f"bench-{os.getpid()}-{n}",
    }
    return json.dumps(BODY).encode(), headers


async def wait_port(port: int) -> None:
    for _ in range(200):
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise TimeoutError(port)


async def measure(label: str, url: str, args: argparse.Namespace) -> list[Run]:
    await saturate("warm-up", url, make, total=200, concurrency=8)
    return [
        await fixed_rate(f"{label} @ {args.rate:.0f} req/s", url, make, rate=args.rate, seconds=args.seconds),
        await saturate(
            f"{label} saturated (c={args.concurrency})",
            url,
            make,
            total=args.total,
            concurrency=args.concurrency,
        ),
    ]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=300.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--total", type=int, default=6000)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--quick", action="store_true", help="a short run for smoke testing")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.total = 2.0, 1000
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}"
    )
    results: list[Run] = []
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = bot_env(Path(tmp), port, BOT_WEBHOOK_SECRET=SECRET)
        env["BOT_LOG_LEVEL"] = "warning"
        log = Path(tmp) / "servers.log"
        bare_port, bot_port = free_port(), free_port()
        targets = [sys.executable, str(ROOT / "bench" / "_targets.py")]
        servers = [
            (
                "serve (SQLite, durable)",
                start(["--log-level", "warning", "serve"], env, log),
                port,
                "/webhook",
            ),
            (
                "bare aiohttp 202, no store",
                start([], env, log, argv=[*targets, "bare", str(bare_port)]),
                bare_port,
                "/webhook",
            ),
            (
                "gidgetlab GitLabBot, empty handler",
                start([], env, log, argv=[*targets, "gitlabbot", str(bot_port), SECRET]),
                bot_port,
                "/",
            ),
        ]
        try:
            await wait_ready(port)
            for _, _, p, _ in servers[1:]:
                await wait_port(p)
            for label, _, p, path in servers:
                results += await measure(label, f"http://127.0.0.1:{p}{path}", args)
        finally:
            for _, proc, _, _ in servers:
                proc.terminate()
                proc.wait(timeout=30)
    print()
    for run in results:
        print(run.line())


if __name__ == "__main__":
    asyncio.run(main())
