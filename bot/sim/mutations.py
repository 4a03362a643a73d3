"""The simulator's GraphQL mutations: notes and work item edits, with GitLab's answers."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from graphql import GraphQLError

from bot.sim.model import REPORTER, TYPE_IDS, GitLab, Group, Note, SimError, User, WorkItem
from bot.sim.views import ItemView, note_view, parse_gid

NOT_FOUND = (
    "The resource that you are attempting to access does not exist or you don't have permission "
    "to perform this action"
)
NOTE_LIMIT = 1_000_000
# What GitLab answers a throttled mutation: HTTP 200, this GraphQL error (lib/gitlab/graphql/…).
THROTTLED = "This endpoint has been requested too many times. Try again later."


def _ctx(info: Any) -> tuple[GitLab, User, str | None]:
    ctx = info.context
    return ctx["gl"], ctx["user"], ctx.get("event_uuid")


def _item(gl: GitLab, ident: str, user: User | None = None) -> WorkItem:
    item = gl.items.get(parse_gid(ident, "WorkItem", "Issue", "Epic"))
    if item is None or (user is not None and not gl.can_read(user, gl.item_group(item))):
        raise GraphQLError(NOT_FOUND)
    return item


def _own_note(gl: GitLab, user: User, ident: str) -> Note:
    """The note *ident* when *user* wrote it; GitLab hides other people's notes from these mutations."""
    note = gl.notes.get(parse_gid(ident, "Note"))
    if note is None or note.author_id != user.id:
        raise GraphQLError(NOT_FOUND)
    return note


def _too_long() -> dict[str, Any]:
    """GitLab's answer to a note body over the limit: HTTP 200 with this mutation error."""
    return {"note": None, "errors": [f"Note is too long (maximum is {NOTE_LIMIT} characters)"]}


def create_note(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, _uuid = _ctx(info)
    item = _item(gl, input["noteableId"], user)
    if input.get("internal") and gl.access_level(user, gl.item_group(item)) < REPORTER:
        raise GraphQLError(NOT_FOUND)  # internal notes need the Reporter role
    body = input["body"]
    if not body.strip():
        return {"note": None, "errors": ["Note can't be blank"]}
    if len(body) > NOTE_LIMIT:
        return _too_long()
    if not gl.note_allowed(user, time.monotonic()):
        raise GraphQLError(THROTTLED)
    note = gl.add_note(item, user, body, internal=bool(input.get("internal")))
    return {"note": note_view(gl, note), "errors": [], "clientMutationId": input.get("clientMutationId")}


def update_note(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, _uuid = _ctx(info)
    note = _own_note(gl, user, input["id"])
    body = input.get("body")
    if body is not None:
        if len(body) > NOTE_LIMIT:
            return _too_long()
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


def destroy_note(_: Any, info: Any, input: dict[str, Any]) -> dict[str, Any]:
    gl, user, _uuid = _ctx(info)
    note = _own_note(gl, user, input["id"])
    del gl.notes[note.id]
    return {"note": None, "errors": [], "clientMutationId": input.get("clientMutationId")}


MUTATIONS = {
    "destroyNote": destroy_note,
    "createNote": create_note,
    "updateNote": update_note,
    "workItemCreate": work_item_create,
    "workItemUpdate": work_item_update,
}
