"""Shared fixtures: settings on a temporary data dir, a running service and its HTTP client."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.service import Service, running
from bot.settings import FileConfig, Settings
from bot.web.edge import make_app

FIXTURES = Path(__file__).parent / "fixtures"
SECRET = "correct horse battery staple"
SIGNING_KEY = bytes(range(32))
SIGNING_SECRET = "whsec_" + base64.b64encode(SIGNING_KEY).decode()


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def fixture_json(name: str) -> Any:
    return json.loads(fixture_bytes(name))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        webhook_secret=SECRET,
        signing_secret=SIGNING_SECRET,
        data_dir=tmp_path,
        max_body_bytes=64 * 1024,
        lease_seconds=5,
        _env_file=None,
    )


@pytest.fixture
async def service(settings: Settings) -> AsyncIterator[Service]:
    async with running(settings, FileConfig()) as svc:
        yield svc


@pytest.fixture
async def client(service: Service, aiohttp_client: Callable[..., Any]) -> TestClient[Any, Any]:
    client: TestClient[Any, Any] = await aiohttp_client(make_app(service.edge))
    return client


# -- the GitLab simulator --------------------------------------------------------------


def _shared_schema() -> Path | None:
    """GitLab's real schema: ``BOT_GITLAB_SCHEMA``, else ``shared/gitlab/schema.graphql`` beside a parent."""
    if os.environ.get("BOT_GITLAB_SCHEMA"):
        return Path(os.environ["BOT_GITLAB_SCHEMA"])
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "gitlab" / "schema.graphql"
        if candidate.exists():
            return candidate
    return None


SHARED_SCHEMA = _shared_schema()
SIM_PLAN: dict[str, Any] = {
    "admin": {"username": "root", "token": "admin-token"},
    "bot": {"username": "success-plan-bot", "token": "bot-token"},
    "users": [
        {"username": "dana.csm", "name": "Dana Park", "token": "csm-token"},
        {"username": "guest", "token": "guest-token"},
    ],
    "groups": [
        {"path": "am", "owners": ["dana.csm"], "members": {"guest": 10, "success-plan-bot": 30}},
        {
            "path": "am/acme",
            "projects": [{"path": "plan"}, {"path": "deck", "trigger_tokens": ["glptt-acme"]}],
            "objectives": [
                {
                    "title": "Reduce cycle time for payments",
                    "description": "## Summary\nFaster releases.",
                    "labels": ["SP Objective", "SP Objective::Status::On Track"],
                    "assignees": ["dana.csm"],
                    "due_date": "2027-03-31",
                    "initiatives": [
                        {
                            "project": "plan",
                            "title": "Migrate pipelines",
                            "due_date": "2027-01-15",
                            "labels": ["SP Initiative::Status::On Track"],
                            "assignees": ["dana.csm"],
                        },
                        {"project": "plan", "title": "Merge trains"},
                    ],
                }
            ],
        },
        {"path": "free-tier", "premium": False, "owners": ["dana.csm"]},
    ],
}


@pytest.fixture(scope="session")
def full_schema() -> Any:
    """GitLab's real schema from ../shared; absent on a laptop it is skipped, absent in CI it fails."""
    from graphql import build_schema

    if SHARED_SCHEMA is None or not SHARED_SCHEMA.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                "GitLab's schema (shared/gitlab/schema.graphql or BOT_GITLAB_SCHEMA) is missing in CI"
            )
        return None
    return build_schema(SHARED_SCHEMA.read_text(encoding="utf-8"))


@pytest.fixture
async def sim(aiohttp_client: Callable[..., Any], full_schema: Any) -> AsyncIterator[TestClient[Any, Any]]:
    """A seeded simulator. Every GraphQL document sent to it must validate against GitLab's schema."""
    import copy

    from graphql import parse, validate

    from bot.sim.app import CONTROL, make_app
    from bot.sim.model import GitLab

    app = make_app(GitLab("http://gitlab.test"), copy.deepcopy(SIM_PLAN))
    client: TestClient[Any, Any] = await aiohttp_client(app)
    yield client
    if full_schema is not None:
        for entry in app[CONTROL].requests:
            if entry.get("query"):
                errors = validate(full_schema, parse(entry["query"]))
                assert not errors, f"{entry['operation']}: {errors}"
