"""``python -m bot portfolio build``: the manager's view across customer groups, and a Gainsight CSV."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import Any

from bot.cli.args import day
from bot.cli.args import formats as parse_formats
from bot.cli.gitlabrun import run_against_gitlab
from bot.settings import ConfigError, load_file_config, load_settings

FORMATS = ("html", "csv", "json")


def add_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    portfolio = commands.add_parser(
        "portfolio", help="the success plans of every customer group under a parent"
    )
    sub = portfolio.add_subparsers(dest="portfolio_command", required=True, parser_class=parser_class)
    build = sub.add_parser(
        "build",
        help="write index.html, objectives.csv (Gainsight's columns too) and portfolio.json",
        description="Read every objective (open, and closed in the last 90 days) in all subgroups of "
        "--group through GraphQL, one request per 50 objectives, lint each as of --today, and write "
        "the portfolio.",
    )
    build.add_argument("--group", required=True, help="the parent group, e.g. account-management")
    build.add_argument("--out", required=True, type=Path, help="directory to write the files into")
    build.add_argument("--format", default="html,csv,json", help="comma-separated: html, csv, json")
    build.add_argument("--today", type=day, default=None, help="YYYY-MM-DD (default: today)")
    build.set_defaults(func=cmd_build)


def cmd_build(args: argparse.Namespace) -> int:
    from bot.portfolio.build import build

    settings = load_settings()
    formats = parse_formats(args.format, FORMATS, "html, csv and json")
    if settings.gitlab_token is None:
        raise ConfigError("BOT_GITLAB_TOKEN is not set: portfolio build reads the plans through GitLab's API")
    config = load_file_config(settings.config)
    result = run_against_gitlab(
        build(settings, config, args.group, args.out, formats, args.today or dt.date.today())
    )
    print(
        f"Portfolio of {args.group}: {result['groups']} customer groups, {result['objectives']} objectives, "
        f"{result['graphql_requests']} GraphQL request(s), {result['seconds']} s"
    )
    for key in FORMATS:
        if key in result:
            print(f"  {result[key]}")
    return 0
