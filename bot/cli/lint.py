"""``python -m bot lint``: lint objectives from files, a plan directory or stdin."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import sys
from typing import Any

from bot.cli.args import day
from bot.cli.lintinput import InputError, Plan, Source, load
from bot.core.checks import lint_objective, lint_plan
from bot.core.config import LintConfig
from bot.core.report import Result, as_json, as_text
from bot.settings import load_file_config


def read_group(group: str, config: LintConfig) -> Plan:
    """A group's objectives, read through GraphQL as the deck reads them."""
    from bot.cli.lintinput import Plan
    from bot.gitlab.client import GitLabClient, GitLabError
    from bot.gitlab.plans import PlanRead, read_plan
    from bot.settings import ConfigError, load_settings

    settings = load_settings()
    if settings.gitlab_token is None:
        raise ConfigError("BOT_GITLAB_TOKEN is not set: lint --group reads the plan through GitLab's API")

    async def read() -> PlanRead:
        async with GitLabClient(settings) as gl:
            return await read_plan(gl, group, config.labels.objective)

    try:
        plan = asyncio.run(read())
    except GitLabError as exc:
        raise InputError(f"{group}: {exc}") from None
    return Plan(group, [Source(o.url or o.title, o) for o in plan.objectives], is_plan=True)


def add_parser(commands: Any) -> None:
    lint = commands.add_parser(
        "lint",
        help="lint objectives against the success-plan template",
        description="Lint objectives: Markdown files with YAML front matter, GitLab webhook JSON "
        "payloads, a directory linted as one customer plan, or (--group) a group's plan read from "
        "GitLab. Exit code 0: no error; 1: errors found; 2: unusable input.",
    )
    lint.add_argument("paths", nargs="*", metavar="PATH", help="file, directory, or - for stdin")
    lint.add_argument("--group", help="lint this GitLab group's plan (BOT_GITLAB_URL, BOT_GITLAB_TOKEN)")
    lint.add_argument("--format", choices=["text", "json"], default="text")
    lint.add_argument("--today", type=day, default=None, help="YYYY-MM-DD (default: today)")
    lint.add_argument("--config", help="YAML configuration (the same file as BOT_CONFIG)")
    lint.set_defaults(func=cmd_lint)


def cmd_lint(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.core.report import Result

    config = load_file_config(Path(args.config) if args.config else None).lint
    today: dt.date = args.today or dt.date.today()
    if bool(args.paths) == bool(args.group):
        print("error: give PATH... or --group, not both and not neither", file=sys.stderr)
        return 2
    stdin_text = sys.stdin.read() if "-" in args.paths else None
    try:
        plans = (
            [load(arg, stdin_text) for arg in args.paths] if args.paths else [read_group(args.group, config)]
        )
        for plan in plans:
            for skipped in plan.skipped:
                print(
                    f"warning: {skipped}: neither an objective nor a GitLab payload; skipped", file=sys.stderr
                )
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    results: list[Result] = []
    for plan in plans:
        for item in plan.objectives:
            findings = lint_objective(item.objective, config, today)
            results.append(Result(item.source, item.objective.title, findings))
        if plan.is_plan:
            findings = lint_plan([s.objective for s in plan.objectives], config)
            results.append(Result(plan.source, Path(plan.source).name or plan.source, findings, plan=True))
    if args.format == "json":
        print(json.dumps(as_json(results), indent=2, ensure_ascii=False))
    else:
        print(as_text(results))
    return 1 if any(f.severity == "error" for r in results for f in r.findings) else 0
