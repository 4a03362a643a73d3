"""``python -m bot health``: the container's health check, following the configuration.

``serve`` is healthy when its ``/healthz`` answers 200 at ``BOT_HOST``/``BOT_PORT``; ``worker`` (no
listener) when its heartbeat in the store, written by this host, is recent. One line, exit 0 or 1.
"""

from __future__ import annotations

import argparse
import asyncio
import socket
import time
import urllib.error
import urllib.request
from typing import Any

from bot.settings import load_settings
from bot.store import open_store

HEARTBEATS = "worker-heartbeat"  # written by bot.jobs.worker
FRESH_SECONDS = 60.0


def add_parser(commands: Any) -> None:
    cmd = commands.add_parser("health", help="one-line health check for containers (serve or worker)")
    cmd.add_argument("--mode", choices=["auto", "serve", "worker"], default="auto")
    cmd.set_defaults(func=cmd_health)


def _serve_healthy(host: str, port: int) -> tuple[bool | None, str]:
    target = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
    try:
        with urllib.request.urlopen(f"http://{target}:{port}/healthz", timeout=2) as response:
            return response.status == 200, f"serve on {target}:{port} answered {response.status}"
    except urllib.error.HTTPError as exc:
        return False, f"serve on {target}:{port} answered {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return None, f"nothing listens on {target}:{port} ({getattr(exc, 'reason', exc)})"


async def _worker_heartbeat() -> float | None:
    store = open_store(load_settings())
    await store.open()
    try:
        beats = await store.get_values(HEARTBEATS)
    finally:
        await store.close()
    host = socket.gethostname() + ":"
    mine = [float(v) for k, v in beats.items() if k.startswith(host)]
    return time.time() - max(mine) if mine else None


def cmd_health(args: argparse.Namespace) -> int:
    settings = load_settings()
    if args.mode in ("auto", "serve"):
        healthy, what = _serve_healthy(settings.host, settings.port)
        if healthy is not None or args.mode == "serve":
            print(("healthy: " if healthy else "unhealthy: ") + what)
            return 0 if healthy else 1
    age = asyncio.run(_worker_heartbeat())
    if age is not None and age < FRESH_SECONDS:
        print(f"healthy: worker heartbeat {age:.0f} s ago")
        return 0
    print(
        "unhealthy: "
        + ("no worker heartbeat from this host" if age is None else f"worker heartbeat {age:.0f} s ago")
    )
    return 1
