"""Reading a customer group's plan through GraphQL: one request per page of 50 epics."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.core.events import group_from_url
from bot.core.model import Objective, goals_epic, objectives_of
from bot.gitlab.api import GitLabAPI, Page
from bot.gitlab.client import GitLabError
from bot.gitlab.documents import CHILDREN_QUERY, PLAN_QUERY
from bot.gitlab.mapping import to_objective, widget


@dataclass(frozen=True)
class PlanRead:
    """A group's plan as read: its name, the objectives, how many epics and requests it took."""

    name: str
    objectives: list[Objective]
    epics: int
    requests: int
    # The epic with the customer's goals and highlights (labelled so), when the group has one.
    goals: Objective | None = None

    @property
    def items(self) -> int:
        """Epics plus the initiatives of the objectives."""
        return self.epics + sum(len(o.children or []) for o in self.objectives)


def _readable(page: Page, group: str) -> dict[str, Any]:
    """The page's namespace; one-line errors for a group GitLab hides or that has no work items."""
    namespace: dict[str, Any] | None = page.data.get("namespace")
    if namespace is None:
        raise GitLabError(f"group {group} not found, or the token cannot see it")
    if page.connection is None:
        # Namespace.workItems is null without namespace work items (or before GitLab 18.1).
        raise GitLabError(
            f"{group}: GitLab lists no work items for this group; the bot needs GitLab 18.1 or later "
            "with work items for groups (Premium or Ultimate)"
        )
    return namespace


async def complete_children(gl: GitLabAPI, node: dict[str, Any]) -> int:
    """Read the rest of an epic node's initiatives, in place, when they fill more than a page.

    Returns the requests it took: none for the usual epic whose initiatives fit one page.
    """
    children = widget(node, "HIERARCHY").get("children") or {}
    if not (children.get("pageInfo") or {}).get("hasNextPage"):
        return 0
    located = group_from_url(node.get("webUrl"))
    if located is None:
        return 0
    group, iid = located
    nodes = [n for n in children.get("nodes") or [] if n]
    known = {n["id"] for n in nodes}
    requests = 0
    path = ["namespace", "workItem", "widgets", "@HIERARCHY", "children"]
    async for page in gl.graphql_pages(CHILDREN_QUERY, path, fullPath=group, iid=str(iid)):
        requests += 1
        nodes += [n for n in page.nodes if n["id"] not in known]
        known |= {n["id"] for n in page.nodes}
    children["nodes"] = nodes
    children["pageInfo"] = {"hasNextPage": False, "endCursor": None}
    return requests


async def read_plan(
    gl: GitLabAPI,
    group: str,
    label: str,
    progress: Callable[[int, bool, int], None] | None = None,
    *,
    goals_label: str | None = None,
) -> PlanRead:
    """The objectives (epics with *label*) of *group* and its subgroups, initiatives included.

    With *goals_label*, also the epic that holds the customer's goals (read in the same pages).

    *progress* is told ``(requests so far, more pages to come, epics so far)`` after each page.
    """
    epics: list[Objective] = []
    name, requests = group, 0
    async for page in gl.graphql_pages(PLAN_QUERY, ["namespace", "workItems"], fullPath=group):
        requests += 1
        namespace = _readable(page, group)
        name = namespace.get("name") or group
        for node in page.nodes:
            requests += await complete_children(gl, node)
            epics.append(to_objective(node))
        if progress is not None:
            progress(requests, page.has_next, len(epics))
    goals = goals_epic(epics, goals_label) if goals_label else None
    return PlanRead(name, objectives_of(epics, label), len(epics), requests, goals)


async def read_portfolio(
    gl: GitLabAPI, parent: str, label: str, closed_after: dt.date
) -> tuple[list[Objective], int]:
    """Every objective under *parent*, open or closed since *closed_after*: ``(objectives, requests)``.

    Two paged reads through the parent with ``includeDescendants`` (open ones, then recently
    closed ones): one request per 50 objectives across all customers, never one per subgroup.
    """
    found: list[Objective] = []
    requests = 0
    for state, extra in (
        ("opened", {}),
        ("closed", {"closedAfter": f"{closed_after.isoformat()}T00:00:00Z"}),
    ):
        async for page in gl.graphql_pages(
            PLAN_QUERY, ["namespace", "workItems"], fullPath=parent, state=state, **extra
        ):
            requests += 1
            _readable(page, parent)
            for node in page.nodes:
                requests += await complete_children(gl, node)
                found.append(to_objective(node))
    return objectives_of(found, label), requests
