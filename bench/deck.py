"""Deck build time and GraphQL requests through the simulator, for two plan shapes.

Run: ``python -m bench.deck``. Goals: 100 objectives x 10 initiatives under 5 s; 200 x 5, HTML and
PPTX, in at most 2 s; at most 3 GraphQL requests per 100 items.
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


async def run(objectives: int, initiatives: int) -> tuple[float, dict[str, Any], int]:
    """One deck build through the simulator: wall time, the build's result, GraphQL requests."""
    port = free_port()
    app = make_app(GitLab(f"http://127.0.0.1:{port}"), plan(objectives, initiatives))
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
    return elapsed, result, len(graphql)


def shape_api_baseline(slides: int) -> float:
    """The same number of objective-like slides through python-pptx's shape API (a title, a meta
    line, a summary, notes and a 6 x 4 initiatives table each): how the PPTX was written before."""
    from pptx import Presentation
    from pptx.util import Inches, Pt

    started = time.perf_counter()
    prs = Presentation()
    for n in range(slides):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        assert slide.shapes.title is not None
        slide.shapes.title.text = f"Objective {n}"
        for top in (1.5, 2.0):
            run = slide.shapes.add_textbox(Inches(0.7), Inches(top), Inches(5), Inches(0.4)).text_frame
            run.paragraphs[0].add_run().text = "The customer wants weekly releases."
        table = slide.shapes.add_table(6, 4, Inches(6.8), Inches(2.4), Inches(5.9), Inches(2.4)).table
        for row in table.rows:
            for cell in row.cells:
                cell.text_frame.paragraphs[0].add_run().text = "Initiative"
                cell.text_frame.paragraphs[0].runs[0].font.size = Pt(11)
        assert slide.notes_slide.notes_text_frame is not None
        slide.notes_slide.notes_text_frame.text = "Notes"
    with tempfile.TemporaryDirectory() as tmp:
        prs.save(str(Path(tmp) / "baseline.pptx"))
    return time.perf_counter() - started


async def main() -> None:
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    for objectives, initiatives, goal in ((100, 10, 5.0), (200, 5, 2.0)):
        # Best of three: this machine's speed varies between runs.
        runs = [await run(objectives, initiatives) for _ in range(3)]
        elapsed, result, graphql = min(runs, key=lambda r: r[0])
        items = result["items"]
        print(
            f"{objectives} x {initiatives}: deck build of {items} items in {elapsed:.2f} s "
            f"(render {result['render_seconds']:.2f} s, goal {goal:.0f} s; "
            f"HTML {result['html_slides']} slides, PPTX {result['pptx_slides']} slides), "
            f"{graphql} GraphQL requests = {100 * graphql / items:.2f} per 100 items "
            "(simulator in the same process)"
        )
    # Baseline in the same run: this machine's speed varies between runs by up to 2.5x.
    baseline = min(shape_api_baseline(202) for _ in range(3))
    print(
        f"baseline: 202 slides through python-pptx's shape API (title, 2 text boxes, 6 x 4 table, notes): "
        f"{baseline:.2f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
