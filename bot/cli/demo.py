"""``python -m bot demo``: the bot against the GitLab simulator, end to end."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(commands: Any) -> None:
    demo = commands.add_parser("demo", help="run the bot against a simulated GitLab and show what it does")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="where to write the results")
    demo.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    # The simulator loads only for this command.
    from bot.sim.demo import main

    return main(args.out)
