"""GitLab's GraphQL limits, computed the way GitLab does, so the simulator refuses what GitLab refuses.

From GitLab's ``app/graphql/gitlab_schema.rb``, ``types/base_field.rb`` and graphql-ruby's
``QueryComplexity`` (see GITLAB.md): a field costs 1 plus its children, plus 1 when a resolver
computes it (fields that take arguments, here); a connection multiplies its children by
``1 + min(first, 100) * m`` (m = 0.01, 0.05 for work-item discussions, 0 when ``iid``/``iids``
pin it); hierarchy ``children`` and ``parent`` cost a fixed 5; an abstract type costs its most
expensive member. Depth counts nested fields; fragments add none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    parse,
)

MAX_COMPLEXITY = 250  # authenticated users
MAX_DEPTH = 20
MAX_QUERY_SIZE = 10_000
MAX_PAGE_SIZE = 100
FIXED = {("WorkItemWidgetHierarchy", "children"): 5, ("WorkItemWidgetHierarchy", "parent"): 5}
MULTIPLIER = {("WorkItemWidgetNotes", "discussions"): 0.05}


@dataclass(frozen=True)
class Score:
    complexity: int
    depth: int
    # Every connection asked for: (type.field, first, whether pageInfo was selected).
    connections: tuple[tuple[str, int | None, bool], ...]


def _named(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull | GraphQLList):
        type_ = type_.of_type
    return type_


def _argument(node: FieldNode, name: str, variables: dict[str, Any]) -> Any:
    for arg in node.arguments or ():
        if arg.name.value == name:
            if isinstance(arg.value, VariableNode):
                return variables.get(arg.value.name.value)
            if isinstance(arg.value, IntValueNode):
                return int(arg.value.value)
            return getattr(arg.value, "value", True)
    return None


class _Scorer:
    def __init__(
        self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ):
        self.schema, self.fragments, self.variables = schema, fragments, variables
        self.connections: list[tuple[str, int | None, bool]] = []

    def selections(self, node: SelectionSetNode | None, parent: Any) -> tuple[float, int]:
        """(complexity, depth) of a selection set on *parent*, an abstract type by its costliest member."""
        if node is None:
            return 0.0, 0
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType):
            members = self.schema.get_possible_types(parent)
            scored = [self._on(node, member, parent) for member in members] or [
                self._on(node, parent, parent)
            ]
            return max(c for c, _ in scored), max(d for _, d in scored)
        return self._on(node, parent, parent)

    def _on(self, node: SelectionSetNode, concrete: Any, declared: Any) -> tuple[float, int]:
        cost, depth = 0.0, 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                c, d = self.field(selection, concrete if hasattr(concrete, "fields") else declared)
                cost, depth = cost + c, max(depth, d)
            else:
                if isinstance(selection, InlineFragmentNode):
                    condition, sub = selection.type_condition, selection.selection_set
                else:
                    assert isinstance(selection, FragmentSpreadNode)
                    fragment = self.fragments[selection.name.value]
                    condition, sub = fragment.type_condition, fragment.selection_set
                if condition is not None:
                    target = self.schema.get_type(condition.name.value)
                    applies = target is concrete or (
                        isinstance(target, GraphQLInterfaceType | GraphQLUnionType)
                        and isinstance(concrete, GraphQLObjectType)
                        and self.schema.is_sub_type(target, concrete)
                    )
                    if not applies and target is not declared:
                        continue
                c, d = self._on(sub, concrete, declared)
                cost, depth = cost + c, max(depth, d)
        return cost, depth

    def field(self, node: FieldNode, parent: Any) -> tuple[float, int]:
        name = node.name.value
        if name.startswith("__"):
            return 0.0, 0
        definition = parent.fields.get(name) if hasattr(parent, "fields") else None
        if definition is None:
            return 1.0, 1
        type_ = _named(definition.type)
        children, depth = self.selections(node.selection_set, type_)
        key = (parent.name, name)
        cost = 1.0 + (1.0 if definition.args else 0.0)
        if getattr(type_, "name", "").endswith("Connection"):
            first = _argument(node, "first", self.variables)
            pinned = _argument(node, "iid", self.variables) or _argument(node, "iids", self.variables)
            multiplier = 0.0 if pinned else MULTIPLIER.get(key, 0.01)
            size = min(int(first), MAX_PAGE_SIZE) if first is not None else MAX_PAGE_SIZE
            has_page_info = any(
                isinstance(s, FieldNode) and s.name.value == "pageInfo"
                for s in (node.selection_set.selections if node.selection_set else ())
            )
            self.connections.append((f"{parent.name}.{name}", first, has_page_info))
            if key in FIXED:
                return float(FIXED[key]), depth + 1
            return cost + children * (1 + size * multiplier), depth + 1
        if key in FIXED:
            return float(FIXED[key]), depth + 1
        return cost + children, depth + 1


def score(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None = None) -> Score:
    """GitLab's complexity and depth of *query* (the operation in it, fragments resolved)."""
    document = parse(query)
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    scorer = _Scorer(schema, fragments, variables or {})
    complexity, depth = 0.0, 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.mutation_type if definition.operation.value == "mutation" else schema.query_type
            c, d = scorer.selections(definition.selection_set, root)
            complexity, depth = complexity + c, max(depth, d)
    return Score(round(complexity), depth, tuple(scorer.connections))


def refusal(schema: GraphQLSchema, query: str, variables: dict[str, Any] | None) -> str | None:
    """GitLab's error text when it would refuse *query* before running it, else None."""
    if len(query) > MAX_QUERY_SIZE:
        return "Query too large"
    try:
        result = score(schema, query, variables)
    except Exception:  # not parseable: graphql-core reports the syntax error itself
        return None
    if result.depth > MAX_DEPTH:
        return f"Query has depth of {result.depth}, which exceeds max depth of {MAX_DEPTH}"
    if result.complexity > MAX_COMPLEXITY:
        return (
            f"Query has complexity of {result.complexity}, which exceeds max complexity of {MAX_COMPLEXITY}"
        )
    return None
