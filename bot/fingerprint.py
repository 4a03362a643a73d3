"""Fingerprints of what the deck shows of each tracked item, to rebuild only on real changes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.workitems import label_titles, widget


def _digest(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _visible(node: dict[str, Any]) -> dict[str, Any]:
    """The deck-relevant content of a work item node: title, text, labels, state, dates, people."""
    dates = widget(node, "START_AND_DUE_DATE")
    return {
        "title": node.get("title"),
        "description": node.get("description"),
        "state": node.get("state"),
        "labels": sorted(label_titles(node)),
        "assignees": sorted(
            n["username"] for n in (widget(node, "ASSIGNEES").get("assignees") or {}).get("nodes") or []
        ),
        "start": dates.get("startDate"),
        "due": dates.get("dueDate"),
    }


def fingerprints(objective: dict[str, Any]) -> dict[str, str]:
    """``{work item id: digest}`` for an objective node and each of its initiatives.

    The objective's digest covers the ids of its children, and each child's covers its parent,
    so moving an initiative between objectives counts as a change of both.
    """
    children = (widget(objective, "HIERARCHY").get("children") or {}).get("nodes") or []
    result = {
        objective["id"]: _digest({**_visible(objective), "children": sorted(c["id"] for c in children if c)})
    }
    for child in children:
        if child:
            result[child["id"]] = _digest({**_visible(child), "parent": objective["id"]})
    return result


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """Items added, removed or different between two fingerprint maps."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
