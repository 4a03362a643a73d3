"""The objective corpus: every rule fires where it must and stays silent where it must not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli.lintinput import from_markdown, load
from bot.core.catalogue import RULES
from bot.core.checks import lint_objective, lint_plan
from bot.core.config import LintConfig

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "objectives"
EXPECTED: dict[str, dict[str, list[str]]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())
TODAY = dt.date(2026, 11, 22)
PLAN_RULES = {"plan-too-many-objectives"}


def fired(name: str) -> set[str]:
    objective = from_markdown((CORPUS / f"{name}.md").read_text(), name)
    return {f.rule for f in lint_objective(objective, LintConfig(), TODAY)}


def test_corpus_is_large_and_fully_described() -> None:
    files = {p.stem for p in CORPUS.glob("*.md")}
    assert len(files) >= 30
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_objective(name: str) -> None:
    rules = fired(name)
    expected = EXPECTED[name]
    assert set(expected["must"]) <= rules, f"{name}: missing {set(expected['must']) - rules}"
    assert not set(expected["must_not"]) & rules, f"{name}: unexpected {set(expected['must_not']) & rules}"


def test_every_rule_both_fires_and_stays_silent_in_the_corpus() -> None:
    results = {name: fired(name) for name in EXPECTED}
    for rule in set(RULES) - PLAN_RULES:
        assert any(rule in EXPECTED[n]["must"] and rule in results[n] for n in EXPECTED), (
            f"{rule} never fires"
        )
        assert any(rule in EXPECTED[n]["must_not"] and rule not in results[n] for n in EXPECTED), (
            f"{rule} is never checked to stay silent"
        )


def test_good_objectives_have_no_finding_at_all() -> None:
    for name in EXPECTED:
        if name.startswith("good-"):
            assert fired(name) == set(), name


def test_plan_rule_fires_only_for_crowded_plans() -> None:
    def plan_rules(folder: str, config: LintConfig) -> set[str]:
        plan = load(str(DATA / "plans" / folder))
        return {f.rule for f in lint_plan([s.objective for s in plan.objectives], config)}

    assert plan_rules("crowded", LintConfig()) == {"plan-too-many-objectives"}
    assert plan_rules("focused", LintConfig()) == set()
    roomy = LintConfig.model_validate({"thresholds": {"max_open_objectives": 4}})
    assert plan_rules("crowded", roomy) == set()


def test_today_is_an_input() -> None:
    objective = from_markdown((CORPUS / "good-cycle-time.md").read_text(), "x")
    assert lint_objective(objective, LintConfig(), TODAY) == []
    later = {f.rule for f in lint_objective(objective, LintConfig(), dt.date(2027, 4, 15))}
    # Only the calendar moved: every date rule that applies now fires, nothing else.
    assert later == {
        "timeline-overdue",
        "update-stale",
        "status-contradicts-dates",
        "initiative-overdue",
        "criterion-date-passed",
    }


@pytest.mark.parametrize(
    ("overrides", "check"),
    [
        ({"title-no-outcome": "off"}, lambda f: "title-no-outcome" not in {x.rule for x in f}),
        (
            {"title-no-outcome": "error"},
            lambda f: next(x for x in f if x.rule == "title-no-outcome").severity == "error",
        ),
        (
            {"owner-missing": "suggestion"},
            lambda f: next(x for x in f if x.rule == "owner-missing").severity == "suggestion",
        ),
    ],
)
def test_rules_can_be_turned_off_or_regraded(overrides: dict[str, str], check: Any) -> None:
    objective = from_markdown((CORPUS / "tool-title.md").read_text(), "x")
    objective = objective.model_copy(update={"assignees": []})
    findings = lint_objective(objective, LintConfig.model_validate({"rules": overrides}), TODAY)
    assert check(findings)
    severities = [f.severity for f in findings]
    assert severities == sorted(severities, key=["error", "warning", "suggestion"].index)


def test_labels_headings_and_thresholds_are_configurable() -> None:
    text = (CORPUS / "good-cycle-time.md").read_text()
    text = text.replace("SP Objective::Status::", "Plan Status::").replace("## Summary", "## Goal")
    objective = from_markdown(text, "x")
    default = {f.rule for f in lint_objective(objective, LintConfig(), TODAY)}
    assert {"status-label-missing", "outcome-missing"} <= default
    custom = LintConfig.model_validate(
        {
            "labels": {"objective_status": "Plan Status::"},
            "headings": {"summary": ["Goal"]},
            "thresholds": {"summary_min_words": 200, "stale_update_days": 5},
        }
    )
    rules = {f.rule for f in lint_objective(objective, custom, TODAY)}
    assert "status-label-missing" not in rules and "outcome-missing" not in rules
    assert {"outcome-too-thin", "update-stale"} <= rules


def test_docs_describe_every_rule_with_its_severity() -> None:
    docs = (Path(__file__).parent.parent / "docs" / "rules.md").read_text()
    for rule in RULES.values():
        section = docs.split(f"## `{rule.id}`", 1)[1].split("\n## `", 1)[0]
        assert f"**Default severity:** {rule.severity}" in section
        assert "Fails:" in section and "Passes:" in section
