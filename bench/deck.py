"""Deck build time and GraphQL requests for a plan of 100 objectives x 10 initiatives, through the simulator.

Run: ``python -m bench.deck``. Goals: under 5 s, at most 3 GraphQL requests per 100 items.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.deck.build import build as build_deck
from bot.settings import FileConfig, Settings
from bot.sim.app import CONTROL, make_app
from bot.sim.model import GitLab
from tests.proc import free_port

LABELS = ["SP Objective", "SP Objective::Status::On Track", "Verifiable Outcome::Accepted", "UseCase::CI"]


def plan(objectives: int, initiatives: int) -> dict[str, Any]:
    description = (
        "## Summary\nThe customer wants weekly releases so that fixes reach production before audits.\n\n"
        "## Success Criteria\n- Cycle time from 10 days to 7 days by 2027-06-30\n\n"
        "## Updates\n- 2026-11-02: on track.\n"
    )
    return {
        "bot": {"username": "success-plan-bot", "token": "bot-token"},
        "users": [{"username": "dana.csm"}],
        "groups": [
            {
                "path": "cs/bench",
                "members": {"success-plan-bot": 20},
                "projects": [{"path": "plan"}],
                "objectives": [
                    {
                        "title": f"Objective {n}",
                        "description": description,
                        "labels": LABELS,
                        "assignees": ["dana.csm"],
                        "start_date": "2026-07-01",
                        "due_date": f"2027-{1 + n % 12:02d}-28",
                        "initiatives": [
                            {
                                "title": f"Initiative {n}.{i}",
                                "due_date": f"2027-{1 + i:02d}-15",
                                "assignees": ["dana.csm"],
                                "labels": ["SP Initiative::Status::On Track"],
                            }
                            for i in range(initiatives)
                        ],
                    }
                    for n in range(objectives)
                ],
            }
        ],
    }


async def main() -> None:
    port = free_port()
    app = make_app(GitLab(f"http://127.0.0.1:{port}"), plan(100, 10))
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    settings = Settings(gitlab_url=f"http://127.0.0.1:{port}", gitlab_token="bot-token", _env_file=None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            started = time.perf_counter()
            result = await build_deck(
                settings, FileConfig(), "cs/bench", Path(tmp), {"html", "pptx"}, 90, dt.date(2026, 11, 22)
            )
            elapsed = time.perf_counter() - started
    finally:
        await runner.cleanup()
    graphql = [r for r in app[CONTROL].requests if r["path"] == "/api/graphql"]
    items = result["items"]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"deck build of {result['objectives']} objectives / {items} items: {elapsed:.2f} s "
        f"(HTML {result['html_slides']} slides, PPTX {result['pptx_slides']} slides), "
        f"{len(graphql)} GraphQL requests = {100 * len(graphql) / items:.2f} per 100 items "
        "(simulator in the same process)"
    )


if __name__ == "__main__":
    asyncio.run(main())
