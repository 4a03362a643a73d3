"""The simulator's in-memory GitLab: users, groups, labels, work items, notes, hooks, pipelines."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
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
OWNER = 50


class SimError(Exception):
    """An API error: HTTP status and GitLab's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


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


class GitLab:
    """All state of the simulated instance; the API modules read and change it."""

    def __init__(self, base_url: str = "http://gitlab.example.com") -> None:
        self.base_url = base_url.rstrip("/")
        self.users: dict[int, User] = {}
        self.groups: dict[int, Group] = {}
        self.labels: dict[int, Label] = {}
        self.projects: dict[int, Project] = {}
        self.items: dict[int, WorkItem] = {}
        self.notes: dict[int, Note] = {}
        self.hooks: dict[int, Hook] = {}
        self.pipelines: dict[int, Pipeline] = {}
        self._ids = itertools.count(1)
        self.listeners: list[Callable[[ItemChange], None]] = []

    def next_id(self) -> int:
        return next(self._ids)

    # -- lookups --------------------------------------------------------------------

    def user_by_token(self, token: str) -> User | None:
        return next((u for u in self.users.values() if u.token and u.token == token), None)

    def user_by_name(self, username: str) -> User:
        found = next((u for u in self.users.values() if u.username == username), None)
        if found is None:
            raise SimError(404, "404 User Not Found")
        return found

    def group(self, ref: str | int) -> Group:
        """A group by id or URL-decoded full path."""
        text = str(ref)
        found = (
            self.groups.get(int(text))
            if text.isdigit()
            else next((g for g in self.groups.values() if g.full_path == text), None)
        )
        if found is None:
            raise SimError(404, "404 Group Not Found")
        return found

    def project(self, ref: str | int) -> Project:
        text = str(ref)
        found = (
            self.projects.get(int(text))
            if text.isdigit()
            else next((p for p in self.projects.values() if p.full_path == text), None)
        )
        if found is None:
            raise SimError(404, "404 Project Not Found")
        return found

    def ancestors(self, group: Group) -> list[Group]:
        """*group* and its parents, nearest first."""
        chain = [group]
        while chain[-1].parent_id is not None:
            chain.append(self.groups[chain[-1].parent_id])
        return chain

    def descendants(self, group: Group) -> list[Group]:
        return [g for g in self.groups.values() if group in self.ancestors(g)]

    def access_level(self, user: User, group: Group) -> int:
        if user.admin:
            return OWNER
        return max((g.members.get(user.id, 0) for g in self.ancestors(group)), default=0)

    def item_group(self, item: WorkItem) -> Group:
        if item.group_id is not None:
            return self.groups[item.group_id]
        assert item.project_id is not None
        return self.groups[self.projects[item.project_id].group_id]

    def namespace_path(self, item: WorkItem) -> str:
        if item.group_id is not None:
            return self.groups[item.group_id].full_path
        assert item.project_id is not None
        return self.projects[item.project_id].full_path

    def web_url(self, item: WorkItem) -> str:
        if item.group_id is not None:
            return f"{self.base_url}/groups/{self.groups[item.group_id].full_path}/-/work_items/{item.iid}"
        return f"{self.base_url}/{self.namespace_path(item)}/-/issues/{item.iid}"

    def item_by_iid(self, namespace: str, iid: int) -> WorkItem | None:
        for item in self.items.values():
            if item.iid == iid and self.namespace_path(item) == namespace:
                return item
        return None

    def label_titles(self, item: WorkItem) -> list[str]:
        return [self.labels[i].title for i in item.label_ids]

    def label_for(self, group: Group, title: str) -> Label:
        """The label *title* visible in *group* (its own or an ancestor's), created if missing."""
        for g in self.ancestors(group):
            for label in self.labels.values():
                if label.group_id == g.id and label.title == title:
                    return label
        label = Label(self.next_id(), title, group.id)
        self.labels[label.id] = label
        return label

    # -- changes ----------------------------------------------------------------------

    def emit(self, change: ItemChange) -> None:
        for listener in self.listeners:
            listener(change)

    def create_item(
        self,
        *,
        type_: str,
        title: str,
        author: User,
        group: Group | None = None,
        project: Project | None = None,
        event_uuid: str | None = None,
        emit: bool = True,
        **fields: Any,
    ) -> WorkItem:
        scope = [
            i
            for i in self.items.values()
            if (group is not None and i.group_id == group.id)
            or (project is not None and i.project_id == project.id)
        ]
        item = WorkItem(
            id=self.next_id(),
            iid=max((i.iid for i in scope), default=0) + 1,
            type=type_,
            group_id=group.id if group else None,
            project_id=project.id if project else None,
            title=title,
            author_id=author.id,
            **fields,
        )
        self.items[item.id] = item
        if emit:
            changes = {
                "title": {"previous": None, "current": title},
                "description": {"previous": None, "current": item.description},
                "created_at": {"previous": None, "current": iso(item.created_at)},
            }
            self.emit(ItemChange(item, "open", changes, author, event_uuid))
        return item

    def update_item(
        self,
        item: WorkItem,
        user: User,
        *,
        event_uuid: str | None = None,
        state_event: str | None = None,
        **fields: Any,
    ) -> None:
        """Apply *fields*; fire one webhook when anything changed, as GitLab does."""
        changes: dict[str, dict[str, Any]] = {}
        tracked = {"title", "description", "label_ids", "assignee_ids", "due_date", "confidential"}
        touched = False
        for name, value in fields.items():
            old = getattr(item, name)
            if old == value:
                continue
            touched = True
            setattr(item, name, value)
            if name == "label_ids":
                changes["labels"] = {
                    "previous": [self.labels[i].hook_json() for i in old],
                    "current": [self.labels[i].hook_json() for i in value],
                }
            elif name == "assignee_ids":
                changes["assignees"] = {
                    "previous": [self.users[i].hook_json() for i in old],
                    "current": [self.users[i].hook_json() for i in value],
                }
            elif name in tracked:
                changes[name] = {
                    "previous": str(old) if isinstance(old, dt.date) else old,
                    "current": str(value) if isinstance(value, dt.date) else value,
                }
        action = "update"
        if state_event == "CLOSE" and item.state == "opened":
            item.state, item.closed_at, action, touched = "closed", now(), "close", True
            changes["state_id"] = {"previous": 1, "current": 2}
        elif state_event == "REOPEN" and item.state == "closed":
            item.state, item.closed_at, action, touched = "opened", None, "reopen", True
            changes["state_id"] = {"previous": 2, "current": 1}
        if not touched:
            return
        previous = item.updated_at
        item.updated_at, item.updated_by_id = now(), user.id
        changes["updated_at"] = {"previous": iso(previous), "current": iso(item.updated_at)}
        changes["updated_by_id"] = {"previous": None, "current": user.id}
        self.emit(ItemChange(item, action, changes, user, event_uuid))

    def add_note(self, item: WorkItem, author: User, body: str, *, internal: bool = False) -> Note:
        note = Note(self.next_id(), item.id, author.id, body, internal=internal)
        self.notes[note.id] = note
        return note

    def notes_of(self, item: WorkItem) -> list[Note]:
        return sorted((n for n in self.notes.values() if n.item_id == item.id), key=lambda n: n.id)

    def children(self, item: WorkItem) -> list[WorkItem]:
        return sorted((i for i in self.items.values() if i.parent_id == item.id), key=lambda i: i.id)
