"""What every job handler gets: the context, the outcome it returns, and the registry of job kinds.

Job modules never import each other: each registers its handlers and the builders of its jobs
here, and asks the registry (``ctx.jobs.new("objective", …)``) for a job of another kind.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bot.gitlab.api import GitLabAPI
from bot.settings import FileConfig, Settings
from bot.store.base import Job, NewJob, Store

# Store namespaces more than one job kind reads: reconciliation covers every group a delivery came from.
SEEN_GROUPS = "seen-group"


class PermanentError(Exception):
    """A failure that retrying cannot fix: the job goes straight to the dead-letter state."""


class Reschedule(Exception):
    """The job must wait (a rate limit): give the worker slot back and run again at *at*.

    The attempt is not counted: waiting for a limit is not a failure.
    """

    def __init__(self, at: float, why: str) -> None:
        super().__init__(why)
        self.at = at


class LeaseLost(Exception):
    """The job's lease went to another worker: this run must not write anything more."""


@dataclass
class Outcome:
    """What a handler returns: a result to record and jobs to enqueue with the completion."""

    result: Any = None
    follow_ups: list[NewJob] = field(default_factory=list)


Handler = Callable[[Job, "Context"], Awaitable[Outcome]]
Builder = Callable[..., NewJob]


class Registry:
    """Handlers and job builders by job kind."""

    def __init__(self) -> None:
        self._handlers: dict[str, Handler] = {}
        self._builders: dict[str, Builder] = {}

    def register(self, kind: str, handler: Handler, builder: Builder | None = None) -> None:
        self._handlers[kind] = handler
        if builder is not None:
            self._builders[kind] = builder

    def get(self, kind: str) -> Handler | None:
        return self._handlers.get(kind)

    def new(self, kind: str, **arguments: Any) -> NewJob:
        """A job of *kind*, made by the builder its module registered."""
        builder = self._builders.get(kind)
        if builder is None:
            raise PermanentError(f"no builder for job kind {kind!r}")
        return builder(**arguments)

    def kinds(self) -> list[str]:
        return sorted(self._handlers)


@dataclass
class Context:
    """What handlers may use; the composition root fills it."""

    settings: Settings
    config: FileConfig
    store: Store
    jobs: Registry
    gitlab: GitLabAPI | None = None
    bot_username: str | None = None

    def api(self, what: str) -> GitLabAPI:
        """The GitLab client, or a permanent error saying *what* needs it."""
        if self.gitlab is None:
            raise PermanentError(f"BOT_GITLAB_TOKEN is not set: the bot cannot {what}")
        return self.gitlab


async def tracked_groups(config: FileConfig, store: Store) -> list[str]:
    """The configured groups, or (with none configured) every group a delivery came from."""
    if config.groups:
        return [g.path for g in config.groups]
    return sorted(await store.get_values(SEEN_GROUPS))


# The store's name for GitLab's notes_create limit (per user, so shared by every replica).
NOTES_LIMIT = "gitlab-notes-create"


async def reserve_note(ctx: Context) -> None:
    """Take one of the bot's new-note slots, shared by every replica, or reschedule the job.

    A margin on the window: a note counted here at t reaches GitLab a little later, and the
    next one must not arrive inside GitLab's window even when it travels faster.
    """
    window = ctx.settings.notes_window_seconds
    free_at = await ctx.store.take_rate(
        NOTES_LIMIT,
        limit=ctx.settings.notes_per_minute,
        window=window + max(1.0, window / 20),
        now=time.time(),
    )
    if free_at is not None:
        raise Reschedule(free_at, "notes limit reached")
