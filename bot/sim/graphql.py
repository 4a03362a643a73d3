"""The simulator's GraphQL API: the shipped schema subset, executed with graphql-core."""

from __future__ import annotations

from importlib.resources import files
from typing import Any

from graphql import GraphQLError, GraphQLInterfaceType, GraphQLSchema, build_schema, graphql, parse
from graphql.language import OperationDefinitionNode

from bot.sim.limits import refusal
from bot.sim.model import GitLab, User
from bot.sim.mutations import MUTATIONS
from bot.sim.views import ItemView, NamespaceView, parse_gid


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


def root_query(gl: GitLab) -> dict[str, Any]:
    # GitLab answers null for what the user cannot see, exactly as for what does not exist.
    def namespace(info: Any, fullPath: str) -> NamespaceView | None:
        user = info.context.get("user")
        group = next((g for g in gl.groups.values() if g.full_path == fullPath), None)
        if group is not None:
            return NamespaceView(gl, group=group) if gl.can_read(user, group) else None
        project = next((p for p in gl.projects.values() if p.full_path == fullPath), None)
        if project is None or not gl.can_read(user, gl.groups[project.group_id]):
            return None
        return NamespaceView(gl, project=project)

    def work_item(info: Any, id: str) -> ItemView | None:
        item = gl.items.get(parse_gid(id, "WorkItem"))
        if item is None or not gl.can_read(info.context.get("user"), gl.item_group(item)):
            return None
        return ItemView(gl, item)

    return {"namespace": namespace, "workItem": work_item}


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
    """Run one GraphQL request; errors come back in ``errors`` with HTTP 200, as GitLab does.

    A document over GitLab's size, depth or complexity limits is refused before it runs.
    """
    refused = refusal(schema, payload.get("query") or "", payload.get("variables") or {})
    if refused is not None:
        return {"errors": [{"message": refused}]}
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
