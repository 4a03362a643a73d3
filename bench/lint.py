"""Lint throughput on one core: a generated plan of 1,000 objectives with 10 initiatives each.

Run: ``python -m bench.lint [--objectives N]``. Goal: at least 2,000 objectives/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import time
from pathlib import Path

from bot.core.checks import lint_objective, lint_plan
from bot.core.config import LintConfig
from bot.core.model import Initiative, Objective

CRITERIA = [
    "Cycle time from {a} days (Jan 2026) to {b} days by 2027-06-30",
    "{a}% of projects run SAST by 2027-03-31",
    "Improve reliability",
    "Decommission the {a} Jenkins controllers",
    "All new projects use the golden pipeline template",
]


def objective(n: int, rng: random.Random) -> Objective:
    criteria = "\n".join(
        "- " + rng.choice(CRITERIA).format(a=rng.randint(10, 90), b=rng.randint(1, 9))
        for _ in range(rng.randint(1, 4))
    )
    description = (
        f"## Summary\nCustomer {n} wants to ship weekly instead of monthly so that regulatory fixes "
        f"reach production before audits, which today cost them {n} findings a year.\n\n"
        f"## Success Criteria\n{criteria}\n\n"
        f"## Updates\n- 2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}: progress review held.\n"
        f"- 2026-03-02: kickoff.\n"
    )
    children = [
        Initiative(
            title=f"Initiative {n}.{i}",
            due_date=dt.date(2027, rng.randint(1, 12), 1) if rng.random() > 0.2 else None,
            assignees=["dri"] if rng.random() > 0.2 else [],
            labels=["SP Initiative::Status::On Track"] if rng.random() > 0.2 else [],
        )
        for i in range(10)
    ]
    return Objective(
        title=rng.choice(["GitLab CI", f"Reduce cycle time for team {n}"]),
        description=description,
        labels=["SP Objective", "SP Objective::Status::On Track", "UseCase::CI"],
        due_date=dt.date(2027, rng.randint(1, 12), 15),
        start_date=dt.date(2026, 6, 1),
        assignees=["csm"] if rng.random() > 0.1 else [],
        children=children,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--objectives", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(42)
    plan = [objective(n, rng) for n in range(args.objectives)]
    config, today = LintConfig(), dt.date(2026, 11, 22)
    best = float("inf")
    findings = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        findings = sum(len(lint_objective(o, config, today)) for o in plan)
        findings += len(lint_plan(plan, config))
        best = min(best, time.perf_counter() - started)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"{args.objectives} objectives x 10 initiatives: best of {args.repeat} runs {best * 1000:.0f} ms, "
        f"{args.objectives / best:,.0f} objectives/s on one core ({findings} findings)"
    )
    corpus_accuracy()


def corpus_accuracy() -> None:
    """False positives and negatives on the rule corpus (tests/data/objectives, with its expectations)."""
    import yaml

    from bot.cli.lintinput import from_markdown

    folder = Path(__file__).parent.parent / "tests" / "data" / "objectives"
    expected = yaml.safe_load((folder / "expected.yaml").read_text(encoding="utf-8"))
    config, today = LintConfig(), dt.date(2026, 11, 22)
    false_positives = false_negatives = 0
    for name, want in expected.items():
        objective = from_markdown((folder / f"{name}.md").read_text(encoding="utf-8"), name)
        fired = {f.rule for f in lint_objective(objective, config, today)}
        false_positives += len(fired & set(want["must_not"]))
        false_negatives += len(set(want["must"]) - fired)
    print(
        f"corpus of {len(expected)} objectives: {false_positives} false positives, "
        f"{false_negatives} false negatives"
    )


if __name__ == "__main__":
    main()
