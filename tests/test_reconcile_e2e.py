"""Reconciliation through the simulator: what GitLab dropped is found, checked once, and rebuilt once."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient

from bot.jobs.reconcile import CHECKPOINTS, parse_duration, reconcile_group, schedule_now
from bot.service import running
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.sim.app import make_app
from bot.sim.model import GitLab
from bot.sim.rest import GL
from tests.proc import bot_env, free_port, start
from tests.test_rebuilds_e2e import GOOD, idle, pipelines, settings_for, start_bot

GROUPS = {"cs/acme": 4, "cs/globex": 3, "cs/initech": 3}


def plan() -> dict[str, Any]:
    return {
        "admin": {"username": "root", "token": "admin-token"},
        "bot": {"username": "success-plan-bot", "token": "bot-token"},
        "users": [{"username": "dana.csm", "token": "csm-token"}],
        "groups": [{"path": "cs", "owners": ["dana.csm"], "members": {"success-plan-bot": 30}}]
        + [
            {
                "path": g,
                "projects": [{"path": "plan"}, {"path": "deck", "trigger_tokens": ["glptt"]}],
                "objectives": [
                    {
                        "title": f"Objective {n} at {g}",
                        "labels": GOOD,
                        "due_date": "2027-03-31",
                        "initiatives": [{"project": "plan", "title": f"Initiative {n}"}],
                    }
                    for n in range(count)
                ],
            }
            for g, count in GROUPS.items()
        ],
    }


def config() -> FileConfig:
    return FileConfig(
        groups=[
            TrackedGroup(path=g, deck=DeckProject(project=f"{g}/deck", trigger_token_env="DECK"))
            for g in GROUPS
        ]
    )


@pytest.fixture
async def gitlab(aiohttp_client: Callable[..., Any], monkeypatch: pytest.MonkeyPatch) -> TestClient[Any, Any]:
    monkeypatch.setenv("DECK", "glptt")
    client: TestClient[Any, Any] = await aiohttp_client(make_app(GitLab("http://gitlab.test"), plan()))
    return client


def test_durations() -> None:
    assert parse_duration("90m") == dt.timedelta(minutes=90)
    assert parse_duration("7d") == dt.timedelta(days=7)
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration("soon")


async def test_dropped_webhooks_are_found_by_one_reconcile_and_not_twice(
    gitlab: TestClient[Any, Any], tmp_path: Path
) -> None:
    settings = settings_for(gitlab, tmp_path, rebuild_window_seconds=0.5)
    async with running(settings, config()) as service:
        server = await start_bot(gitlab, service)
        await gitlab.post("/-/sim/faults", json={"drop_webhooks": True, "count": 10})
        gl = gitlab.server.app[GL]
        csm = gl.user_by_name("dana.csm")
        for group, count in GROUPS.items():
            for iid in range(1, count + 1):
                gl.update_item(gl.item_by_iid(group, iid), csm, title=f"Reduce cycle time, objective {iid}")
        await idle(gitlab, service)
        assert await service.store.list_jobs() == []  # GitLab dropped all ten
        assert service.context.gitlab is not None
        reports = [
            await reconcile_group(
                service.context.gitlab, service.store, service.context.config, service.context.jobs, g
            )
            for g in GROUPS
        ]
        assert sum(len(r.objectives) for r in reports) == 10
        await idle(gitlab, service)
        for _ in range(100):
            if len(pipelines(gitlab)) == 3 and not await service.store.list_jobs("pending"):
                break
            await asyncio.sleep(0.1)
        checked = await service.store.list_jobs("done", kind="objective")
        assert len(checked) == 10
        assert all(j.result["comment"] == "created" for j in checked)  # each has findings to report
        assert sorted(p.variables["SUCCESS_PLAN_GROUP"] for p in pipelines(gitlab)) == sorted(GROUPS)
        assert len({n.item_id for n in gl.notes.values()}) == 10

        again = [
            await reconcile_group(
                service.context.gitlab, service.store, service.context.config, service.context.jobs, g
            )
            for g in GROUPS
        ]
        await idle(gitlab, service)
        await asyncio.sleep(1.0)
        assert [r.objectives for r in again] == [[], [], []]
        assert len(await service.store.list_jobs("done", kind="objective")) == 10
        assert len(pipelines(gitlab)) == 3
        checkpoints = await service.store.get_values(CHECKPOINTS)
        assert set(checkpoints) == set(GROUPS)
        await server.close()


async def test_serve_reconciles_at_start_and_reschedules(
    gitlab: TestClient[Any, Any], tmp_path: Path
) -> None:
    settings = settings_for(gitlab, tmp_path, reconcile_interval_seconds=600)
    async with running(settings, config()) as service:
        await schedule_now(service.store)
        await schedule_now(
            service.store
        )  # a second replica starting: joins or queues one more, never two at once
        for _ in range(200):
            waiting = await service.store.list_jobs("pending", kind="reconcile")
            if waiting and waiting[0].run_at > time.time() + 500:
                break
            await asyncio.sleep(0.05)
        done = await service.store.list_jobs("done", kind="reconcile")
        assert 1 <= len(done) <= 2
        assert done[-1].result["groups"] == GROUPS  # the first run queued every objective changed lately
        [next_run] = await service.store.list_jobs("pending", kind="reconcile")
        assert 590 < next_run.run_at - done[0].updated_at <= 601


def test_reconcile_cli(tmp_path: Path) -> None:
    seed = tmp_path / "plan.yaml"
    seed.write_text(yaml.safe_dump(plan()))
    port = free_port()
    sim = start(["sim", "--seed", str(seed), "--port", str(port)], bot_env(tmp_path, 1), tmp_path / "sim.log")
    try:
        env = bot_env(tmp_path, 1, BOT_GITLAB_URL=f"http://127.0.0.1:{port}", BOT_GITLAB_TOKEN="bot-token")
        config_file = tmp_path / "bot.yaml"
        config_file.write_text(yaml.safe_dump({"groups": [{"path": g} for g in GROUPS]}))
        env["BOT_CONFIG"] = str(config_file)
        for _ in range(100):
            if "simulator on" in (tmp_path / "sim.log").read_text():
                break
            time.sleep(0.1)
        result = subprocess.run(
            [sys.executable, "-m", "bot", "reconcile", "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        reports = json.loads(result.stdout)
        # One query through the groups' common ancestor covers all three.
        [report] = reports
        assert report["group"] == "cs"
        per_group = {g: sum(1 for o in report["objectives"] if o.startswith(g + "#")) for g in GROUPS}
        assert per_group == GROUPS
        again = subprocess.run(
            [sys.executable, "-m", "bot", "reconcile"], env=env, capture_output=True, text=True
        )
        assert again.returncode == 0 and again.stdout.count("queued 0 objective check(s)") == 1
        bad = subprocess.run(
            [sys.executable, "-m", "bot", "reconcile", "--since", "soon"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert bad.returncode == 2 and bad.stderr.startswith("error: --since: not a duration")
    finally:
        sim.terminate()
        sim.wait(timeout=10)


async def test_a_disabled_hook_shows_in_the_log_and_metrics_within_one_reconcile(
    sim: TestClient[Any, Any], tmp_path: Path, aiohttp_client: Callable[..., Any]
) -> None:
    import structlog

    from bot.jobs.reconcile import handle_reconcile, reconcile_job
    from bot.store.base import Job
    from bot.web.edge import make_app

    gl = sim.server.app[GL]
    gl.group("am").members[gl.user_by_name("success-plan-bot").id] = 50  # reading hooks takes Owner
    resp = await sim.post(
        "/api/v4/groups/am/hooks",
        headers={"PRIVATE-TOKEN": "csm-token"},
        json={"url": "https://bot.test/webhook", "name": "success-plan-bot", "issues_events": True},
    )
    assert resp.status == 201
    hook = next(iter(gl.hooks.values()))
    hook.disabled_until = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=10)  # after 4 failures
    settings = Settings(
        gitlab_url=str(sim.make_url("")).rstrip("/"),
        gitlab_token="bot-token",
        data_dir=tmp_path,
        reconcile_interval_seconds=0,
        _env_file=None,
    )
    config = FileConfig(groups=[TrackedGroup(path="am/acme"), TrackedGroup(path="am/beta")])
    async with running(settings, config) as service:
        new = reconcile_job()
        job = Job(1, new.kind, new.payload, None, "running", 1, 0.0, None, 0.0, 0.0)
        with structlog.testing.capture_logs() as logs:
            await handle_reconcile(job, service.context)
        [warning] = [e for e in logs if "hook is not executable" in e["event"]]
        assert warning["group"] == "am" and warning["alert_status"] == "temporarily_disabled"
        client = await aiohttp_client(make_app(service.edge))
        text = await (await client.get("/metrics")).text()
        assert 'bot_hook_alert_status{group="am",status="temporarily_disabled"} 1.0' in text
        assert 'bot_hook_alert_status{group="am",status="executable"} 0.0' in text
        assert hook.disabled_until is not None  # watched, never re-enabled by the bot
