"""Measurability: quantities, quantifiers and completions pass; directions alone do not."""

from __future__ import annotations

import pytest

from bot.core.measurable import has_baseline, has_numeric_target, is_measurable


@pytest.mark.parametrize(
    "text",
    [
        "90% of projects run SAST",
        "Cycle time from 10 days (Jan 2026) to 7 days by 2026-06-30",
        "MTTR under 2 hours",
        "Reviewer ratio of 1:3",
        "Twelve teams onboarded",
        "Deployment frequency doubles",
        "All new projects use the shared pipeline template",
        "Every production deploy goes through an approval rule",
        "None of the projects store secrets in CI variables unmasked",
        "Replace Jenkins with GitLab CI",
        "Decommission the Bitbucket server by Q3 2026",
        "Retire the legacy artifact registry",
        "Migrate the payments monorepo to GitLab",
        "Zero critical vulnerabilities older than 30 days",
    ],
)
def test_measurable(text: str) -> None:
    assert is_measurable(text)


@pytest.mark.parametrize(
    "text",
    [
        "Increase CI usage",
        "Improve reliability",
        "Improve reliability for every service",
        "Reduce build times by Q2 2026",
        "Better developer experience by 2027-01-31",
        "Grow adoption across the organisation in FY2027",
    ],
)
def test_not_measurable(text: str) -> None:
    assert not is_measurable(text)


def test_dates_are_not_targets_and_baselines_are_recognised() -> None:
    assert not has_numeric_target("Retire Jenkins by 2026-06-30")
    assert has_numeric_target("Pipelines under 15 minutes by 2026-06-30")
    assert has_baseline("from 10 days to 7 days")
    assert has_baseline("currently 40%, target 90%")
    assert not has_baseline("90% of projects by 2026-12-31")
