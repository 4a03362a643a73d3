"""Every GraphQL document the bot can send: valid against GitLab's real schema, well within its limits."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import parse, validate

from bot.gitlab.documents import DOCUMENTS
from bot.sim.limits import MAX_DEPTH, MAX_PAGE_SIZE, MAX_QUERY_SIZE, score

# Headroom: GitLab refuses over 250; the bot's documents stay at 200 or less as they grow.
BUDGET = 200
# Connections read without paging, on purpose: a thread's first note is the comment itself, and
# GitLab's page of 100 holds every label and assignee a success-plan epic has.
UNPAGED = {"Discussion.notes", "WorkItemWidgetLabels.labels", "WorkItemWidgetAssignees.assignees"}


def _schema(full_schema: Any) -> Any:
    if full_schema is None:
        pytest.skip("GitLab's schema is not beside this checkout (in CI its absence fails)")
    return full_schema


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_document_validates_and_scores_within_gitlabs_limits(name: str, full_schema: Any) -> None:
    schema = _schema(full_schema)
    document = DOCUMENTS[name]
    assert validate(schema, parse(document)) == []
    result = score(schema, document)
    assert result.complexity <= BUDGET, f"{name} scores {result.complexity}"
    assert result.depth <= MAX_DEPTH and len(document) <= MAX_QUERY_SIZE
    for connection, first, paged in result.connections:
        assert first is not None and first <= MAX_PAGE_SIZE, f"{name}: {connection} asks for {first}"
        assert paged or connection in UNPAGED, f"{name}: {connection} can overflow a page without pageInfo"


def test_the_calculator_follows_gitlabs_rules(full_schema: Any) -> None:
    schema = _schema(full_schema)
    # namespace (1 + resolver) > workItem (1 + resolver) > id: 5.
    assert score(schema, 'query { namespace(fullPath: "a") { workItem(iid: "1") { id } } }').complexity == 5
    # A connection of 100 doubles its children: workItems 2 + 2 x (nodes 1 + id 1) = 6, plus namespace 2.
    assert (
        score(
            schema, 'query { namespace(fullPath: "a") { workItems(first: 100) { nodes { id } } } }'
        ).complexity
        == 8
    )
    # Pinned by iid: no multiplier.
    pinned = 'query { namespace(fullPath: "a") { workItems(iid: "1", first: 100) { nodes { id } } } }'
    assert score(schema, pinned).complexity == 6
