"""The simulator's GraphQL API: the shipped schema subset, executed with graphql-core."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from graphql import GraphQLError, GraphQLInterfaceType, GraphQLSchema, build_schema, graphql, parse
from graphql.language import OperationDefinitionNode

from bot.sim.model import TYPE_ENUMS, TYPE_IDS, GitLab, Group, Project, SimError, User, WorkItem, iso

MAX_PAGE_SIZE = 100
NOT_FOUND = (
    "The resource that you are attempting to access does not exist or you don't have permission "
    "to perform this action"
)
NOTE_LIMIT = 1_000_000


def load_schema() -> GraphQLSchema:
    """The schema subset shipped in the package (cut from GitLab's real 18.8 schema)."""
    schema = build_schema(files("bot.sim").joinpath("schema.graphql").read_text(encoding="utf-8"))
    widget = schema.get_type("WorkItemWidget")
    assert isinstance(widget, GraphQLInterfaceType)
    widget.resolve_type = lambda obj, *_: obj["__typename"]
    mutation = schema.mutation_type
    assert mutation is not None
    for name, resolver in MUTATIONS.items():
        mutation.fields[name].resolve = resolver
    return schema


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

    def workItems(self, info: Any, **args: Any) -> dict[str, Any]:
        items = self._own(bool(args.get("includeDescendants")))
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


def root_query(gl: GitLab) -> dict[str, Any]:
    def namespace(info: Any, fullPath: str) -> NamespaceView | None:
        group = next((g for g in gl.groups.values() if g.full_path == fullPath), None)
        if group is not None:
            return NamespaceView(gl, group=group)
        project = next((p for p in gl.projects.values() if p.full_path == fullPath), None)
        return NamespaceView(gl, project=project) if project else None

    def work_item(info: Any, id: str) -> ItemView | None:
        item = gl.items.get(parse_gid(id, "WorkItem"))
        return ItemView(gl, item) if item else None

    return {"namespace": namespace, "workItem": work_item}


# -- mutations ------------------------------------------------------------------------


def _ctx(info: Any) -> tuple[GitLab, User, str | None]:
    ctx = info.context
    return ctx["gl"], ctx["user"], ctx.get("event_uuid")


def _item(gl: GitLab, ident: str) -> WorkItem:
    item = gl.items.get(parse_gid(ident, "WorkItem", "Issue", "Epic"))
    if item is None:
        raise GraphQLError(NOT_FOUND)
    return item


def create_note(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, _uuid = _ctx(info)
    item = _item(gl, input["noteableId"])
    body = input["body"]
    if not body.strip():
        return {"note": None, "errors": ["Note can't be blank"]}
    if len(body) > NOTE_LIMIT:
        return {"note": None, "errors": [f"Note is too long (maximum is {NOTE_LIMIT} characters)"]}
    note = gl.add_note(item, user, body, internal=bool(input.get("internal")))
    return {"note": note_view(gl, note), "errors": [], "clientMutationId": input.get("clientMutationId")}


def update_note(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, _uuid = _ctx(info)
    note = gl.notes.get(parse_gid(input["id"], "Note"))
    if note is None or note.author_id != user.id:
        raise GraphQLError(NOT_FOUND)
    body = input.get("body")
    if body is not None:
        if len(body) > NOTE_LIMIT:
            return {"note": None, "errors": [f"Note is too long (maximum is {NOTE_LIMIT} characters)"]}
        if body != note.body:
            note.body, note.updated_at = body, dt.datetime.now(dt.UTC)
    return {"note": note_view(gl, note), "errors": [], "clientMutationId": input.get("clientMutationId")}


def _widget_fields(
    gl: GitLab, item_group: Group, input: dict[str, Any], item: WorkItem | None
) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    if "title" in input and input["title"] is not None:
        fields["title"] = input["title"]
    if input.get("confidential") is not None:
        fields["confidential"] = input["confidential"]
    if input.get("descriptionWidget") is not None:
        fields["description"] = input["descriptionWidget"]["description"]
    if input.get("assigneesWidget") is not None:
        ids = [parse_gid(u, "User") for u in input["assigneesWidget"]["assigneeIds"]]
        if any(i not in gl.users for i in ids):
            raise GraphQLError(NOT_FOUND)
        fields["assignee_ids"] = ids
    labels = input.get("labelsWidget")
    if labels is not None:
        current = list(item.label_ids) if item else []
        add = [
            parse_gid(x, "GroupLabel", "ProjectLabel", "Label")
            for x in labels.get("labelIds") or labels.get("addLabelIds") or []
        ]
        remove = {
            parse_gid(x, "GroupLabel", "ProjectLabel", "Label") for x in labels.get("removeLabelIds") or []
        }
        if any(i not in gl.labels for i in add):
            raise GraphQLError(NOT_FOUND)
        fields["label_ids"] = [i for i in current if i not in remove] + [i for i in add if i not in current]
    dates = input.get("startAndDueDateWidget")
    if dates is not None:
        for key, attr in (("startDate", "start_date"), ("dueDate", "due_date")):
            if key in dates:
                fields[attr] = dt.date.fromisoformat(str(dates[key])) if dates[key] else None
    hierarchy = input.get("hierarchyWidget")
    if hierarchy is not None and "parentId" in hierarchy:
        fields["parent_id"] = parse_gid(hierarchy["parentId"], "WorkItem") if hierarchy["parentId"] else None
    return fields


def work_item_create(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, event_uuid = _ctx(info)
    type_id = parse_gid(input["workItemTypeId"], "WorkItems::Type")
    type_name = next((n for n, i in TYPE_IDS.items() if i == type_id), None)
    path = input.get("namespacePath") or ""
    group = next((g for g in gl.groups.values() if g.full_path == path), None)
    project = next((p for p in gl.projects.values() if p.full_path == path), None)
    if type_name is None or (group is None and project is None):
        raise GraphQLError(NOT_FOUND)
    if type_name == "Epic" and group is None:
        return {"workItem": None, "errors": ["Epics can only be created in groups"]}
    owner_group = group or gl.groups[project.group_id]  # type: ignore[union-attr]
    fields = _widget_fields(gl, owner_group, input, None)
    title = fields.pop("title")
    item = gl.create_item(
        type_=type_name,
        title=title,
        author=user,
        group=group,
        project=project,
        event_uuid=event_uuid,
        **fields,
    )
    return {"workItem": ItemView(gl, item), "errors": [], "clientMutationId": input.get("clientMutationId")}


def work_item_update(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, event_uuid = _ctx(info)
    item = _item(gl, input["id"])
    fields = _widget_fields(gl, gl.item_group(item), input, item)
    hierarchy = input.get("hierarchyWidget") or {}
    for child in hierarchy.get("childrenIds") or []:
        kid = _item(gl, child)
        gl.update_item(kid, user, event_uuid=event_uuid, parent_id=item.id)
    try:
        gl.update_item(item, user, event_uuid=event_uuid, state_event=input.get("stateEvent"), **fields)
    except SimError as exc:
        return {"workItem": None, "errors": [exc.message]}
    return {"workItem": ItemView(gl, item), "errors": [], "clientMutationId": input.get("clientMutationId")}


MUTATIONS = {
    "createNote": create_note,
    "updateNote": update_note,
    "workItemCreate": work_item_create,
    "workItemUpdate": work_item_update,
}


def operation_name(query: str, given: str | None) -> str | None:
    """The operation's name, for the request log."""
    if given:
        return given
    try:
        document = parse(query)
    except GraphQLError:
        return None
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            return definition.name.value if definition.name else None
    return None


async def execute(
    schema: GraphQLSchema, gl: GitLab, user: User, payload: dict[str, Any], event_uuid: str | None
) -> dict[str, Any]:
    """Run one GraphQL request; errors come back in ``errors`` with HTTP 200, as GitLab does."""
    result = await graphql(
        schema,
        payload.get("query") or "",
        root_value=root_query(gl),
        variable_values=payload.get("variables") or {},
        operation_name=payload.get("operationName"),
        context_value={"gl": gl, "user": user, "event_uuid": event_uuid},
    )
    body: dict[str, Any] = {"data": result.data}
    if result.errors:
        body["errors"] = [err.formatted for err in result.errors]
    return body
