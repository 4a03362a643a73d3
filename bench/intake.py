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


async def _scratch_database(dsn: str) -> str:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    await conn.execute("DROP DATABASE IF EXISTS bot_bench WITH (FORCE)")
    await conn.execute("CREATE DATABASE bot_bench")
    await conn.close()
    return dsn.rsplit("/", 1)[0] + "/bot_bench"


async def _drop_database(dsn: str, scratch: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    await conn.execute("DROP DATABASE IF EXISTS bot_bench WITH (FORCE)")
    await conn.close()


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
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BOT_TEST_POSTGRES_DSN"),
        help="PostgreSQL DSN: also measure serve on PostgreSQL (a scratch database is made)",
    )
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
        scratch = await _scratch_database(args.postgres) if args.postgres else None
        if scratch is not None:
            pg_port = free_port()
            pg_env = bot_env(Path(tmp) / "pg", pg_port, BOT_WEBHOOK_SECRET=SECRET, BOT_DATABASE_URL=scratch)
            servers.insert(
                1,
                (
                    "serve (PostgreSQL, durable)",
                    start(["--log-level", "warning", "serve"], pg_env, log),
                    pg_port,
                    "/webhook",
                ),
            )
        try:
            await wait_ready(port)
            if scratch is not None:
                await wait_ready(servers[1][2])
            for _, _, p, _ in servers[1:]:
                await wait_port(p)
            for label, _, p, path in servers:
                results += await measure(label, f"http://127.0.0.1:{p}{path}", args)
        finally:
            for _, proc, _, _ in servers:
                proc.terminate()
                proc.wait(timeout=30)
            if scratch is not None and args.postgres:
                await _drop_database(args.postgres, scratch)
    print()
    for run in results:
        print(run.line())


if __name__ == "__main__":
    asyncio.run(main())
