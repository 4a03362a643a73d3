"""``python -m bot hook register|status|test|remove``: the group webhook, for group admins."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from bot.progress import Progress
from bot.settings import ConfigError, Settings, load_settings
from bot.store import open_store

if TYPE_CHECKING:
    from bot.gitlab.client import GitLabClient


def add_parser(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    hook = commands.add_parser("hook", help="register, check, test or remove the group webhook")
    sub = hook.add_subparsers(dest="hook_command", required=True, parser_class=parser_class)

    def common(p: argparse.ArgumentParser, url_required: bool = False) -> None:
        p.add_argument("--group", required=True, help="full path of the group, e.g. account-management/acme")
        p.add_argument("--url", required=url_required, help="the bot's webhook URL (…/webhook)")

    register = sub.add_parser("register", help="create or update the bot's group hook (idempotent)")
    common(register, url_required=True)
    register.set_defaults(func=cmd_register)

    status = sub.add_parser("status", help="show the hook, its health and its recent failed deliveries")
    common(status)
    status.add_argument("--format", choices=["text", "json"], default="text")
    status.add_argument(
        "--replay-failed", action="store_true", help="resend the failed deliveries of the last 7 days"
    )
    status.add_argument(
        "--max-minutes", type=float, default=10.0, help="stop replaying after this long (default 10)"
    )
    status.set_defaults(func=cmd_status)

    test = sub.add_parser("test", help="send a test delivery and check that the bot stored it")
    common(test)
    test.add_argument("--wait", type=float, default=10.0, help="seconds to wait for the bot to store it")
    test.set_defaults(func=cmd_test)

    remove = sub.add_parser("remove", help="delete the bot's group hook")
    common(remove)
    remove.set_defaults(func=cmd_remove)


def _run(action: Callable[[GitLabClient, Settings], Awaitable[int]]) -> int:
    # The HTTP client loads only when a hook command runs, not for `--help` or other commands.
    from bot.gitlab import hooks
    from bot.gitlab.client import GitLabClient, GitLabError

    settings = load_settings()
    if settings.gitlab_token is None:
        raise ConfigError("BOT_GITLAB_TOKEN is not set: hook commands call GitLab's API")

    async def go() -> int:
        async with GitLabClient(settings) as gl:
            try:
                return await action(gl, settings)
            except (hooks.AdminError, GitLabError) as exc:
                raise ConfigError(str(exc)) from None

    return asyncio.run(go())


def cmd_register(args: argparse.Namespace) -> int:
    async def action(gl: GitLabClient, settings: Settings) -> int:
        from bot.gitlab import hooks
        from bot.gitlab.access import REPORTER, member_level

        hook_id, created = await hooks.register(gl, settings, args.group, args.url)
        print(hook_id)
        verb = "Created" if created else "Updated"
        print(f"{verb} the group hook on {args.group} (issues and work item events only).", flush=True)
        if settings.bot_username:
            level = await member_level(gl, args.group, settings.bot_username)
            if level is None or level < REPORTER:
                print(
                    f"warning: {settings.bot_username} is not a member of {args.group} with Reporter or "
                    "higher: GitLab will hide the plan from the bot; add it as a member",
                    file=sys.stderr,
                )
        return 0

    return _run(action)


def cmd_status(args: argparse.Namespace) -> int:
    async def action(gl: GitLabClient, settings: Settings) -> int:
        from bot.gitlab import hooks

        found = await hooks.status(gl, args.group, args.url)
        replayed = None
        if args.replay_failed:
            bar = Progress("replay")
            # GitLab takes 5 resends a minute: a long replay shows its progress, and stops after
            # --max-minutes with what is left (running it again resumes).
            replayed = await hooks.replay_failed(
                gl,
                args.group,
                found,
                budget=args.max_minutes * 60,
                progress=lambda d, t: bar.step(d, t, "resent"),
            )
            bar.finish()
        report = found.as_json()
        if replayed is not None:
            report["replayed"] = replayed.as_json()
        if args.format == "json":
            print(json.dumps(report, indent=2))
        elif not report["found"]:
            print(f"No success-plan-bot hook on {args.group}. Run `hook register`.")
        else:
            print(f"Hook {report['id']} → {report['url']}")
            print(f"  events: {', '.join(report['events']) or 'none'}")
            state = report["alert_status"]
            if report["disabled_until"]:
                state += f" until {report['disabled_until']}"
            print(f"  status: {state}")
            print(f"  failed deliveries (7 days): {len(report['recent_failures'])}")
            for failure in report["recent_failures"][:10]:
                print(f"    {failure['at']}  {failure['status']}  {failure['error'][:80]}")
            if replayed is not None:
                print(
                    f"  replay: {replayed.sent} resent, {replayed.failed} refused by GitLab, "
                    f"{replayed.left} left for the next run "
                    f"(GitLab allows {hooks.RESENDS_PER_MINUTE} a minute)"
                )
                for error in replayed.errors[:5]:
                    print(f"    {error}")
        incomplete = replayed is not None and (replayed.failed or replayed.left)
        return 0 if found.healthy and not incomplete else 1

    return _run(action)


def cmd_test(args: argparse.Namespace) -> int:
    async def action(gl: GitLabClient, settings: Settings) -> int:
        from bot.gitlab import hooks

        key = await hooks.test(gl, args.group, args.url)
        store = open_store(settings)
        await store.open()
        try:
            for _ in range(int(args.wait / 0.2) + 1):
                if await store.get_delivery(key) is not None:
                    print(f"Test delivery {key} received and stored by the bot.")
                    return 0
                await asyncio.sleep(0.2)
        finally:
            await store.close()
        print(
            f"GitLab delivered the test ({key}) but this bot's store does not have it: is the hook URL "
            "pointing at this bot, and does this command use the same BOT_DATABASE_URL?"
        )
        return 1

    return _run(action)


def cmd_remove(args: argparse.Namespace) -> int:
    async def action(gl: GitLabClient, settings: Settings) -> int:
        from bot.gitlab import hooks

        removed = await hooks.remove(gl, args.group, args.url)
        print(f"Removed hook {removed} from {args.group}." if removed else f"No bot hook on {args.group}.")
        return 0

    return _run(action)
