"""The success-plan model: objectives, their initiatives, and lint findings (pure data).

GitLab's work items become these models once, where they enter (``bot.gitlab.mapping``, the lint
CLI's readers); everything after that — lint, comments, fingerprints, the deck — reads only these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

State = Literal["opened", "closed"]
Severity = Literal["error", "warning", "suggestion"]
SEVERITY_ORDER: dict[str, int] = {"error": 0, "warning": 1, "suggestion": 2}


class Initiative(BaseModel):
    """An issue (or task) that is a child of an objective epic."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = None  # GitLab's global id (gid://gitlab/WorkItem/…) when read from GitLab
    title: str
    state: State = "opened"
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    assignees: list[str] = Field(default_factory=list)
    labels: list[str] = Field(default_factory=list)
    description: str = ""
    url: str | None = None
    updated_at: dt.date | None = None
    closed_at: dt.date | None = None


class Objective(BaseModel):
    """An epic carrying the objective label, with its child initiatives.

    ``children`` is None when they are unknown (a webhook payload carries none), which
    turns off the rules about initiatives rather than reporting them all missing.
    """

    model_config = ConfigDict(extra="forbid")

    id: str | None = None  # GitLab's global id when read from GitLab
    iid: int | None = None
    title: str
    description: str = ""
    labels: list[str] = Field(default_factory=list)
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    assignees: list[str] = Field(default_factory=list)
    state: State = "opened"
    url: str | None = None
    updated_at: dt.date | None = None
    closed_at: dt.date | None = None
    children: list[Initiative] | None = None

    def scoped(self, prefix: str) -> list[str]:
        """Values of the scoped labels starting with *prefix* (``SP Objective::Status::``…)."""
        return [label[len(prefix) :].strip() for label in self.labels if label.startswith(prefix)]


class Finding(BaseModel):
    """One thing wrong (or worth improving) with an objective or a plan."""

    rule: str
    severity: Severity
    message: str
    hint: str
    where: str | None = None
    # Text copied from the epic into message or where: whoever shows them on GitLab defuses these.
    quotes: list[str] = Field(default_factory=list, exclude=True)

    def sort_key(self) -> int:
        """Errors first; a stable sort keeps the rules' own order within a level."""
        return SEVERITY_ORDER[self.severity]


def worst(findings: list[Finding]) -> Severity | None:
    """The most severe level among *findings*."""
    if not findings:
        return None
    return min(findings, key=lambda f: SEVERITY_ORDER[f.severity]).severity


def objectives_of(epics: Iterable[Objective], label: str) -> list[Objective]:
    """The epics of a plan that carry the objective *label*: the plan's objectives."""
    return [epic for epic in epics if label in epic.labels]


def goals_epic(epics: Iterable[Objective], label: str) -> Objective | None:
    """The open epic with the goals *label* (the newest updated when there are several), or None."""
    found = [epic for epic in epics if label in epic.labels and epic.state == "opened"]
    return max(found, key=lambda e: (e.updated_at or dt.date.min, e.iid or 0)) if found else None
