"""What every check reads, and how a check makes a finding (shared by the checks' modules)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from bot.core.catalogue import RULES
from bot.core.config import LintConfig
from bot.core.description import Description, Section
from bot.core.model import Finding, Objective

Check = Callable[["Inputs"], Iterator[Finding]]


@dataclass(frozen=True)
class Inputs:
    """What every check reads: the objective, its parsed description, the config and today."""

    objective: Objective
    description: Description
    config: LintConfig
    today: dt.date

    def section(self, kind: str) -> Section | None:
        return self.description.section(getattr(self.config.headings, kind))

    def heading(self, kind: str) -> str:
        return str(getattr(self.config.headings, kind)[0])


def finding(
    rule_id: str,
    message: str,
    where: str | None = None,
    quotes: tuple[str, ...] = (),
    *,
    hint: str | None = None,
) -> Finding:
    """A finding of *rule_id*; *quotes* lists the parts of message and where copied from the epic.

    *hint* replaces the rule's general fix with one fitted to this objective.
    """
    rule = RULES[rule_id]
    return Finding(
        rule=rule_id,
        severity=rule.severity,
        message=message,
        hint=hint or rule.hint,
        where=where,
        quotes=list(quotes),
    )


def quote(text: str, limit: int = 80) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
