"""Running a CLI command's GitLab work: what GitLab refuses becomes one line and exit code 2."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from bot.settings import ConfigError

T = TypeVar("T")


def run_against_gitlab(work: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(work)``, with a GitLab error raised as a ConfigError carrying its message."""
    from bot.gitlab.client import GitLabError  # lazily: the CLI starts without aiohttp

    try:
        return asyncio.run(work)
    except GitLabError as exc:
        raise ConfigError(str(exc)) from None
