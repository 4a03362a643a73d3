"""``portfolio build``: read every customer group under a parent, lint, and write the portfolio."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from bot.gitlab.client import GitLabClient
from bot.gitlab.plans import read_portfolio
from bot.portfolio import model, render
from bot.settings import FileConfig, Settings
from bot.store import open_store
from bot.templating import environment

FORMATS = ("html", "csv", "json")
FIX_DAYS = "fix-days"  # written by the objective checks (bot.jobs.history)


async def _fix_days(settings: Settings) -> dict[str, list[float]]:
    """Days it took to fix findings, per group, from the bot's store when this run can reach it."""
    if settings.database_url is None and not settings.sqlite_path().exists():
        return {}
    store = open_store(settings)
    try:
        await store.open()
        values = await store.get_values(FIX_DAYS)
    except Exception:  # the CI job of a portfolio project has no store: the column shows "—"
        return {}
    finally:
        await store.close()
    days: dict[str, list[float]] = {}
    for key, value in values.items():
        days.setdefault(key.split("|", 1)[0], []).append(float(value))
    return days


async def build(
    settings: Settings, config: FileConfig, parent: str, out: Path, formats: set[str], today: dt.date
) -> dict[str, Any]:
    started = time.perf_counter()
    async with GitLabClient(settings) as gl:
        subgroups = await gl.get_all(f"/groups/{quote(parent, safe='')}/descendant_groups", {"per_page": 100})
        objectives, requests = await read_portfolio(
            gl, parent, config.lint.labels.objective, today - dt.timedelta(days=90)
        )
    groups = {
        str(g["full_path"]): (str(g.get("name") or g["full_path"]), str(g.get("web_url") or ""))
        for g in subgroups
    }
    base = settings.gitlab_url.rstrip("/")
    decks = {g.path: f"{base}/{g.deck.project}" for g in config.groups if g.deck is not None}
    portfolio = model.build(
        parent,
        groups,
        objectives,
        config=config.lint,
        today=today,
        decks=decks,
        fix_days=await _fix_days(settings),
    )
    written = render.write(portfolio, out, formats, environment(settings.templates_dir))
    return {
        **written,
        "groups": len(portfolio.customers),
        "objectives": len(portfolio.rows),
        "graphql_requests": requests,
        "seconds": round(time.perf_counter() - started, 3),
    }
