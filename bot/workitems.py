"""GraphQL documents for reading plans, and the pure conversion of work items to the plan model."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.plan import Initiative, Objective

# Fields read for an objective and, nested, for each of its initiatives.
_ITEM_FIELDS = """
  id iid title description state webUrl updatedAt closedAt
  workItemType { name }
  widgets {
    type
    ... on WorkItemWidgetAssignees { assignees(first: 20) { nodes { username } } }
    ... on WorkItemWidgetLabels { labels(first: 50) { nodes { title } } }
    ... on WorkItemWidgetStartAndDueDate { startDate dueDate }
"""

_COMMENTS = """
    ... on WorkItemWidgetNotes {
      discussions(filter: ONLY_COMMENTS, first: 100, after: $notesAfter) {
        pageInfo { hasNextPage endCursor }
        nodes { notes(first: 1) { nodes { id body author { username } } } }
      }
    }
"""

# One request for an objective with all it needs: the epic, up to 100 initiatives, and the
# first 100 comment threads (to find the bot's own comment again).
OBJECTIVE_QUERY = (
    "query Objective($fullPath: ID!, $iid: String!, $notesAfter: String) {\n"
    "  namespace(fullPath: $fullPath) { workItem(iid: $iid) {"
    + _ITEM_FIELDS
    + _COMMENTS
    + """
    ... on WorkItemWidgetHierarchy {
      children(first: 100) { nodes {"""
    + _ITEM_FIELDS
    + """ } } }
    }
  } } }
}
"""
)

# Further comment threads, for objectives with more than 100 of them.
COMMENTS_QUERY = (
    "query Comments($fullPath: ID!, $iid: String!, $notesAfter: String) {\n"
    "  namespace(fullPath: $fullPath) { workItem(iid: $iid) { id widgets { type "
    + _COMMENTS
    + """ } } }
}
"""
)

# A page of a group's epics with their initiatives: one request per page, never one per item.
PLAN_QUERY = (
    "query Plan($fullPath: ID!, $after: String, $updatedAfter: Time, $state: IssuableState) {\n"
    "  namespace(fullPath: $fullPath) {\n"
    "    name\n"
    "    workItems(types: [EPIC], first: 50, after: $after, updatedAfter: $updatedAfter,"
    " state: $state, includeDescendants: true) {\n"
    "      pageInfo { hasNextPage endCursor }\n"
    "      nodes {"
    + _ITEM_FIELDS
    + """
    ... on WorkItemWidgetHierarchy {
      children(first: 100) { nodes {"""
    + _ITEM_FIELDS
    + """ } } }
    }
  } } } }
}
"""
)

# The parent of an initiative, to re-lint the objective it belongs to.
PARENT_QUERY = """
query Parent($fullPath: ID!, $iid: String!) {
  namespace(fullPath: $fullPath) {
    workItem(iid: $iid) {
      id
      widgets { type ... on WorkItemWidgetHierarchy { parent { id iid webUrl } } }
    }
  }
}
"""


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
        "closed_at": _date(node.get("closedAt")),
    }


def to_objective(node: dict[str, Any]) -> Objective:
    """An Objective from a work item node read with the queries above."""
    children = ((widget(node, "HIERARCHY").get("children") or {}).get("nodes")) or []
    return Objective(
        **_common(node),
        updated_at=_date(node.get("updatedAt")),
        children=[Initiative(**_common(child)) for child in children if child],
    )


def comments(node: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The first note of each comment thread, and the cursor of the next page (None at the end)."""
    page = widget(node, "NOTES").get("discussions") or {}
    notes = [n for d in page.get("nodes") or [] for n in (d.get("notes") or {}).get("nodes") or []]
    info = page.get("pageInfo") or {}
    return notes, info.get("endCursor") if info.get("hasNextPage") else None


def parent_of(node: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``parent`` of a work item read with PARENT_QUERY."""
    if not node:
        return None
    parent: dict[str, Any] | None = widget(node, "HIERARCHY").get("parent")
    return parent


DOCUMENTS = {
    "Objective": OBJECTIVE_QUERY,
    "Comments": COMMENTS_QUERY,
    "Plan": PLAN_QUERY,
    "Parent": PARENT_QUERY,
}
