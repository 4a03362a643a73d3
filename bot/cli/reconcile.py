"""``python -m bot reconcile``: queue checks for whatever changed since the last checkpoint."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bot import log
from bot.cli.gitlabrun import run_against_gitlab
from bot.progress import Progress
from bot.settings import ConfigError, load_file_config, load_settings
from bot.store import open_store


def add_parser(commands: Any) -> None:
    cmd = commands.add_parser(
        "reconcile",
        help="find changes GitLab did not deliver and queue their checks",
        description="List the objectives and initiatives updated since each group's checkpoint and queue a "
        "check of each objective concerned (comment and deck rebuild follow if needed). The worker of "
        "`serve` runs the queued checks; the checkpoint advances once they are queued.",
    )
    cmd.add_argument("--group", help="only this group (default: the configured groups, or all seen so far)")
    cmd.add_argument("--since", help="look back this far instead of from the checkpoint, e.g. 2h or 7d")
    cmd.add_argument("--format", choices=["text", "json"], default="text")
    cmd.set_defaults(func=cmd_reconcile)


def cmd_reconcile(args: argparse.Namespace) -> int:
    from bot.gitlab.client import GitLabClient
    from bot.jobs.reconcile import groups_to_reconcile, parse_duration, reconcile_all
    from bot.service import build_registry

    settings = load_settings()
    log.configure("warning" if args.format == "json" else "info")
    if settings.gitlab_token is None:
        raise ConfigError("BOT_GITLAB_TOKEN is not set: reconcile lists changes through GitLab's API")
    try:
        since = parse_duration(args.since) if args.since else None
    except ValueError as exc:
        raise ConfigError(f"--since: {exc}") from None
    config = load_file_config(settings.config)

    async def run() -> list[dict[str, Any]]:
        store = open_store(settings)
        await store.open()
        try:
            groups = [args.group] if args.group else await groups_to_reconcile(config, store)
            progress = Progress("reconcile")
            jobs = build_registry()
            async with GitLabClient(settings) as gl:
                reports = await reconcile_all(
                    gl, store, config, jobs, groups, since=since, progress=progress.step
                )
            progress.finish()
            return [vars(r) for r in reports]
        finally:
            await store.close()

    reports = run_against_gitlab(run())
    if args.format == "json":
        print(json.dumps(reports, indent=2))
    elif not reports:
        print("No group to reconcile yet: configure groups, or wait for a first delivery.")
    for r in reports if args.format == "text" else []:
        print(
            f"{r['group']}: {r['changed']} item(s) changed since {r['since']}; "
            f"queued {len(r['objectives'])} objective check(s)"
        )
    return 0
