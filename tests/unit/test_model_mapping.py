"""GraphQL work items become the core model once (mapping), and fingerprints hash the model."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core.fingerprint import changed, fingerprints
from bot.core.model import Objective, objectives_of
from bot.gitlab.mapping import child_nodes, comments, is_epic, parent_of, to_objective
from tests.conftest import fixture_json
from tests.fakes import work_item


def _node() -> dict:  # type: ignore[type-arg]
    child = work_item(11, "Pilot", kind="Issue", due="2027-01-15", assignees=("dana",))
    return work_item(
        7, "Objective", labels=("SP Objective",), due="2027-06-30", start="2026-11-01", children=[child]
    )


def test_to_objective_carries_ids_urls_dates_and_children() -> None:
    objective = to_objective(_node())
    assert objective.id == "gid://gitlab/WorkItem/7" and objective.iid == 7
    assert objective.url == "https://gitlab.test/groups/am/acme/-/work_items/7"
    assert (objective.start_date, objective.due_date) == (dt.date(2026, 11, 1), dt.date(2027, 6, 30))
    assert objective.updated_at == dt.date(2026, 11, 20)
    [child] = objective.children or []
    assert (child.id, child.due_date, child.assignees) == (
        "gid://gitlab/WorkItem/11",
        dt.date(2027, 1, 15),
        ["dana"],
    )


def test_real_gitlab_work_item_response_maps() -> None:
    node = fixture_json("graphql__epic_work_item_widgets.json")["data"]["namespace"]["workItem"]
    objective = to_objective(node)
    assert objective.id == node["id"] and objective.state == "opened"
    assert len(child_nodes(node)) == len(objective.children or [])


def test_helpers_on_nodes() -> None:
    node = _node()
    assert is_epic(node) and not is_epic(None) and not is_epic(child_nodes(node)[0])
    assert comments(node) == ([], None)
    assert parent_of(None) is None


def test_objectives_of_keeps_the_labelled_epics() -> None:
    epics = [Objective(title="a", labels=["SP Objective"]), Objective(title="b")]
    assert [o.title for o in objectives_of(epics, "SP Objective")] == ["a"]


def test_fingerprints_change_with_what_the_deck_shows_only() -> None:
    before = fingerprints(to_objective(_node()))
    same = fingerprints(to_objective(_node()))
    assert changed(before, same) == set()
    retitled = _node()
    retitled["title"] = "Another title"
    assert changed(before, fingerprints(to_objective(retitled))) == {"gid://gitlab/WorkItem/7"}
    moved_child = _node()
    child_nodes(moved_child)[0]["widgets"][2]["dueDate"] = "2027-02-01"
    assert changed(before, fingerprints(to_objective(moved_child))) == {"gid://gitlab/WorkItem/11"}
    with pytest.raises(ValueError):
        fingerprints(Objective(title="from a file, no id"))
