"""``python -m bot lint``: lint objectives from files, a plan directory or stdin."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from bot.lintinput import InputError, load
from bot.report import Result, as_json, as_text
from bot.rules import lint_objective, lint_plan
from bot.settings import load_file_config


def _today(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def add_parser(commands: Any) -> None:
    lint = commands.add_parser(
        "lint",
        help="lint objectives against the success-plan template",
        description="Lint objectives: Markdown files with YAML front matter, GitLab webhook JSON "
        "payloads, or a directory linted as one customer plan. Exit code 0: no error; 1: errors "
        "found; 2: unusable input.",
    )
    lint.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or - for stdin")
    lint.add_argument("--format", choices=["text", "json"], default="text")
    lint.add_argument("--today", type=_today, default=None, help="YYYY-MM-DD (default: today)")
    lint.add_argument("--config", help="YAML configuration (the same file as BOT_CONFIG)")
    lint.set_defaults(func=cmd_lint)


def cmd_lint(args: argparse.Namespace) -> int:
    from pathlib import Path

    config = load_file_config(Path(args.config) if args.config else None).lint
    today: dt.date = args.today or dt.date.today()
    stdin_text = sys.stdin.read() if "-" in args.paths else None
    try:
        plans = [load(arg, stdin_text) for arg in args.paths]
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
