"""``python -m bot sim``: run the GitLab simulator alone, seeded from a YAML plan."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from bot.settings import ConfigError


def add_parser(commands: Any) -> None:
    sim = commands.add_parser(
        "sim",
        help="run the GitLab simulator (REST, GraphQL, webhooks) for tests and demos",
        description="Run the in-process GitLab simulator. The seed format is documented in "
        "bot/sim/seed.py; bot/sim/demo_plan.yaml is an example.",
    )
    sim.add_argument("--seed", type=Path, help="YAML plan: users, groups, labels, objectives, initiatives")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int, default=8081)
    sim.set_defaults(func=cmd_sim)


def cmd_sim(args: argparse.Namespace) -> int:
    import yaml
    from aiohttp import web

    from bot.sim.app import make_app
    from bot.sim.model import GitLab

    plan: dict[str, Any] = {}
    if args.seed is not None:
        try:
            plan = yaml.safe_load(args.seed.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigError(f"{args.seed}: cannot read the seed plan ({exc})") from None
    try:
        app = make_app(GitLab(f"http://{args.host}:{args.port}"), plan)
    except (ValueError, KeyError) as exc:
        raise ConfigError(f"{args.seed}: bad seed plan ({exc})") from None
    print(
        f"GitLab simulator on http://{args.host}:{args.port} (API /api/v4, GraphQL /api/graphql, "
        "controls /-/sim/)",
        flush=True,
    )
    web.run_app(app, host=args.host, port=args.port, print=None, access_log=None)
    return 0
