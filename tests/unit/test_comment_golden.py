"""The guidance comment for each demo objective, as a CSM reads it: reviewed golden files.

Set ``UPDATE_GOLDEN=1`` to write them again after a deliberate change of wording, then review
the diff like any other change to the product's text.
"""

from __future__ import annotations

import datetime as dt
import os
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.core.catalogue import RULES
from bot.core.checks import lint_objective
from bot.core.comment import lines, render
from bot.core.config import LintConfig
from bot.core.model import Initiative, Objective
from bot.templating import environment

GOLDEN = Path(__file__).parent.parent / "golden"
TODAY = dt.date(2026, 12, 1)
TEMPLATE_URL = "https://handbook.gitlab.com/handbook/customer-success/csm/success-plans/"


def _item(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": spec["title"],
        "description": spec.get("description", ""),
        "labels": spec.get("labels", []),
        "assignees": spec.get("assignees", []),
        "start_date": spec.get("start_date"),
        "due_date": spec.get("due_date"),
        "state": spec.get("state", "opened"),
    }


def demo_objectives() -> list[Objective]:
    plan = yaml.safe_load(files("bot.sim").joinpath("demo_plan.yaml").read_text(encoding="utf-8"))
    specs = next(g for g in plan["groups"] if g.get("objectives"))["objectives"]
    return [
        Objective(**_item(o), children=[Initiative(**_item(i)) for i in o.get("initiatives", [])])
        for o in specs
    ]


@pytest.mark.parametrize("n", [1, 2, 3])
def test_demo_comment_matches_its_reviewed_golden_file(n: int) -> None:
    objective = demo_objectives()[n - 1]
    findings = lint_objective(objective, LintConfig(), TODAY)
    body = render(findings, template_url=TEMPLATE_URL, env=environment())
    golden = GOLDEN / f"comment-objective-{n}.md"
    if os.environ.get("UPDATE_GOLDEN") == "1" or not golden.exists():
        golden.write_text(body, encoding="utf-8")
    assert body == golden.read_text(encoding="utf-8")
    assert len(body) <= 2500, f"objective {n}: {len(body)} characters"


def test_an_untouched_template_is_one_line_listing_its_places() -> None:
    template = demo_objectives()[2]
    merged = {
        line.rule: line for line in lines(lint_objective(template, LintConfig(), TODAY), "https://d.test")
    }
    placeholder = merged["outcome-placeholder"]
    assert placeholder.found == "In Summary, Success Criteria and Updates."


def test_every_rule_has_an_example_and_a_docs_link() -> None:
    docs = (Path(__file__).parent.parent.parent / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule in RULES.values():
        assert rule.example, rule.id
        assert f"## `{rule.id}`" in docs  # the anchor the comment links to


def test_hints_fit_the_objective() -> None:
    template = demo_objectives()[2]  # not started: the outcome is still a proposal
    findings = {f.rule: f for f in lint_objective(template, LintConfig(), TODAY)}
    assert "Verifiable Outcome::Proposed" in findings["outcome-label-missing"].hint
    closed = template.model_copy(
        update={"state": "closed", "labels": ["SP Objective::Status::Closed Success"]}
    )
    hint = next(
        f.hint for f in lint_objective(closed, LintConfig(), TODAY) if f.rule == "outcome-label-missing"
    )
    assert "Verifiable Outcome::Verified" in hint
    half = Objective(
        title="x",
        children=[Initiative(title="Pilot", due_date=TODAY, labels=["SP Initiative::Status::On Track"])],
    )
    [incomplete] = [f for f in lint_objective(half, LintConfig(), TODAY) if f.rule == "initiative-incomplete"]
    assert incomplete.hint.startswith("Give it an assignee")
    assert "due date" not in incomplete.hint.split("(")[0]  # never what it already has
