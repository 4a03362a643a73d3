"""``python -m bot deck build|status``: write the customer deck, or show the rebuilds."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
from pathlib import Path
from typing import Any

from bot import log
from bot.cli.args import formats as parse_formats
from bot.cli.gitlabrun import run_against_gitlab
from bot.settings import ConfigError, load_file_config, load_settings
from bot.store import open_store

FORMATS = ("html", "pptx")


def add_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    deck = commands.add_parser("deck", help="build the customer deck, or show deck rebuilds")
    sub = deck.add_subparsers(dest="deck_command", required=True, parser_class=parser_class)
    build = sub.add_parser("build", help="read the group's plan through GraphQL and write the deck")
    build.add_argument("--group", required=True, help="full path of the customer group")
    build.add_argument("--out", required=True, type=Path, help="directory to write index.html, deck.pptx, …")
    build.add_argument("--format", default="html,pptx", help="comma-separated: html, pptx (default both)")
    build.add_argument("--closed-days", type=int, default=90, help="how far back 'recently completed' goes")
    build.add_argument(
        "--audience",
        choices=["customer", "internal"],
        default="customer",
        help="customer (default): no lint findings; internal: adds plan health for the account team",
    )
    build.add_argument("--hide-drafts", action="store_true", help="leave out objectives still marked Draft")
    build.add_argument(
        "--today", type=dt.date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)"
    )
    build.set_defaults(func=cmd_build)
    status = sub.add_parser("status", help="the last rebuilds and their pipelines")
    status.add_argument("--group", help="only this group")
    status.add_argument("--format", choices=["text", "json"], default="text")
    status.set_defaults(func=cmd_status)


def cmd_build(args: argparse.Namespace) -> int:
    # The deck's renderers (python-pptx) load only for this command.
    from bot.deck.build import build

    settings = load_settings()
    log.configure(args.log_level if hasattr(args, "log_level") else "info")
    formats = parse_formats(args.format, FORMATS, "html, pptx or both")
    if settings.gitlab_token is None:
        raise ConfigError("BOT_GITLAB_TOKEN is not set: deck build reads the plan through GitLab's API")
    config = load_file_config(settings.config)
    result = run_against_gitlab(
        build(
            settings,
            config,
            args.group,
            args.out,
            formats,
            args.closed_days,
            args.today or dt.date.today(),
            audience=args.audience,
            hide_drafts=args.hide_drafts,
        )
    )
    print(
        f"Deck for {args.group}: {result['objectives']} objectives, {result['items']} items, "
        f"{result['graphql_requests']} GraphQL request(s), {result['seconds']} s"
    )
    for key in ("html", "pptx", "timeline"):
        if key in result:
            print(f"  {result[key]}")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    settings = load_settings()

    async def read() -> list[Any]:
        store = open_store(settings)
        await store.open()
        try:
            return await store.list_jobs(kind="rebuild", limit=500)
        finally:
            await store.close()

    jobs = asyncio.run(read())
    groups: dict[str, dict[str, Any]] = {}
    for job in jobs:  # newest first
        group = job.payload.get("group")
        if args.group and group != args.group:
            continue
        entry = groups.setdefault(group, {"group": group, "last": None, "waiting": None, "rebuilds": 0})
        entry["rebuilds"] += 1
        if job.state == "pending":
            entry["waiting"] = {"run_at": job.run_at, "changes": job.payload.get("changes", 1)}
        elif entry["last"] is None and job.state in ("done", "dead", "running"):
            result = job.result or {}
            entry["last"] = {
                "state": job.state,
                "at": job.updated_at,
                "pipeline_url": result.get("pipeline_url"),
                "via": result.get("via"),
                "reason": result.get("reason"),
                "error": job.last_error,
            }
    report = list(groups.values())
    if args.format == "json":
        print(json.dumps(report, indent=2))
        return 0
    if not report:
        print("No deck rebuilds yet." if not args.group else f"No deck rebuilds for {args.group} yet.")
        return 0
    for entry in report:
        print(entry["group"])
        last = entry["last"]
        if last:
            when = dt.datetime.fromtimestamp(last["at"], dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            what = last["pipeline_url"] or last["error"] or last["state"]
            print(f"  last rebuild: {last['state']} at {when}: {what}")
        if entry["waiting"]:
            at = dt.datetime.fromtimestamp(entry["waiting"]["run_at"], dt.UTC).strftime("%H:%M:%S UTC")
            print(f"  waiting: {entry['waiting']['changes']} change(s), starts at {at}")
    return 0 if all((e["last"] or {}).get("state") != "dead" for e in report) else 1
