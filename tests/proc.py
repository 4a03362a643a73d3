"""Helpers to run ``python -m bot`` as a real process in tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

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
