"""``python -m bot sweep``: check every open objective as of a day, as the daily sweep does."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

from bot.cli.args import day
from bot.cli.gitlabrun import run_against_gitlab
from bot.settings import ConfigError, load_file_config, load_settings
from bot.store import open_store


def add_parser(commands: Any) -> None:
    cmd = commands.add_parser(
        "sweep",
        help="check every open objective as of a day; queue the checks whose comment would change",
        description="Lint every open objective of the tracked groups (or of --group) as of --today, and "
        "queue a check of each one whose guidance comment would change (the worker of `serve` runs them, "
        "and nudges the owner when a date finding first appears). `serve` sweeps daily at BOT_SWEEP_AT.",
    )
    cmd.add_argument("--group", help="only this group")
    cmd.add_argument("--today", type=day, default=None, help="YYYY-MM-DD (default: today, UTC)")
    cmd.add_argument("--format", choices=["text", "json"], default="text")
    cmd.set_defaults(func=cmd_sweep)


def cmd_sweep(args: argparse.Namespace) -> int:
    from bot.gitlab.client import GitLabClient
    from bot.jobs.context import Context
    from bot.jobs.sweep import sweep
    from bot.service import build_registry

    settings = load_settings()
    if settings.gitlab_token is None:
        raise ConfigError("BOT_GITLAB_TOKEN is not set: sweep reads the plans through GitLab's API")
    config = load_file_config(settings.config)
    today: dt.date = args.today or dt.datetime.now(dt.UTC).date()

    async def run() -> list[Any]:
        store = open_store(settings)
        await store.open()
        try:
            async with GitLabClient(settings) as gl:
                ctx = Context(settings=settings, config=config, store=store, jobs=build_registry(), gitlab=gl)
                return await sweep(ctx, today, [args.group] if args.group else None)
        finally:
            await store.close()

    reports = run_against_gitlab(run())
    if args.format == "json":
        print(json.dumps([vars(r) for r in reports], indent=2))
        return 0
    if not reports:
        print("No group to sweep yet: configure groups, or wait for a first delivery.")
    for r in reports:
        rebuild = "; deck rebuild scheduled" if r.rebuild else ""
        queued = len(r.queued)
        print(
            f"{r.group} as of {today}: {r.objectives} open objective(s), {queued} queued for a check{rebuild}"
        )
    return 0
