"""The store contract against the embedded SQLite store, plus what only SQLite promises."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.sqlite import SQLiteStore
from tests.store_contract import StoreContract, delivery, job_for


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SQLiteStore]:
    s = SQLiteStore(tmp_path / "bot.sqlite3")
    await s.open()
    yield s
    await s.close()


class TestSQLiteStore(StoreContract):
    pass


async def test_wal_and_full_sync(store: SQLiteStore) -> None:
    cursor = await store.db.execute("PRAGMA journal_mode")
    assert (await cursor.fetchone())[0] == "wal"
    cursor = await store.db.execute("PRAGMA synchronous")
    assert (await cursor.fetchone())[0] == 2  # FULL


async def test_committed_delivery_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    first = SQLiteStore(path)
    await first.open()
    await first.accept(delivery("a"), job_for("a"))
    await first.close()
    second = SQLiteStore(path)
    await second.open()
    assert await second.accept(delivery("a"), job_for("a")) is False
    assert len(await second.list_jobs("pending")) == 1
    await second.close()
