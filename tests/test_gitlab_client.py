"""The one GitLab client against the simulator: retries, Retry-After, event UUIDs, safe errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.gitlab.client import (
    GitLabClient,
    GitLabError,
    RateLimited,
    RetryPolicy,
    UncertainWrite,
    for_event,
    guard_writes,
)
from bot.gitlab.documents import OBJECTIVE_QUERY
from bot.settings import Settings
from bot.sim.rest import GL

FAST = RetryPolicy(attempts=4, base=0.01, cap=2.0)


def client_for(sim: TestClient[Any, Any], token: str = "bot-token", **extra: Any) -> GitLabClient:
    settings = Settings(
        gitlab_url=str(sim.make_url("")).rstrip("/"), gitlab_token=token, _env_file=None, **extra
    )
    return GitLabClient(settings, policy=FAST)


async def requests(sim: TestClient[Any, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await (await sim.get("/-/sim/requests")).json()
    return result


async def test_429_is_retried_after_the_time_gitlab_asks(sim: TestClient[Any, Any]) -> None:
    await sim.post(
        "/-/sim/faults", json={"path": "^/api/graphql$", "status": 429, "retry_after": 1, "count": 1}
    )
    async with client_for(sim) as gl:
        started = time.monotonic()
        data = await gl.graphql(OBJECTIVE_QUERY, fullPath="am/acme", iid="1")
        assert time.monotonic() - started >= 1.0
        assert data["namespace"]["workItem"]["title"] == "Reduce cycle time for payments"
        assert gl.calls == 2
    assert [r["status"] for r in await requests(sim)] == [429, 200]


async def test_5xx_and_slow_answers_are_retried_then_reported(sim: TestClient[Any, Any]) -> None:
    await sim.post("/-/sim/faults", json={"path": "^/api/v4/user$", "status": 502, "count": 2})
    async with client_for(sim) as gl:
        assert (await gl.get("/user"))["username"] == "success-plan-bot"
    await sim.post("/-/sim/faults", json={"path": "^/api/v4/user$", "status": 500})
    async with client_for(sim) as gl:
        with pytest.raises(GitLabError) as caught:
            await gl.get("/user")
    assert caught.value.status == 500 and "GET /user: 500" in str(caught.value)
    await sim.delete("/-/sim/faults")
    await sim.post("/-/sim/faults", json={"path": "^/api/v4/user$", "latency": 0.5, "count": 1})
    settings = Settings(
        gitlab_url=str(sim.make_url("")).rstrip("/"), gitlab_token="bot-token", _env_file=None
    )
    async with GitLabClient(settings, policy=FAST, timeout=0.2) as gl:
        assert (await gl.get("/user"))["username"] == "success-plan-bot"


async def test_errors_never_contain_the_token(sim: TestClient[Any, Any]) -> None:
    secret_token = "glpat-very-secret-value"
    async with client_for(sim, token=secret_token) as gl:
        with pytest.raises(GitLabError) as caught:
            await gl.get("/user")
    assert caught.value.status == 401
    assert secret_token not in str(caught.value) and secret_token not in repr(caught.value)
    settings = Settings(gitlab_token=secret_token, _env_file=None)
    assert secret_token not in repr(settings) and secret_token not in str(settings.model_dump())


async def test_graphql_errors_raise(sim: TestClient[Any, Any]) -> None:
    async with client_for(sim) as gl:
        with pytest.raises(GitLabError, match="GraphQL"):
            await gl.graphql(
                'mutation($id: NoteID!) { updateNote(input: {id: $id, body: "x"}) { errors } }',
                id="gid://gitlab/Note/999999",
            )


async def test_calls_for_a_delivery_carry_its_event_uuid(sim: TestClient[Any, Any]) -> None:
    async with client_for(sim) as gl:
        with for_event("ev-123"):
            await gl.get("/user")
        await gl.get("/user")
    assert [r["event_uuid"] for r in await requests(sim)] == ["ev-123", None]


async def _epic_id(gl: GitLabClient) -> str:
    data = await gl.graphql(OBJECTIVE_QUERY, fullPath="am/acme", iid="1")
    return str(data["namespace"]["workItem"]["id"])


async def test_throttled_create_note_is_rate_limited_not_retried(sim: TestClient[Any, Any]) -> None:
    sim.server.app[GL].notes_limit = (2, 60.0)
    async with client_for(sim) as gl:
        wid = await _epic_id(gl)
        await gl.create_note(wid, "one")
        await gl.create_note(wid, "two")
        before = gl.calls
        with pytest.raises(RateLimited) as caught:
            await gl.create_note(wid, "three")
        assert caught.value.retry_after >= 60 and gl.calls == before + 1
    assert sim.server.app[GL].throttled_notes == 1


async def test_a_write_whose_answer_is_lost_is_not_retried(sim: TestClient[Any, Any]) -> None:
    await sim.post(
        "/-/sim/faults",
        json={"path": "^/api/graphql$", "operation": "CreateNote", "lost_response": True, "latency": 1.0},
    )
    async with client_for(sim, gitlab_timeout_seconds=0.3) as gl:
        wid = await _epic_id(gl)
        before = gl.calls
        with pytest.raises(UncertainWrite, match="may have happened"):
            await gl.create_note(wid, "made, but the answer is lost")
        assert gl.calls == before + 1
    bodies = [n.body for n in sim.server.app[GL].notes.values()]
    assert bodies == ["made, but the answer is lost"]  # GitLab did make it: exactly once


async def test_5xx_on_a_write_is_uncertain_but_on_a_read_retried(sim: TestClient[Any, Any]) -> None:
    await sim.post("/-/sim/faults", json={"path": "^/api/graphql$", "status": 502, "count": 1})
    async with client_for(sim) as gl:
        assert (await gl.graphql(OBJECTIVE_QUERY, fullPath="am/acme", iid="1"))["namespace"]
        assert gl.calls == 2
        wid = await _epic_id(gl)
        await sim.post("/-/sim/faults", json={"path": "^/api/graphql$", "status": 500, "count": 1})
        with pytest.raises(UncertainWrite):
            await gl.create_note(wid, "x")


async def test_the_write_guard_runs_before_writes_only(sim: TestClient[Any, Any]) -> None:
    guarded: list[str] = []

    async def guard() -> None:
        guarded.append("write")

    async with client_for(sim) as gl:
        with guard_writes(guard):
            wid = await _epic_id(gl)
            assert guarded == []
            await gl.create_note(wid, "x")
            assert guarded == ["write"]
