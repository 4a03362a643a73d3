"""``deck build``: read the group's plan through GraphQL, lay out the deck, and write its files."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from bot.deck import model, pptx, timeline
from bot.gitlab.client import GitLabClient
from bot.gitlab.plans import read_plan
from bot.progress import Progress
from bot.settings import FileConfig, Settings
from bot.templating import environment


def render(deck: model.Deck, out: Path, formats: set[str], settings: Settings) -> dict[str, Any]:
    """Write the deck files; returns what was written."""
    out.mkdir(parents=True, exist_ok=True)
    svg = timeline.render(deck)
    (out / "timeline.svg").write_text(svg, encoding="utf-8")
    written: dict[str, Any] = {"timeline": str(out / "timeline.svg")}
    if "html" in formats:
        html = (
            environment(settings.templates_dir)
            .get_template("deck/deck.html")
            .render(
                deck=deck,
                timeline_svg=svg,
                generated=f"generated {deck.today}",
                how_many_fit=model.how_many_fit,
            )
        )
        (out / "index.html").write_text(html, encoding="utf-8")
        written["html"] = str(out / "index.html")
        written["html_slides"] = deck.html_slides
    if "pptx" in formats:
        written["pptx_slides"] = pptx.write(deck, out / "deck.pptx")
        written["pptx"] = str(out / "deck.pptx")
    return written


async def build(
    settings: Settings,
    config: FileConfig,
    group: str,
    out: Path,
    formats: set[str],
    closed_days: int,
    today: dt.date,
    *,
    audience: str = "customer",
    hide_drafts: bool = False,
) -> dict[str, Any]:
    """Read, lay out and write one group's deck; returns what was written and what it cost."""
    started = time.perf_counter()
    progress = Progress("deck build")

    def step(requests: int, more: bool, epics: int) -> None:
        progress.step(requests, requests + int(more), f"read {epics} epics")

    async with GitLabClient(settings) as gl:
        plan = await read_plan(
            gl, group, config.lint.labels.objective, step, goals_label=config.lint.labels.goals
        )
    progress.step(1, 3, "lint and lay out")
    deck = model.build(
        group,
        plan.name,
        plan.objectives,
        config=config.lint,
        today=today,
        closed_days=closed_days,
        audience=audience,
        hide_drafts=hide_drafts,
        goals=plan.goals,
    )
    progress.step(2, 3, "render")
    rendering = time.perf_counter()
    written = render(deck, out, formats, settings)
    render_seconds = time.perf_counter() - rendering
    progress.step(3, 3, "done")
    progress.finish()
    return {
        **written,
        "objectives": len(plan.objectives),
        "items": plan.items,
        "graphql_requests": plan.requests,
        "seconds": round(time.perf_counter() - started, 3),
        "render_seconds": round(render_seconds, 3),
    }
