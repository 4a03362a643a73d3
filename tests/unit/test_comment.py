"""The guidance comment: rendering and defusing of text copied from the epic (pure)."""

from __future__ import annotations

import datetime as dt

from bot.core.checks import lint_objective
from bot.core.comment import MARKER, defuse, no_quick_actions, render, render_untracked
from bot.core.config import LintConfig
from bot.core.model import Objective
from bot.templating import environment


def test_defuse_breaks_mentions_references_links_and_markup() -> None:
    text = defuse("@dana see #12 and &3 at https://evil.test **bold** `code`\n/close")
    assert "@dana" not in text and "#12" not in text and "&3" not in text
    assert "https:" not in text and "**" not in text and "\n" not in text
    assert "\u2060" in text


def test_no_line_starts_with_a_quick_action() -> None:
    body = no_quick_actions("fine\n/close\n  /assign @me")
    assert all(not line.lstrip().startswith("/") for line in body.split("\n"))


def test_render_keeps_the_marker_and_quotes_defused() -> None:
    hostile = Objective(title="/close @everyone #1", description="## Summary\n[TBD]", labels=["SP Objective"])
    findings = lint_objective(hostile, LintConfig(), dt.date(2026, 12, 1))
    body = render(findings, template_url="https://t.test", env=environment())
    assert body.startswith(MARKER)
    assert "@everyone" not in body
    assert all(not line.lstrip().startswith("/") for line in body.split("\n"))


def test_resolved_and_untracked_bodies() -> None:
    resolved = render([], template_url="https://t.test", env=environment())
    assert MARKER in resolved and "meets the success-plan template" in resolved
    untracked = render_untracked(label="SP Objective", env=environment())
    assert MARKER in untracked and "SP Objective" in untracked
