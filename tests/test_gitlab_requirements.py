"""What the bot needs of GitLab, checked up front and said in one line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiohttp.test_utils import TestClient

from bot.service import running
from bot.settings import ConfigError, FileConfig, Settings, TrackedGroup
from bot.sim.model import ItemChange
from bot.sim.payloads import work_item_hook
from bot.sim.rest import GL
from tests.conftest import SECRET, fixture_json
from tests.test_gitlab_conformance import run


def _settings(sim: TestClient[Any, Any], tmp_path: Path, token: str = "bot-token") -> Settings:
    url = str(sim.make_url("")).rstrip("/")
    return Settings(
        webhook_secret=SECRET, gitlab_url=url, gitlab_token=token, data_dir=tmp_path, _env_file=None
    )


async def test_serve_refuses_a_token_without_the_api_scope(sim: TestClient[Any, Any], tmp_path: Path) -> None:
    sim.server.app[GL].user_by_name("success-plan-bot").scopes = ["read_api"]
    with pytest.raises(ConfigError, match=r"has read_api; .* need a token with the api scope"):
        async with running(_settings(sim, tmp_path), FileConfig()):
            pass


async def test_serve_warns_when_the_bot_cannot_see_a_tracked_group(
    sim: TestClient[Any, Any], tmp_path: Path
) -> None:
    gl = sim.server.app[GL]
    gl.group("am").members.pop(gl.user_by_name("success-plan-bot").id)
    config = FileConfig(groups=[TrackedGroup(path="am/acme")])
    with structlog.testing.capture_logs() as logs:
        async with running(_settings(sim, tmp_path), config):
            pass
    warnings = [e for e in logs if "cannot see am/acme" in e["event"]]
    assert len(warnings) == 1 and warnings[0]["log_level"] == "warning"
    assert "Reporter or higher" in warnings[0]["event"]


async def test_cli_says_in_one_line_what_gitlab_lacks(sim: TestClient[Any, Any], tmp_path: Path) -> None:
    gl = sim.server.app[GL]
    env = {
        "BOT_GITLAB_URL": str(sim.make_url("")).rstrip("/"),
        "BOT_GITLAB_TOKEN": "bot-token",
        "BOT_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    gl.group("am/acme").work_items = False
    code, out, err = await run(env, "deck", "build", "--group", "am/acme", "--out", str(tmp_path / "d"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "needs GitLab 18.1 or later with work items for groups" in err
    gl.group("am/acme").work_items = True
    gl.user_by_name("dana.csm").scopes = ["read_api"]
    code, out, err = await run(
        {**env, "BOT_GITLAB_TOKEN": "csm-token", "BOT_WEBHOOK_SECRET": SECRET},
        "hook",
        "register",
        "--group",
        "am",
        "--url",
        "https://bot.test/webhook",
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "api scope" in err
    code, out, err = await run(
        {**env, "BOT_GITLAB_TOKEN": "csm-token"}, "lint", "--group", "am/acme", "--format", "json"
    )
    assert code in (0, 1) and json.loads(out)  # reading needs only read_api


async def test_epic_payloads_carry_every_field_of_gitlabs(sim: TestClient[Any, Any]) -> None:
    gl = sim.server.app[GL]
    epic = gl.item_by_iid("am/acme", 1)
    _, body = work_item_hook(gl, ItemChange(epic, "update", {}, gl.user_by_name("dana.csm"), None))
    real = fixture_json("issue_hook__epic_created.json")
    assert set(real) <= set(body) and set(real["object_attributes"]) <= set(body["object_attributes"])
    assert body["project"] is None and [a["username"] for a in body["assignees"]] == ["dana.csm"]
