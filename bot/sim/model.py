"""The simulator's in-memory GitLab: the world its records live in, and what changes them."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import Any

from bot.sim.entities import (
    DEVELOPER,
    GUEST,
    OWNER,
    REPORTER,
    TYPE_ENUMS,
    TYPE_IDS,
    Group,
    Hook,
    HookEvent,
    ItemChange,
    Label,
    Note,
    Pipeline,
    Project,
    SimError,
    User,
    WorkItem,
    iso,
    now,
)

__all__ = [
    "DEVELOPER",
    "GUEST",
    "OWNER",
    "REPORTER",
    "TYPE_ENUMS",
    "TYPE_IDS",
    "GitLab",
    "Group",
    "Hook",
    "HookEvent",
    "ItemChange",
    "Label",
    "Note",
    "Pipeline",
    "Project",
    "SimError",
    "User",
    "WorkItem",
    "iso",
    "now",
]


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
        # GitLab.com's notes_create limit: per user, GraphQL createNote included.
        self.notes_limit = (60, 60.0)  # (notes, per seconds)
        self.note_times: dict[int, list[float]] = {}
        self.throttled_notes = 0
        # GitLab's per-feature limits (lib/gitlab/application_rate_limiter.rb): (requests, per seconds).
        self.limits: dict[str, tuple[int, float]] = {
            "web_hook_event_resend": (5, 60.0),
            "web_hook_test": (5, 60.0),
        }
        self.limit_times: dict[tuple[str, str], list[float]] = {}
        self.throttled: dict[str, int] = {}

    def throttle(self, name: str, scope: str, at: float) -> float | None:
        """Count one call against limit *name* for *scope*; the seconds to wait when over it."""
        limit, window = self.limits[name]
        times = [t for t in self.limit_times.get((name, scope), []) if t > at - window]
        if len(times) >= limit:
            self.limit_times[(name, scope)] = times
            self.throttled[name] = self.throttled.get(name, 0) + 1
            return window
        self.limit_times[(name, scope)] = [*times, at]
        return None

    def note_allowed(self, user: User, at: float) -> bool:
        """Count one note by *user* against the notes limit; False (and not counted) when over it."""
        limit, window = self.notes_limit
        times = [t for t in self.note_times.get(user.id, []) if t > at - window]
        if len(times) >= limit:
            self.note_times[user.id] = times
            self.throttled_notes += 1
            return False
        self.note_times[user.id] = [*times, at]
        return True

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

    def can_read(self, user: User | None, group: Group) -> bool:
        """GitLab's visibility: a private group (and what is in it) is seen by its members only."""
        if group.visibility == "public":
            return True
        return user is not None and self.access_level(user, group) >= GUEST

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
