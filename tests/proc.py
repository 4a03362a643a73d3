"""Helpers to run ``python -m bot`` as a real process in tests and benchmarks."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def bot_env(data_dir: Path, port: int, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    env.update(BOT_DATA_DIR=str(data_dir), BOT_PORT=str(port), BOT_HOST="127.0.0.1")
    env.update(extra)
    return env


def start(
    args: list[str], env: dict[str, str], log: Path, *, argv: list[str] | None = None
) -> subprocess.Popen[bytes]:
    """Start ``python -m bot ARGS`` (or *argv*), its output appended to *log*."""
    command = argv or [sys.executable, "-m", "bot", *args]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=out)


async def wait_ready(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError(f"bot on port {port} never became ready")


async def post_delivery(
    session: aiohttp.ClientSession, port: int, key: str, body: bytes, secret: str
) -> int | None:
    """POST one ``Issue Hook`` delivery as GitLab would; the status, or None when nobody answered."""
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "X-Gitlab-Token": secret,
        "Idempotency-Key": key,
    }
    try:
        async with session.post(f"http://127.0.0.1:{port}/webhook", data=body, headers=headers) as resp:
            return resp.status
    except (TimeoutError, aiohttp.ClientError):
        return None


def list_jobs(env: dict[str, str]) -> list[dict[str, Any]]:
    """``python -m bot jobs list --format json`` against the store *env* names."""
    out = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list", "--format", "json", "--limit", "100000"],
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    result: list[dict[str, Any]] = json.loads(out.stdout)
    return result


def due_jobs(env: dict[str, str]) -> list[dict[str, Any]]:
    """The jobs that are due: the daily sweep scheduled for tomorrow is not work left undone."""
    return [j for j in list_jobs(env) if j["state"] != "pending" or j["run_at"] <= time.time()]


async def add_faults(session: aiohttp.ClientSession, sim_base: str, faults: Any) -> None:
    """Install faults in a simulator started as a process, waiting until it answers."""
    for _ in range(100):
        try:
            async with session.post(f"{sim_base}/-/sim/faults", json=faults) as resp:
                assert resp.status == 201
                return
        except aiohttp.ClientConnectionError:
            await asyncio.sleep(0.1)
    raise AssertionError("the simulator never answered")


def notes_of(widgets: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every note of a work item's GraphQL ``widgets`` (its NOTES widget's discussions)."""
    return [
        n
        for w in widgets
        if w["type"] == "NOTES"
        for d in w["discussions"]["nodes"]
        for n in d["notes"]["nodes"]
    ]
