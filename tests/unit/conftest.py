"""Fixtures for the unit tests: a real SQLite store on a temporary path, a context with a fake client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.jobs.context import Context
from bot.service import build_registry
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.store.sqlite import SQLiteStore
from tests.fakes import FakeGitLab


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    store = SQLiteStore(tmp_path / "bot.sqlite3")
    await store.open()
    yield store
    await store.close()


@pytest.fixture
def fake() -> FakeGitLab:
    return FakeGitLab()


@pytest.fixture
def ctx(store: SQLiteStore, fake: FakeGitLab, tmp_path: Path) -> Context:
    config = FileConfig(
        groups=[
            TrackedGroup(path="am/acme", deck=DeckProject(project="am/acme/deck", trigger_token_env="T_TOK"))
        ]
    )
    return Context(
        settings=Settings(data_dir=tmp_path, _env_file=None),
        config=config,
        store=store,
        jobs=build_registry(),
        gitlab=fake,
        bot_username="success-plan-bot",
    )
