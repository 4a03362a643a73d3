"""Every request any command makes, recorded by the simulator and held to GitLab's real limits.

The commands run as real processes (``hook register/status/test``, ``--replay-failed``,
``reconcile``, ``deck build``, ``lint --group``) and ``serve`` reacts to a CSM's edits; then each
recorded request must validate against GitLab's schema, score within its complexity limit, keep
``per_page`` within range, ask for ``pageInfo`` on every connection that can overflow, and send
at most 5 resends a minute.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from graphql import parse, validate

from bot.service import Service, running
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.sim.app import CONTROL, make_app
from bot.sim.limits import MAX_COMPLEXITY, MAX_PAGE_SIZE, score
from bot.sim.model import GitLab
from bot.sim.rest import DISPATCHER, GL
from bot.web.edge import make_app as make_bot_app
from tests.conftest import SECRET
from tests.proc import bot_env
from tests.test_documents import UNPAGED

INITIATIVES = 150
PLAN: dict[str, Any] = {
    "bot": {"username": "success-plan-bot", "token": "bot-token"},
    "users": [{"username": "dana.csm", "token": "csm-token"}],
    "groups": [
        {"path": "am", "owners": ["dana.csm"], "members": {"success-plan-bot": 30}},
        {
            "path": "am/acme",
            "projects": [{"path": "plan"}, {"path": "deck", "trigger_tokens": ["glptt-acme"]}],
            "objectives": [
                {
                    "title": "Migrate 150 services to GitLab CI",
                    "labels": ["SP Objective"],
                    "initiatives": [{"project": "plan", "title": f"Service {n}"} for n in range(INITIATIVES)],
                },
                {"title": "GitLab CI", "labels": ["SP Objective"]},
            ],
        },
    ],
}


@pytest.fixture
async def world(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[TestServer, Service, dict[str, str]]]:
    monkeypatch.setenv("ACME_TT", "glptt-acme")
    sim = TestServer(make_app(GitLab("http://gitlab.test"), PLAN))
    await sim.start_server()
    gitlab_url = str(sim.make_url("")).rstrip("/")
    settings = Settings(
        webhook_secret=SECRET,
        gitlab_url=gitlab_url,
        gitlab_token="bot-token",
        bot_username="success-plan-bot",
        data_dir=tmp_path,
        rebuild_window_seconds=0.2,
        reconcile_interval_seconds=0,
        _env_file=None,
    )
    config = FileConfig(
        groups=[
            TrackedGroup(
                path="am/acme", deck=DeckProject(project="am/acme/deck", trigger_token_env="ACME_TT")
            )
        ]
    )
    async with running(settings, config) as service:
        bot = TestServer(make_bot_app(service.edge))
        await bot.start_server()
        env = bot_env(
            tmp_path,
            1,
            BOT_GITLAB_URL=gitlab_url,
            BOT_GITLAB_TOKEN="csm-token",
            BOT_WEBHOOK_SECRET=SECRET,
            BOT_BOT_USERNAME="success-plan-bot",
            BOT_HOOK_URL=str(bot.make_url("/webhook")),
        )
        yield sim, service, env
        await bot.close()
    await sim.close()


async def run(env: dict[str, str], *args: str, token: str | None = None) -> tuple[int, str, str]:
    """``python -m bot ARGS`` as a process, while this loop keeps serving the simulator."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**env, **({"BOT_GITLAB_TOKEN": token} if token else {})},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def settle(sim: TestServer, service: Service) -> None:
    for _ in range(400):
        await sim.app[DISPATCHER].settle()
        jobs = await service.store.list_jobs(limit=100_000)
        if not [j for j in jobs if j.state in ("pending", "running")]:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("never settled")


async def test_every_request_of_every_command_keeps_to_gitlabs_limits(
    world: tuple[TestServer, Service, dict[str, str]], full_schema: Any, tmp_path: Path
) -> None:
    if full_schema is None:
        pytest.skip("GitLab's schema is not beside this checkout (in CI its absence fails)")
    sim, service, env = world
    gl = sim.app[GL]
    gl.limits["web_hook_event_resend"] = (5, 60.0)

    code, out, err = await run(env, "hook", "register", "--group", "am", "--url", env["BOT_HOOK_URL"])
    assert code == 0, err
    assert "warning" not in err  # the bot's user is a member
    csm = gl.user_by_name("dana.csm")
    big, small = gl.item_by_iid("am/acme", 1), gl.item_by_iid("am/acme", 2)
    # serve reacts to a CSM's edits
    gl.update_item(big, csm, title="Migrate 150 services to GitLab CI by June")
    gl.update_item(small, csm, description="## Summary\n[TBD]")
    await settle(sim, service)
    # GitLab fails three deliveries while the bot is away, then they are replayed
    service.edge.shutting_down = True
    for n in range(3):
        gl.update_item(small, csm, title=f"GitLab CI, take {n}")
        await sim.app[DISPATCHER].settle()
    service.edge.shutting_down = False
    code, out, err = await run(env, "hook", "status", "--group", "am", "--replay-failed", "--format", "json")
    assert json.loads(out)["replayed"] == {"sent": 3, "failed": 0, "left": 0, "errors": []}, err
    await settle(sim, service)
    code, out, err = await run(env, "hook", "test", "--group", "am")
    assert code == 0, err
    reader = {"BOT_GITLAB_TOKEN": "bot-token"}
    code, out, err = await run(
        {**env, **reader}, "reconcile", "--group", "am/acme", "--since", "1h", "--format", "json"
    )
    assert code == 0, err
    code, out, err = await run(
        {**env, **reader}, "deck", "build", "--group", "am/acme", "--out", str(tmp_path / "deck")
    )
    assert code == 0, err
    assert f"2 objectives, {2 + INITIATIVES} items" in out  # the 150 initiatives were read whole
    code, out, err = await run({**env, **reader}, "lint", "--group", "am/acme", "--format", "json")
    assert code == 1, err  # errors found: the objectives are unfinished
    lint = json.loads(out)
    big_findings = next(r for r in lint if r["title"].startswith("Migrate"))["findings"]
    assert sum(1 for f in big_findings if f["rule"] == "initiative-incomplete") == INITIATIVES
    await settle(sim, service)

    log = sim.app[CONTROL].requests
    assert len(log) > 20
    resends: list[float] = []
    for entry in log:
        where = f"{entry['method']} {entry['path']} {entry.get('operation')}"
        if entry.get("query"):
            assert validate(full_schema, parse(entry["query"])) == [], where
            result = score(full_schema, entry["query"], entry.get("variables") or {})
            assert result.complexity <= MAX_COMPLEXITY, f"{where}: complexity {result.complexity}"
            for connection, first, paged in result.connections:
                assert first is not None and first <= MAX_PAGE_SIZE, f"{where}: {connection} first={first}"
                assert paged or connection in UNPAGED, f"{where}: {connection} without pageInfo"
        per_page = entry["params"].get("per_page")
        if per_page is not None:
            limit = 20 if entry["path"].endswith("/events") else 100
            assert 1 <= int(per_page) <= limit, f"{where}: per_page={per_page}"
        if entry["path"].endswith("/resend"):
            resends.append(entry["at"])
        assert entry["status"] is None or entry["status"] < 500, where
    assert len(resends) == 3
    assert all(sum(1 for t in resends if s <= t < s + 60) <= 5 for s in resends)
    assert [e for e in log if e["status"] in (400, 429)] == []  # nothing GitLab would refuse
    bot_user = gl.user_by_name("success-plan-bot")
    assert len([n for n in gl.notes_of(big) if n.author_id == bot_user.id]) == 1
