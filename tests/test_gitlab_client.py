"""The one GitLab client against the simulator: retries, Retry-After, event UUIDs, safe errors."""

from __future__ import annotations

import time
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.gitlab.client import GitLabClient, GitLabError, RetryPolicy, for_event
from bot.gitlab.documents import OBJECTIVE_QUERY
from bot.settings import Settings

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


async def test_note_rate_limit(sim: TestClient[Any, Any]) -> None:
    async with client_for(sim, notes_per_minute=2) as gl:
        wid = (await gl.graphql(OBJECTIVE_QUERY, fullPath="am/acme", iid="1"))["namespace"]["workItem"]["id"]
        await gl.create_note(wid, "one")
        await gl.create_note(wid, "two")
        assert len(gl.notes._times) == 2
        # A third note within the minute would wait; the limiter says how long.
        assert gl.notes._times[0] + 60 > time.monotonic()
