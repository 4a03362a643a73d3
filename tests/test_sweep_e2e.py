"""The calendar moves a plan nobody edits: swept as of a later day, through the simulator."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.core.comment import MARKER
from bot.jobs.sweep import sweep
from bot.service import Service, running
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.sim.app import make_app
from bot.sim.model import GitLab
from bot.sim.rest import GL
from tests.conftest import SECRET

LABELS = ["SP Objective", "SP Objective::Status::On Track", "Verifiable Outcome::Accepted", "UseCase::CI"]


def objective(title: str, owner: str, due: str, criterion: str, initiative_due: str) -> dict[str, Any]:
    return {
        "title": title,
        "labels": LABELS,
        "assignees": [owner],
        "due_date": due,
        "description": (
            "## Summary\nThe platform team ships once a month because releases need manual sign-off, "
            "and they want weekly releases so customer fixes arrive before the quarterly audit.\n\n"
            f"## Success Criteria\n- {criterion}\n\n## Updates\n- 2026-11-20: kickoff done with the team.\n"
        ),
        "initiatives": [
            {
                "project": "plan",
                "title": f"First step for {title}",
                "due_date": initiative_due,
                "assignees": ["ivan.dri"],
                "labels": ["SP Initiative::Status::On Track"],
            }
        ],
    }


PLAN = {
    "bot": {"username": "success-plan-bot", "token": "bot-token"},
    "users": [{"username": u} for u in ("ann.a", "bob.b", "cat.c", "ivan.dri")]
    + [{"username": "dana.csm", "token": "csm-token"}],
    "groups": [
        {"path": "cs", "owners": ["dana.csm"], "members": {"success-plan-bot": 30}},
        {
            "path": "cs/acme",
            "projects": [{"path": "plan"}, {"path": "deck", "trigger_tokens": ["glptt"]}],
            "objectives": [
                objective(
                    "Cut release time for the A team",
                    "ann.a",
                    "2026-12-10",
                    "Cycle time from 10 days (Jan 2026) to 7 days by 2027-06-30",
                    "2027-03-15",
                ),
                objective(
                    "Cut release time for the B team",
                    "bob.b",
                    "2027-06-30",
                    "Cycle time from 10 days (Jan 2026) to 7 days by 2027-06-30",
                    "2026-12-05",
                ),
                objective(
                    "Cut release time for the C team",
                    "cat.c",
                    "2027-06-30",
                    "Cycle time from 10 days (Jan 2026) to 7 days by 2026-12-01",
                    "2027-03-15",
                ),
            ],
        },
    ],
}
CONFIG = FileConfig(
    groups=[TrackedGroup(path="cs/acme", deck=DeckProject(project="cs/acme/deck", trigger_token_env="TT"))]
)


@pytest.fixture
async def gitlab(aiohttp_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> TestClient[Any, Any]:
    monkeypatch.setenv("TT", "glptt")
    client: TestClient[Any, Any] = await aiohttp_client(make_app(GitLab("http://gitlab.test"), PLAN))
    return client


def settings(gitlab: TestClient[Any, Any], tmp_path: Path) -> Settings:
    return Settings(
        webhook_secret=SECRET,
        gitlab_url=str(gitlab.make_url("")).rstrip("/"),
        gitlab_token="bot-token",
        bot_username="success-plan-bot",
        data_dir=tmp_path,
        reconcile_interval_seconds=0,
        rebuild_window_seconds=0.2,
        _env_file=None,
    )


async def settle(service: Service) -> None:
    for _ in range(400):
        jobs = await service.store.list_jobs(limit=10_000)
        if not [j for j in jobs if j.state == "running" or (j.state == "pending" and j.kind != "sweep")]:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("never settled")


def writes(gitlab: TestClient[Any, Any], since: int) -> list[str]:
    from bot.sim.app import CONTROL

    log = gitlab.server.app[CONTROL].requests[since:]
    return [
        e["operation"] or e["path"]
        for e in log
        if e.get("operation") in ("CreateNote", "UpdateNote", "DestroyNote")
        or (e["method"] == "POST" and "pipeline" in e["path"])
    ]


def notes(gitlab: TestClient[Any, Any], iid: int) -> tuple[list[Any], list[Any]]:
    gl = gitlab.server.app[GL]
    all_notes = gl.notes_of(gl.item_by_iid("cs/acme", iid))
    return [n for n in all_notes if MARKER in n.body], [
        n for n in all_notes if "success-plan-bot:nudge" in n.body
    ]


async def test_a_plan_nobody_edits_moves_with_the_calendar(
    gitlab: TestClient[Any, Any], tmp_path: Path
) -> None:
    from bot.sim.app import CONTROL

    async with running(settings(gitlab, tmp_path), CONFIG) as service:
        await sweep(service.context, dt.date(2026, 11, 23))
        await settle(service)
        assert all(notes(gitlab, n) == ([], []) for n in (1, 2, 3))  # clean then: no comment at all

        first_seen = len(gitlab.server.app[GL].pipelines)  # the bot's first look at the plan
        await sweep(service.context, dt.date(2027, 1, 20))
        await settle(service)
        expected = {
            1: {"timeline-overdue", "status-contradicts-dates"},
            2: {"initiative-overdue"},
            3: {"criterion-date-passed"},
        }
        owners = {1: "ann.a", 2: "bob.b", 3: "cat.c"}
        for iid, rules in expected.items():
            [comment], [nudge] = notes(gitlab, iid)
            for rule in rules:
                assert f"#{rule})" in comment.body, (iid, rule)
            mentioned = {word.strip(":,.") for word in nudge.body.split() if word.startswith("@")}
            assert mentioned == {f"@{owners[iid]}"}  # the assignees, nobody else (not the initiative's DRI)
            assert nudge.internal is True
        assert len(gitlab.server.app[GL].pipelines) == first_seen + 1  # the deck moved with the calendar

        mark = len(gitlab.server.app[CONTROL].requests)
        await sweep(service.context, dt.date(2027, 1, 20))
        await settle(service)
        assert writes(gitlab, mark) == []  # the same sweep again: no write, no new note

    async with running(settings(gitlab, tmp_path), CONFIG) as restarted:  # a restart, a replica
        mark = len(gitlab.server.app[CONTROL].requests)
        for _ in range(2):
            await sweep(restarted.context, dt.date(2027, 1, 21))
            await settle(restarted)
        assert [n for n in (1, 2, 3) if len(notes(gitlab, n)[1]) != 1] == []
        assert writes(gitlab, mark) == []
