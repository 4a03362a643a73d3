"""Argument types the commands share: dates and comma-separated formats."""

from __future__ import annotations

import argparse
import datetime as dt

from bot.settings import ConfigError


def day(value: str) -> dt.date:
    """An argparse type: a YYYY-MM-DD date."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a YYYY-MM-DD date: {value!r}") from None


def formats(value: str, allowed: tuple[str, ...], takes: str) -> set[str]:
    """The formats a comma-separated ``--format`` names; one line naming what it *takes* otherwise."""
    chosen = {f.strip() for f in value.split(",") if f.strip()}
    if not chosen or chosen - set(allowed):
        raise ConfigError(f"--format takes {takes}, not {value!r}")
    return chosen
