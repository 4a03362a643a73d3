"""Command line: ``python -m bot <command>``; user mistakes end in one line and exit code 2.

Each command group is a module of this package; what a command needs beyond argparse (the
simulator, the deck renderers, the service) is imported when that command runs, so that
``jobs`` or ``lint`` start without loading graphql-core or python-pptx.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from bot import log
from bot.cli import deck, demo, health, hook, lint, portfolio, reconcile, sim, sweep
from bot.settings import ConfigError, FileConfig, Settings, load_file_config, load_settings
from bot.store import JobState, StoreUnavailable, open_store
from bot.store.base import JOB_STATES


class UsageError(Exception):
    """A mistake in how the command was called; printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message}\n")


def _settings(args: argparse.Namespace) -> tuple[Settings, FileConfig]:
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    settings = load_settings(**overrides)
    log.configure(getattr(args, "log_level", "info"))
    return settings, load_file_config(settings.config)


def cmd_serve(args: argparse.Namespace) -> int:
    settings, config = _settings(args)
    if settings.webhook_secret is None:
        raise ConfigError("BOT_WEBHOOK_SECRET is not set: refusing to accept unauthenticated webhooks")
    from bot.service import serve

    asyncio.run(serve(settings, config))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    settings, config = _settings(args)
    from bot.service import work

    asyncio.run(work(settings, config))
    return 0


def cmd_jobs_list(args: argparse.Namespace) -> int:
    settings, _ = _settings(args)
    state: JobState | None = args.state

    async def run() -> list[dict[str, Any]]:
        store = open_store(settings)
        await store.open()
        try:
            return [job.as_json() for job in await store.list_jobs(state, limit=args.limit)]
        finally:
            await store.close()

    jobs = asyncio.run(run())
    if args.format == "json":
        print(json.dumps(jobs, indent=2))
        return 0
    if not jobs:
        print("No jobs" + (f" in state {state}." if state else "."))
        return 0
    print(f"{'ID':>6}  {'KIND':<20} {'STATE':<8} {'TRIES':>5}  DELIVERY / LAST ERROR")
    for job in jobs:
        detail = job["last_error"] or job["delivery_key"] or ""
        print(f"{job['id']:>6}  {job['kind']:<20} {job['state']:<8} {job['attempts']:>5}  {detail}")
    return 0


def cmd_jobs_retry(args: argparse.Namespace) -> int:
    settings, _ = _settings(args)
    if args.id is None and not args.all_dead:
        raise UsageError("give a job ID or --all-dead")
    if args.id is not None and args.all_dead:
        raise UsageError("give either a job ID or --all-dead, not both")

    async def run() -> int:
        store = open_store(settings)
        await store.open()
        try:
            if args.all_dead:
                return await store.retry_all_dead(now=time.time())
            return int(await store.retry(args.id, now=time.time()))
        finally:
            await store.close()

    count = asyncio.run(run())
    if args.id is not None and count == 0:
        raise UsageError(f"job {args.id} does not exist or is not dead")
    print(f"Queued {count} job(s) for another attempt.")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="success-plan-bot", description="Keeps customer success plans honest.")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="receive webhooks and run the worker")
    serve.add_argument("--host", help="address to listen on (BOT_HOST)")
    serve.add_argument("--port", type=int, help="port to listen on (BOT_PORT)")
    serve.set_defaults(func=cmd_serve)

    worker = commands.add_parser("worker", help="run only the worker")
    worker.set_defaults(func=cmd_worker)

    jobs = commands.add_parser("jobs", help="inspect and retry jobs")
    jobs_cmds = jobs.add_subparsers(dest="jobs_command", required=True, parser_class=_Parser)
    jobs_list = jobs_cmds.add_parser("list", help="list jobs")
    jobs_list.add_argument("--state", choices=JOB_STATES)
    jobs_list.add_argument("--format", choices=["text", "json"], default="text")
    jobs_list.add_argument("--limit", type=int, default=1000)
    jobs_list.set_defaults(func=cmd_jobs_list)
    jobs_retry = jobs_cmds.add_parser("retry", help="retry a dead job, or all of them")
    jobs_retry.add_argument("id", nargs="?", type=int)
    jobs_retry.add_argument("--all-dead", action="store_true")
    jobs_retry.set_defaults(func=cmd_jobs_retry)

    lint.add_parser(commands)
    hook.add_parser(commands, _Parser)
    deck.add_parser(commands, _Parser)
    portfolio.add_parser(commands, _Parser)
    reconcile.add_parser(commands)
    sweep.add_parser(commands)
    health.add_parser(commands)
    sim.add_parser(commands)
    demo.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script and ``python -m bot``."""
    parser = build_parser()
    args = parser.parse_args(argv)
    # Logs go to stderr from the first line on: stdout is for what a command prints (JSON…).
    log.configure(args.log_level)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except (ConfigError, UsageError, StoreUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
