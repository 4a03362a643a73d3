"""The store contract against PostgreSQL (``BOT_TEST_POSTGRES_DSN``), plus what several replicas need."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.store.base import NewJob
from bot.store.postgres import PostgresStore
from tests.store_contract import NOW, StoreContract, delivery, job_for

DSN = os.environ.get("BOT_TEST_POSTGRES_DSN")
pytestmark = pytest.mark.skipif(not DSN, reason="BOT_TEST_POSTGRES_DSN is not set")


@pytest.fixture
async def schema() -> AsyncIterator[str]:
    import asyncpg

    name = f"t_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(DSN)
    await conn.execute(f"CREATE SCHEMA {name}")
    yield name
    await conn.execute(f"DROP SCHEMA {name} CASCADE")
    await conn.close()


@pytest.fixture
async def store(schema: str) -> AsyncIterator[PostgresStore]:
    assert DSN is not None
    s = PostgresStore(DSN, schema=schema)
    await s.open()
    yield s
    await s.close()


class TestPostgresStore(StoreContract):
    pass


async def test_replicas_migrate_at_once_and_share_the_work(schema: str) -> None:
    assert DSN is not None
    stores = [PostgresStore(DSN, schema=schema) for _ in range(3)]
    await asyncio.gather(*(s.open() for s in stores))  # three replicas starting together
    try:
        results = await asyncio.gather(
            *(stores[n % 3].accept(delivery(f"k{n % 50}"), job_for(f"k{n % 50}")) for n in range(300))
        )
        assert sum(results) == 50
        claimed: list[Any] = []

        async def drain(store: PostgresStore, owner: str) -> None:
            while (job := await store.claim(owner, now=NOW, lease_seconds=30)) is not None:
                claimed.append(job.id)
                assert await store.complete(job, owner, now=NOW, follow_ups=[])

        await asyncio.gather(*(drain(s, f"replica-{n}") for n, s in enumerate(stores)))
        assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 50
    finally:
        await asyncio.gather(*(s.close() for s in stores))


async def test_unreachable_database_is_store_unavailable() -> None:
    from bot.store.base import StoreUnavailable

    bad = PostgresStore("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreUnavailable, match="cannot connect"):
        await bad.open()


async def test_a_job_added_by_one_replica_wakes_the_other(schema: str) -> None:
    assert DSN is not None
    first, second = PostgresStore(DSN, schema=schema), PostgresStore(DSN, schema=schema)
    await first.open()
    await second.open()
    try:
        woken = asyncio.Event()
        second.on_new_work(woken.set)
        await first.enqueue([NewJob(kind="k")], now=NOW)
        await asyncio.wait_for(woken.wait(), 2)  # through LISTEN/NOTIFY, not a poll
    finally:
        await first.close()
        await second.close()
