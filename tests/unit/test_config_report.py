"""Lint configuration and the lint report (pure)."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from bot.core.catalogue import RULES
from bot.core.checks import lint_objective
from bot.core.config import LintConfig
from bot.core.model import Objective
from bot.core.report import Result, as_json, as_text


def test_rule_overrides_know_the_catalogue() -> None:
    config = LintConfig.model_validate(
        {"rules": {"title-no-outcome": False, "criteria-no-baseline": "error"}}
    )
    assert config.rules == {"title-no-outcome": "off", "criteria-no-baseline": "error"}
    with pytest.raises(ValidationError, match="unknown rule id 'no-such-rule'"):
        LintConfig.model_validate({"rules": {"no-such-rule": "off"}})


def test_overrides_drop_and_regrade_findings() -> None:
    empty = Objective(title="GitLab CI")
    default = {f.rule: f.severity for f in lint_objective(empty, LintConfig(), dt.date(2026, 12, 1))}
    assert default["title-no-outcome"] == "suggestion"
    config = LintConfig.model_validate(
        {"rules": {"title-no-outcome": "off", "usecase-label-missing": "error"}}
    )
    tuned = {f.rule: f.severity for f in lint_objective(empty, config, dt.date(2026, 12, 1))}
    assert "title-no-outcome" not in tuned and tuned["usecase-label-missing"] == "error"


def test_report_text_and_json() -> None:
    findings = lint_objective(Objective(title="GitLab CI"), LintConfig(), dt.date(2026, 12, 1))
    results = [Result("a.md", "GitLab CI", findings)]
    text = as_text(results)
    assert text.splitlines()[0] == "GitLab CI  (a.md)"
    assert RULES["owner-missing"].title in text and "1 objective checked: 0 ready, 1 need work" in text
    [entry] = as_json(results)
    assert {f["rule"] for f in entry["findings"]} == {f.rule for f in findings}
