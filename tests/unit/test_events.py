"""Webhook payload models and the domain events derived from them (pure)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.core.events import group_from_url, hook_objective, interpret, parse_payload
from tests.conftest import fixture_json


def test_labelled_epic_becomes_an_objective_change() -> None:
    hook = parse_payload("Issue Hook", fixture_json("issue_hook__epic_objective_labelled.json"))
    event = interpret(hook, bot_username="success-plan-bot", objective_label="SP Objective")
    assert (event.kind, event.group, event.iid) == ("objective_changed", "acme-corp/success-plan", 3)


def test_epic_without_the_label_now_or_before_is_ignored() -> None:
    hook = parse_payload("Issue Hook", fixture_json("issue_hook__epic_created.json"))
    event = interpret(hook, bot_username=None, objective_label="SP Objective")
    assert event.kind == "ignored" and event.reason == "epic is not an objective"


def test_an_epic_with_the_goals_label_is_a_plan_change_too() -> None:
    data = fixture_json("issue_hook__epic_objective_labelled.json")
    data["labels"] = [{**label, "title": "SP Goals"} for label in data["labels"][:1]]
    data.get("changes", {}).pop("labels", None)
    hook = parse_payload("Issue Hook", data)
    assert interpret(hook, bot_username=None, objective_label="SP Objective").kind == "ignored"
    event = interpret(hook, bot_username=None, objective_label="SP Objective", goals_label="SP Goals")
    assert (event.kind, event.group, event.iid) == ("objective_changed", "acme-corp/success-plan", 3)


def test_the_bots_own_events_and_comments_are_ignored() -> None:
    data = fixture_json("issue_hook__epic_objective_labelled.json")
    own = interpret(
        parse_payload("Issue Hook", data), bot_username=data["user"]["username"], objective_label="x"
    )
    assert own.reason == "caused by the bot's own user"
    note = parse_payload("Note Hook", fixture_json("note_hook__issue_comment.json"))
    assert interpret(note, bot_username=None, objective_label="x").reason == "comments do not change a plan"
    assert parse_payload("Push Hook", {}) is None


def test_issue_becomes_an_initiative_change_of_its_project() -> None:
    hook = parse_payload("Issue Hook", fixture_json("issue_hook__issue_updated.json"))
    event = interpret(hook, bot_username=None, objective_label="SP Objective")
    assert event.kind == "initiative_changed"
    assert event.project and event.group == event.project.rpartition("/")[0]


def test_wrong_shape_of_a_known_kind_raises() -> None:
    with pytest.raises(ValidationError):
        parse_payload("Issue Hook", {"object_kind": "issue", "object_attributes": {"iid": "x"}})


def test_group_from_url_reads_nested_groups_and_rejects_projects() -> None:
    assert group_from_url("https://gl.test/groups/a/b/c/-/work_items/12") == ("a/b/c", 12)
    assert group_from_url("https://gl.test/groups/a/-/epics/4") == ("a", 4)
    assert group_from_url("https://gl.test/a/b/-/issues/4") is None
    assert group_from_url(None) is None


def test_hook_objective_keeps_what_the_payload_says() -> None:
    hook = parse_payload("Issue Hook", fixture_json("issue_hook__epic_objective_labelled.json"))
    assert hook is not None and not isinstance(hook, type(None))
    objective = hook_objective(hook)  # type: ignore[arg-type]
    assert objective.title and objective.labels == ["SP Objective"]
    assert objective.children is None  # a payload carries no children
    assert objective.url and objective.url.endswith("/work_items/3")
