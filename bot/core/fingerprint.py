"""Fingerprints of what the deck shows of each tracked item, to rebuild only on real changes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from bot.core.model import Initiative, Objective


def _digest(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:32]


def _visible(item: Objective | Initiative) -> dict[str, Any]:
    """The deck-relevant content of an item: title, text, labels, state, dates, people."""
    return {
        "title": item.title,
        "description": item.description,
        "state": item.state,
        "labels": sorted(item.labels),
        "assignees": sorted(item.assignees),
        "start": item.start_date,
        "due": item.due_date,
    }


def fingerprints(objective: Objective) -> dict[str, str]:
    """``{work item id: digest}`` for an objective read from GitLab and each of its initiatives.

    The objective's digest covers the ids of its children, and each child's covers its parent,
    so moving an initiative between objectives counts as a change of both.
    """
    if objective.id is None:
        raise ValueError("fingerprints need work items read from GitLab (with ids)")
    children = [c for c in objective.children or [] if c.id is not None]
    result = {objective.id: _digest({**_visible(objective), "children": sorted(str(c.id) for c in children)})}
    for child in children:
        result[str(child.id)] = _digest({**_visible(child), "parent": objective.id})
    return result


def changed(before: dict[str, str], after: dict[str, str]) -> set[str]:
    """Items added, removed or different between two fingerprint maps."""
    return {key for key in before.keys() | after.keys() if before.get(key) != after.get(key)}
