"""Shared fixtures: settings on a temporary data dir, a running service and its HTTP client."""

from __future__ import annotations

import base64
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.service import Service, running
from bot.settings import FileConfig, Settings
from bot.web import make_app

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
