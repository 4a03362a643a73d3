"""The simulator's records: users, groups, labels, projects, work items, notes, hooks and pipelines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

# GitLab's global work item type ids (gid://gitlab/WorkItems::Type/<id>).
TYPE_IDS = {
    "Issue": 1,
    "Incident": 2,
    "Test Case": 3,
    "Requirement": 4,
    "Task": 5,
    "Objective": 6,
    "Key Result": 7,
    "Epic": 8,
}
TYPE_ENUMS = {
    "ISSUE": "Issue",
    "TASK": "Task",
    "EPIC": "Epic",
    "OBJECTIVE": "Objective",
    "KEY_RESULT": "Key Result",
    "INCIDENT": "Incident",
}
GUEST, REPORTER, DEVELOPER, OWNER = 10, 20, 30, 50


class SimError(Exception):
    """An API error: HTTP status and GitLab's message."""

    def __init__(self, status: int, message: str, *, key: str = "message") -> None:
        super().__init__(message)
        self.status, self.message, self.key = status, message, key
        self.headers: dict[str, str] = {}


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime | None) -> str | None:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z" if moment else None


@dataclass
class User:
    id: int
    username: str
    name: str
    token: str | None = None
    admin: bool = False
    scopes: list[str] = field(default_factory=lambda: ["api"])  # the token's scopes

    def hook_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "username": self.username,
            "avatar_url": None,
            "email": "[REDACTED]",
        }


@dataclass
class Group:
    id: int
    path: str
    name: str
    parent_id: int | None
    full_path: str
    premium: bool = True
    members: dict[int, int] = field(default_factory=dict)  # user id -> access level
    visibility: str = "private"  # customer groups are private: only members see them
    work_items: bool = True  # namespace work items enabled (GitLab 18.1+, Premium)


@dataclass
class Label:
    id: int
    title: str
    group_id: int
    color: str = "#6699cc"
    created_at: dt.datetime = field(default_factory=now)

    def hook_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "color": self.color,
            "project_id": None,
            "created_at": iso(self.created_at),
            "updated_at": iso(self.created_at),
            "template": False,
            "description": None,
            "type": "GroupLabel",
            "group_id": self.group_id,
        }


@dataclass
class Project:
    id: int
    path: str
    name: str
    group_id: int
    full_path: str
    default_branch: str = "main"
    trigger_tokens: list[str] = field(default_factory=list)


@dataclass
class WorkItem:
    id: int
    iid: int
    type: str
    group_id: int | None  # epics live in a group
    project_id: int | None  # issues and tasks live in a project
    title: str
    author_id: int
    description: str = ""
    state: str = "opened"
    confidential: bool = False
    label_ids: list[int] = field(default_factory=list)
    assignee_ids: list[int] = field(default_factory=list)
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    parent_id: int | None = None
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)
    closed_at: dt.datetime | None = None
    updated_by_id: int | None = None


@dataclass
class Note:
    id: int
    item_id: int
    author_id: int
    body: str
    system: bool = False
    internal: bool = False
    created_at: dt.datetime = field(default_factory=now)
    updated_at: dt.datetime = field(default_factory=now)


@dataclass
class HookEvent:
    """One delivery attempt, as the hook events API lists it."""

    id: int
    hook_id: int
    url: str
    trigger: str
    request_headers: dict[str, str]
    request_data: dict[str, Any]
    response_status: str
    response_body: str
    execution_duration: float
    idempotency_key: str
    created_at: dt.datetime = field(default_factory=now)


@dataclass
class Hook:
    id: int
    group_id: int
    url: str
    token: str | None = None
    signing_token: str | None = None
    name: str | None = None
    description: str | None = None
    issues_events: bool = False
    confidential_issues_events: bool = False
    note_events: bool = False
    confidential_note_events: bool = False
    push_events: bool = True
    enable_ssl_verification: bool = True
    created_at: dt.datetime = field(default_factory=now)
    recent_failures: int = 0
    backoff_count: int = 0
    disabled_until: dt.datetime | None = None
    permanently_disabled: bool = False
    events: list[HookEvent] = field(default_factory=list)

    def alert_status(self, at: dt.datetime) -> str:
        if self.permanently_disabled:
            return "disabled"
        if self.disabled_until is not None and self.disabled_until > at:
            return "temporarily_disabled"
        return "executable"

    def api_json(self, at: dt.datetime) -> dict[str, Any]:
        # The token and signing token are write-only in GitLab's API.
        return {
            "id": self.id,
            "url": self.url,
            "name": self.name,
            "description": self.description,
            "created_at": iso(self.created_at),
            "group_id": self.group_id,
            "push_events": self.push_events,
            "issues_events": self.issues_events,
            "confidential_issues_events": self.confidential_issues_events,
            "note_events": self.note_events,
            "confidential_note_events": self.confidential_note_events,
            "merge_requests_events": False,
            "tag_push_events": False,
            "pipeline_events": False,
            "wiki_page_events": False,
            "job_events": False,
            "deployment_events": False,
            "releases_events": False,
            "subgroup_events": False,
            "member_events": False,
            "enable_ssl_verification": self.enable_ssl_verification,
            "alert_status": self.alert_status(at),
            "disabled_until": iso(self.disabled_until)
            if self.alert_status(at) == "temporarily_disabled"
            else None,
            "url_variables": [],
            "custom_headers": [],
            "push_events_branch_filter": None,
            "branch_filter_strategy": "all_branches",
            "custom_webhook_template": "",
        }


@dataclass
class Pipeline:
    id: int
    iid: int
    project_id: int
    ref: str
    source: str
    variables: dict[str, str]
    user_id: int
    status: str = "created"
    created_at: dt.datetime = field(default_factory=now)


@dataclass
class ItemChange:
    """An issue or work item event for the webhooks: the item after the change, and the change."""

    item: WorkItem
    action: str  # open | update | close | reopen
    changes: dict[str, dict[str, Any]]
    user: User
    event_uuid: str | None
