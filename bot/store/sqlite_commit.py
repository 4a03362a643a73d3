"""Group commit for SQLite: concurrent writes share one transaction and one fsync.

Each write (an accepted delivery, a claim, a completion…) waits for the commit that contains it,
so a 2xx is only sent for data on disk. Should one write of a batch fail, the batch is redone with
each write in a savepoint of its own, so one failing write spoils no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any

import aiosqlite

from bot.store.base import StoreUnavailable

BATCH_LIMIT = 256

# A write to run inside the next group commit, and the future its caller awaits.
Op = Callable[[aiosqlite.Connection], Awaitable[Any]]
_Pending = tuple[Op, "asyncio.Future[Any]"]


class _OpFailed(Exception):
    """A write of a batch failed: the batch is redone with each write in a savepoint."""


class GroupCommit:
    """One writer task over one connection; *lock* also guards the store's reads."""

    def __init__(self, db: aiosqlite.Connection, lock: asyncio.Lock) -> None:
        self.db = db
        self._lock = lock
        self._inbox: asyncio.Queue[_Pending | None] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._writer = asyncio.create_task(self._write_batches(), name="sqlite-group-commit")

    async def stop(self) -> None:
        """Let every queued write reach the disk, then stop."""
        if self._writer is not None:
            await self._inbox.put(None)
            await self._writer
            self._writer = None

    async def write(self, op: Op) -> Any:
        """Run *op* in the next group commit and return its result once it is on disk."""
        if self._writer is None or self._writer.done():
            raise StoreUnavailable("the store is not open")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._inbox.put((op, future))
        return await future

    async def _write_batches(self) -> None:
        stopping = False
        while not stopping:
            first = await self._inbox.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < BATCH_LIMIT and not self._inbox.empty():
                item = self._inbox.get_nowait()
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            try:
                outcomes = await self._commit_batch(batch)
            except Exception as exc:  # every waiter learns the commit failed
                error = exc if isinstance(exc, StoreUnavailable) else StoreUnavailable(str(exc))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for (_, future), (value, failure) in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if failure is not None:
                    future.set_exception(failure)
                else:
                    future.set_result(value)

    async def _commit_batch(self, batch: list[_Pending]) -> list[tuple[Any, Exception | None]]:
        """All of *batch* in one transaction; if any write fails, each is redone in its own."""
        async with self._lock:
            try:
                return await self._transaction(self.db, batch, isolate=False)
            except _OpFailed:
                return await self._transaction(self.db, batch, isolate=True)

    @staticmethod
    async def _transaction(
        db: aiosqlite.Connection, batch: list[_Pending], *, isolate: bool
    ) -> list[tuple[Any, Exception | None]]:
        outcomes: list[tuple[Any, Exception | None]] = []
        try:
            await db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open a write transaction: {exc}") from exc
        try:
            for op, _ in batch:
                if isolate:
                    await db.execute("SAVEPOINT op")
                try:
                    value = await op(db)
                except Exception as exc:
                    if not isolate:
                        raise _OpFailed from exc
                    await db.execute("ROLLBACK TO op")
                    await db.execute("RELEASE op")
                    outcomes.append((None, exc))
                    continue
                if isolate:
                    await db.execute("RELEASE op")
                outcomes.append((value, None))
            await db.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                await db.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreUnavailable(f"commit failed: {exc}") from exc
            raise
        return outcomes
