"""The portfolio across 1,000 customer groups x 10 objectives, through the simulator, in-process.

Run: ``python -m bench.portfolio [--groups 1000]``. Prints the GraphQL requests (goal: about one per
50 objectives across all customers, never one per subgroup) and the time.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import platform
import tempfile
import time
from pathlib import Path

from aiohttp import web

from bot.portfolio.build import build
from bot.settings import FileConfig, Settings
from bot.sim.app import CONTROL, make_app
from bot.sim.model import GitLab
from tests.proc import free_port

LABELS = ["SP Objective", "SP Objective::Status::On Track", "Verifiable Outcome::Accepted", "UseCase::CI"]


async def main(groups: int) -> None:
    plan = {
        "bot": {"username": "success-plan-bot", "token": "bot-token"},
        "users": [{"username": "dana.csm"}],
        "groups": [{"path": "am", "members": {"success-plan-bot": 20}}]
        + [
            {
                "path": f"am/customer-{g}",
                "objectives": [
                    {
                        "title": f"Objective {n}",
                        "labels": LABELS,
                        "due_date": "2027-06-30",
                        "assignees": ["dana.csm"],
                    }
                    for n in range(10)
                ],
            }
            for g in range(groups)
        ],
    }
    port = free_port()
    app = make_app(GitLab(f"http://127.0.0.1:{port}"), plan)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                gitlab_url=f"http://127.0.0.1:{port}",
                gitlab_token="bot-token",
                data_dir=Path(tmp),
                _env_file=None,
            )
            started = time.perf_counter()
            result = await build(
                settings, FileConfig(), "am", Path(tmp) / "out", {"html", "csv", "json"}, dt.date(2027, 1, 20)
            )
            seconds = time.perf_counter() - started
        graphql = sum(1 for e in app[CONTROL].requests if e["path"] == "/api/graphql")
        rest = len(app[CONTROL].requests) - graphql
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(
            f"portfolio of {result['groups']} groups, {result['objectives']} objectives: {graphql} GraphQL "
            f"request(s) (+{rest} REST for the subgroup list), {seconds:.1f} s"
        )
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1000)
    asyncio.run(main(parser.parse_args().groups))
