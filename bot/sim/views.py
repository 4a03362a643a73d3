"""How the simulator shows its model through GraphQL: ids, connections, namespaces, work items, notes."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from bot.sim.model import TYPE_ENUMS, TYPE_IDS, GitLab, Group, Project, User, WorkItem, iso

MAX_PAGE_SIZE = 100


def gid(kind: str, ident: int) -> str:
    return f"gid://gitlab/{kind}/{ident}"


def parse_gid(value: str, *kinds: str) -> int:
    prefix, _, ident = str(value).rpartition("/")
    if not ident.isdigit() or prefix.removeprefix("gid://gitlab/") not in kinds:
        raise GraphQLError(f"{value!r} is not a valid ID for {' or '.join(kinds)}.")
    return int(ident)


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def connection(items: list[Any], first: int | None = None, after: str | None = None) -> dict[str, Any]:
    """A GraphQL connection over *items* with opaque offset cursors."""
    start = 0
    if after:
        try:
            start = int(base64.b64decode(after).decode().removeprefix("offset:")) + 1
        except ValueError:
            raise GraphQLError("Invalid cursor") from None
    size = min(first if first is not None else MAX_PAGE_SIZE, MAX_PAGE_SIZE)
    page = items[start : start + size]
    end = start + len(page) - 1
    return {
        "nodes": page,
        "count": len(items),
        "pageInfo": {
            "hasNextPage": start + len(page) < len(items),
            "hasPreviousPage": start > 0,
            "startCursor": _cursor(start) if page else None,
            "endCursor": _cursor(end) if page else None,
        },
    }


def user_view(gl: GitLab, user: User) -> dict[str, Any]:
    return {
        "id": gid("User", user.id),
        "username": user.username,
        "name": user.name,
        "webUrl": f"{gl.base_url}/{user.username}",
    }


@dataclass
class NamespaceView:
    gl: GitLab
    group: Group | None = None
    project: Project | None = None

    @property
    def id(self) -> str:
        if self.group is not None:
            return gid("Group", self.group.id)
        assert self.project is not None
        return gid("Namespaces::ProjectNamespace", self.project.id)

    @property
    def fullPath(self) -> str:
        return self.group.full_path if self.group else self.project.full_path  # type: ignore[union-attr]

    @property
    def name(self) -> str:
        return self.group.name if self.group else self.project.name  # type: ignore[union-attr]

    def _own(self, descendants: bool) -> list[WorkItem]:
        if self.project is not None:
            return [i for i in self.gl.items.values() if i.project_id == self.project.id]
        assert self.group is not None
        groups = {g.id for g in (self.gl.descendants(self.group) if descendants else [self.group])}
        projects = {p.id for p in self.gl.projects.values() if p.group_id in groups} if descendants else set()
        return [i for i in self.gl.items.values() if i.group_id in groups or i.project_id in projects]

    def workItem(self, info: Any, iid: str) -> ItemView | None:
        found = next((i for i in self._own(False) if str(i.iid) == iid), None)
        return ItemView(self.gl, found) if found else None

    def workItems(self, info: Any, **args: Any) -> dict[str, Any] | None:
        if self.group is not None and not self.group.work_items:
            return None  # GitLab: null when namespace work items are not enabled
        user = info.context.get("user")
        items = [
            i
            for i in self._own(bool(args.get("includeDescendants")))
            if self.gl.can_read(user, self.gl.item_group(i))
        ]
        if args.get("types"):
            wanted = {TYPE_ENUMS.get(t, t) for t in args["types"]}
            items = [i for i in items if i.type in wanted]
        state = args.get("state")
        if state in ("opened", "closed"):
            items = [i for i in items if i.state == state]
        iids = set(args.get("iids") or []) | ({args["iid"]} if args.get("iid") else set())
        if iids:
            items = [i for i in items if str(i.iid) in iids]
        if args.get("updatedAfter"):
            after = dt.datetime.fromisoformat(str(args["updatedAfter"]).replace("Z", "+00:00"))
            items = [i for i in items if i.updated_at >= after]
        if args.get("closedAfter"):
            closed = dt.datetime.fromisoformat(str(args["closedAfter"]).replace("Z", "+00:00"))
            items = [i for i in items if i.closed_at is not None and i.closed_at >= closed]
        if args.get("updatedBefore"):
            before = dt.datetime.fromisoformat(str(args["updatedBefore"]).replace("Z", "+00:00"))
            items = [i for i in items if i.updated_at <= before]
        if args.get("labelName"):
            items = [i for i in items if set(args["labelName"]) <= set(self.gl.label_titles(i))]
        items.sort(key=lambda i: i.id)
        page = connection(items, args.get("first"), args.get("after"))
        page["nodes"] = [ItemView(self.gl, i) for i in page["nodes"]]
        return page


@dataclass
class ItemView:
    gl: GitLab
    item: WorkItem

    def __getattr__(self, name: str) -> Any:
        item, gl = self.item, self.gl
        simple: dict[str, Any] = {
            "id": lambda: gid("WorkItem", item.id),
            "iid": lambda: str(item.iid),
            "title": lambda: item.title,
            "description": lambda: item.description,
            "state": lambda: "OPEN" if item.state == "opened" else "CLOSED",
            "webUrl": lambda: gl.web_url(item),
            "createdAt": lambda: iso(item.created_at),
            "updatedAt": lambda: iso(item.updated_at),
            "closedAt": lambda: iso(item.closed_at),
            "confidential": lambda: item.confidential,
            "workItemType": lambda: {"id": gid("WorkItems::Type", TYPE_IDS[item.type]), "name": item.type},
            "author": lambda: user_view(gl, gl.users[item.author_id]),
            "namespace": lambda: (
                NamespaceView(gl, group=gl.groups[item.group_id])
                if item.group_id
                else NamespaceView(gl, project=gl.projects[item.project_id or 0])
            ),
        }
        if name in simple:
            return simple[name]()
        raise AttributeError(name)

    # graphql-core's default resolver calls a callable field value with (info, **arguments).
    def widgets(self, info: Any, onlyTypes: list[str] | None = None) -> list[dict[str, Any]]:
        gl, item = self.gl, self.item
        parent = gl.items.get(item.parent_id) if item.parent_id else None

        def children(info: Any, state: str | None = None, **page: Any) -> dict[str, Any]:
            kids = gl.children(item)
            if state:
                kids = [k for k in kids if (k.state == "opened") == (state == "OPEN")]
            result = connection(kids, page.get("first"), page.get("after"))
            result["nodes"] = [ItemView(gl, k) for k in result["nodes"]]
            return result

        def discussions(info: Any, filter: str | None = None, **page: Any) -> dict[str, Any]:
            notes = gl.notes_of(item)
            if filter == "ONLY_COMMENTS":
                notes = [n for n in notes if not n.system]
            elif filter == "ONLY_ACTIVITY":
                notes = [n for n in notes if n.system]
            result = connection(
                [
                    {
                        "id": "gid://gitlab/Discussion/" + hashlib.sha1(str(n.id).encode()).hexdigest(),
                        "notes": connection([note_view(gl, n)]),
                    }
                    for n in notes
                ],
                page.get("first"),
                page.get("after"),
            )
            return result

        widgets: list[dict[str, Any]] = [
            {
                "__typename": "WorkItemWidgetAssignees",
                "type": "ASSIGNEES",
                "assignees": connection([user_view(gl, gl.users[u]) for u in item.assignee_ids]),
            },
            {
                "__typename": "WorkItemWidgetDescription",
                "type": "DESCRIPTION",
                "description": item.description,
            },
            {
                "__typename": "WorkItemWidgetHierarchy",
                "type": "HIERARCHY",
                "parent": ItemView(gl, parent) if parent else None,
                "hasChildren": bool(gl.children(item)),
                "children": children,
            },
            {
                "__typename": "WorkItemWidgetLabels",
                "type": "LABELS",
                "labels": connection(
                    [
                        {"id": gid("GroupLabel", i), "title": gl.labels[i].title, "color": gl.labels[i].color}
                        for i in item.label_ids
                    ]
                ),
            },
            {"__typename": "WorkItemWidgetNotes", "type": "NOTES", "discussions": discussions},
            {
                "__typename": "WorkItemWidgetStartAndDueDate",
                "type": "START_AND_DUE_DATE",
                "startDate": str(item.start_date) if item.start_date else None,
                "dueDate": str(item.due_date) if item.due_date else None,
            },
        ]
        if onlyTypes:
            widgets = [w for w in widgets if w["type"] in onlyTypes]
        return widgets


def note_view(gl: GitLab, note: Any) -> dict[str, Any]:
    return {
        "id": gid("Note", note.id),
        "body": note.body,
        "author": user_view(gl, gl.users[note.author_id]),
        "system": note.system,
        "internal": note.internal,
        "createdAt": iso(note.created_at),
        "updatedAt": iso(note.updated_at),
    }
