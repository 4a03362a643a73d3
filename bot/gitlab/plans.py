"""Reading a customer group's plan through GraphQL: one request per page of 50 epics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.core.model import Objective, objectives_of
from bot.gitlab.api import GitLabAPI
from bot.gitlab.client import GitLabError
from bot.gitlab.documents import PLAN_QUERY
from bot.gitlab.mapping import to_objective


@dataclass(frozen=True)
class PlanRead:
    """A group's plan as read: its name, the objectives, how many epics and requests it took."""

    name: str
    objectives: list[Objective]
    epics: int
    requests: int

    @property
    def items(self) -> int:
        """Epics plus the initiatives of the objectives."""
        return self.epics + sum(len(o.children or []) for o in self.objectives)


async def read_plan(
    gl: GitLabAPI, group: str, label: str, progress: Callable[[int, bool, int], None] | None = None
) -> PlanRead:
    """The objectives (epics with *label*) of *group* and its subgroups, initiatives included.

    *progress* is told ``(requests so far, more pages to come, epics so far)`` after each page.
    """
    epics: list[Objective] = []
    name, requests = group, 0
    async for page in gl.graphql_pages(PLAN_QUERY, ["namespace", "workItems"], fullPath=group):
        requests += 1
        namespace = page.data.get("namespace")
        if namespace is None:
            raise GitLabError(f"group {group} not found, or the token cannot see it")
        if page.connection is None:
            # Namespace.workItems is null without namespace work items (or before GitLab 18.1).
            raise GitLabError(
                f"{group}: GitLab lists no work items for this group; the bot needs GitLab 18.1 or later "
                "with work items for groups (Premium or Ultimate)"
            )
        name = namespace.get("name") or group
        epics += [to_objective(node) for node in page.nodes]
        if progress is not None:
            progress(requests, page.has_next, len(epics))
    return PlanRead(name, objectives_of(epics, label), len(epics), requests)
