"""Webhook bodies shaped like GitLab's (see tests/fixtures/issue_hook__*.json)."""

from __future__ import annotations

from typing import Any

from bot.sim.model import GitLab, ItemChange, Project, WorkItem, iso


def project_json(gl: GitLab, project: Project) -> dict[str, Any]:
    web_url = f"{gl.base_url}/{project.full_path}"
    host = gl.base_url.split("://", 1)[-1]
    return {
        "id": project.id,
        "name": project.name,
        "description": None,
        "web_url": web_url,
        "avatar_url": None,
        "git_ssh_url": f"git@{host}:{project.full_path}.git",
        "git_http_url": f"{web_url}.git",
        "namespace": gl.groups[project.group_id].name,
        "visibility_level": 0,
        "path_with_namespace": project.full_path,
        "default_branch": project.default_branch,
        "ci_config_path": None,
        "homepage": web_url,
        "url": f"git@{host}:{project.full_path}.git",
        "ssh_url": f"git@{host}:{project.full_path}.git",
        "http_url": f"{web_url}.git",
    }


def _attributes(gl: GitLab, item: WorkItem, action: str) -> dict[str, Any]:
    return {
        "author_id": item.author_id,
        "closed_at": iso(item.closed_at),
        "confidential": item.confidential,
        "created_at": iso(item.created_at),
        "description": item.description,
        "discussion_locked": None,
        "due_date": str(item.due_date) if item.due_date else None,
        "id": item.id,
        "iid": item.iid,
        "last_edited_at": None,
        "last_edited_by_id": None,
        "milestone_id": None,
        "moved_to_id": None,
        "duplicated_to_id": None,
        "project_id": item.project_id,
        "relative_position": None,
        "state_id": 1 if item.state == "opened" else 2,
        "time_estimate": 0,
        "title": item.title,
        "updated_at": iso(item.updated_at),
        "updated_by_id": item.updated_by_id,
        "weight": None,
        "health_status": None,
        "type": item.type,
        "url": gl.web_url(item),
        "total_time_spent": 0,
        "time_change": 0,
        "human_total_time_spent": None,
        "human_time_change": None,
        "human_time_estimate": None,
        "assignee_ids": list(item.assignee_ids),
        "assignee_id": item.assignee_ids[0] if item.assignee_ids else None,
        "labels": [gl.labels[i].hook_json() for i in item.label_ids],
        "state": item.state,
        "severity": "unknown",
        "customer_relations_contacts": [],
        "action": action,
    }


def work_item_hook(gl: GitLab, change: ItemChange) -> tuple[str, dict[str, Any]]:
    """``(X-Gitlab-Event, body)`` for an issue or work item change."""
    item = change.item
    is_issue = item.type == "Issue" and item.project_id is not None
    kind = "issue" if is_issue else "work_item"
    event_type = ("confidential_" if item.confidential else "") + kind
    body: dict[str, Any] = {
        "object_kind": kind,
        "event_type": event_type,
        "user": change.user.hook_json(),
        "project": project_json(gl, gl.projects[item.project_id]) if item.project_id else None,
        "object_attributes": _attributes(gl, item, change.action),
        "labels": [gl.labels[i].hook_json() for i in item.label_ids],
        "changes": change.changes,
        "repository": None,
    }
    if item.project_id is not None:
        project = gl.projects[item.project_id]
        body["repository"] = {
            "name": project.name,
            "url": f"{gl.base_url}/{project.full_path}.git",
            "description": None,
            "homepage": f"{gl.base_url}/{project.full_path}",
        }
    # GitLab adds the assignees (and, for issues, the first as ``assignee``) when there are any:
    # epics' payloads carry them too.
    people = [
        {"id": u, "name": gl.users[u].name, "username": gl.users[u].username, "avatar_url": None}
        for u in item.assignee_ids
    ]
    if people:
        body["assignees"] = people
        if is_issue:
            body["assignee"] = {k: v for k, v in people[0].items() if k != "id"}
    header = "Confidential Issue Hook" if item.confidential else "Issue Hook"
    return header, body


def test_issue_hook(gl: GitLab, group_id: int, user_id: int) -> tuple[str, dict[str, Any]]:
    """The sample GitLab sends for a test delivery of ``issues_events``: an issue of the group."""
    groups = {g.id for g in gl.descendants(gl.groups[group_id])}
    for item in gl.items.values():
        if item.project_id is not None and gl.projects[item.project_id].group_id in groups:
            return work_item_hook(gl, ItemChange(item, "open", {}, gl.users[user_id], None))
    raise LookupError("no issue to send")
