"""GitLab's GraphQL work items become the core model here, once, where they enter (pure)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.core.model import Initiative, Objective


def widget(node: dict[str, Any], kind: str) -> dict[str, Any]:
    """The widget of *kind* (``LABELS``, ``HIERARCHY``…) of a work item node, or an empty dict."""
    return next((w for w in node.get("widgets") or [] if w.get("type") == kind), {})


def label_titles(node: dict[str, Any]) -> list[str]:
    """The titles of a work item node's labels."""
    return [n["title"] for n in ((widget(node, "LABELS").get("labels") or {}).get("nodes") or [])]


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value[:10]) if value else None


def _common(node: dict[str, Any]) -> dict[str, Any]:
    dates = widget(node, "START_AND_DUE_DATE")
    return {
        "id": node.get("id"),
        "title": node.get("title") or "",
        "description": node.get("description") or "",
        "state": "opened" if node.get("state") == "OPEN" else "closed",
        "url": node.get("webUrl"),
        "labels": label_titles(node),
        "assignees": [
            n["username"] for n in ((widget(node, "ASSIGNEES").get("assignees") or {}).get("nodes") or [])
        ],
        "start_date": _date(dates.get("startDate")),
        "due_date": _date(dates.get("dueDate")),
        "updated_at": _date(node.get("updatedAt")),
        "closed_at": _date(node.get("closedAt")),
    }


def child_nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """The initiative nodes of an epic node (its hierarchy widget's children)."""
    children = (widget(node, "HIERARCHY").get("children") or {}).get("nodes") or []
    return [child for child in children if child]


def to_objective(node: dict[str, Any]) -> Objective:
    """An Objective (with its initiatives) from an epic node read with the Objective or Plan query."""
    iid = node.get("iid")
    return Objective(
        **_common(node),
        iid=int(iid) if iid is not None else None,
        children=[Initiative(**_common(child)) for child in child_nodes(node)],
    )


def is_epic(node: dict[str, Any] | None) -> bool:
    """True for a work item node of type Epic."""
    return bool(node) and ((node or {}).get("workItemType") or {}).get("name") == "Epic"


def comments(node: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The first note of each comment thread, and the cursor of the next page (None at the end)."""
    page = widget(node, "NOTES").get("discussions") or {}
    notes = [n for d in page.get("nodes") or [] for n in (d.get("notes") or {}).get("nodes") or []]
    info = page.get("pageInfo") or {}
    return notes, info.get("endCursor") if info.get("hasNextPage") else None


def parent_of(node: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``parent`` of a work item read with the Parent or Changed query."""
    if not node:
        return None
    parent: dict[str, Any] | None = widget(node, "HIERARCHY").get("parent")
    return parent
