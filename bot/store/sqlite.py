"""The embedded job store: SQLite in WAL mode with synchronous=FULL and group commit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

import aiosqlite

from bot.store.base import (
    JOB_STATES,
    Delivery,
    Job,
    JobState,
    NewJob,
    Store,
    StoreStats,
    StoreUnavailable,
)
from bot.store.sqlite_commit import GroupCommit, Op
from bot.store.sqlite_schema import INSERT_JOB, JOB_COLUMNS, SCHEMA, job_params, row_to_job


class SQLiteStore(Store):
    """One connection; every write goes through one group-commit writer (``sqlite_commit``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        self._commit: GroupCommit | None = None

    async def open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if not os.access(self.path.parent, os.W_OK):
                raise PermissionError(f"the directory is not writable by UID {os.getuid()}")
            # Fails fast in this thread: a failure inside aiosqlite's own thread outlives the loop.
            sqlite3.connect(self.path).close()
            self._db = await aiosqlite.connect(self.path, isolation_level=None)
            await self._db.execute("PRAGMA journal_mode=WAL")
            await self._db.execute("PRAGMA synchronous=FULL")
            await self._db.execute("PRAGMA busy_timeout=5000")
            await self._db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            # A root-owned bind mount, a read-only volume, a full disk: one line that names the path.
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            if self._db is not None:
                with contextlib.suppress(Exception):
                    await self._db.close()
                self._db = None
            raise StoreUnavailable(f"{self.path}: cannot open the job store ({reason})") from None
        self._commit = GroupCommit(self._db, self._lock)
        self._commit.start()

    async def close(self) -> None:
        if self._commit is not None:
            await self._commit.stop()
            self._commit = None
        if self._db is not None:
            await self._db.close()
            self._db = None

    @property
    def db(self) -> aiosqlite.Connection:
        if self._db is None:
            raise StoreUnavailable("the store is not open")
        return self._db

    async def _write(self, op: Op) -> Any:
        if self._commit is None:
            raise StoreUnavailable("the store is not open")
        return await self._commit.write(op)

    # -- the inbox ------------------------------------------------------------------------

    async def accept(self, delivery: Delivery, job: NewJob | None) -> bool:
        async def op(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "INSERT OR IGNORE INTO deliveries (key, event, body, headers, received_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    delivery.key,
                    delivery.event,
                    delivery.body,
                    json.dumps(delivery.headers),
                    delivery.received_at,
                ),
            )
            is_new = cursor.rowcount == 1
            if is_new and job is not None:
                await db.execute(INSERT_JOB, job_params(job, delivery.received_at))
            return is_new

        result: bool = await self._write(op)
        if result and job is not None:
            self._new_work()
        return result

    async def get_delivery(self, key: str) -> Delivery | None:
        async with self._lock:
            cursor = await self.db.execute(
                "SELECT key, event, body, headers, received_at FROM deliveries WHERE key = ?",
                (key,),
            )
            row = await cursor.fetchone()
        if row is None:
            return None
        return Delivery(row[0], row[1], bytes(row[2]), json.loads(row[3]), row[4])

    # -- jobs -------------------------------------------------------------------------

    async def enqueue(self, jobs: list[NewJob], *, now: float) -> int:
        async def op(db: aiosqlite.Connection) -> int:
            added = 0
            for job in jobs:
                cursor = await db.execute(INSERT_JOB, job_params(job, now))
                added += cursor.rowcount
            return added

        added: int = await self._write(op)
        if added:
            self._new_work()
        return added

    async def claim(self, owner: str, *, now: float, lease_seconds: float) -> Job | None:
        async def op(db: aiosqlite.Connection) -> Any:
            cursor = await db.execute(
                f"UPDATE jobs SET state = 'running', lease_owner = ?, lease_until = ?, "
                f"attempts = attempts + 1, updated_at = ? WHERE id = ("
                f"  SELECT id FROM jobs AS j WHERE ((state = 'pending' AND run_at <= ?)"
                f"  OR (state = 'running' AND lease_until < ?))"
                f"  AND (unique_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs AS r"
                f"    WHERE r.unique_key = j.unique_key AND r.state = 'running' AND r.id != j.id"
                f"    AND r.lease_until >= ?))"
                f"  ORDER BY run_at, id LIMIT 1"
                f") RETURNING {JOB_COLUMNS}",
                (owner, now + lease_seconds, now, now, now, now),
            )
            row = await cursor.fetchone()
            await cursor.close()
            return row

        row = await self._write(op)
        return row_to_job(row) if row is not None else None

    async def _finish(self, sql: str, params: tuple[Any, ...], follow_ups: list[NewJob], now: float) -> bool:
        async def op(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(sql, params)
            if cursor.rowcount != 1:
                return False
            for job in follow_ups:
                await db.execute(INSERT_JOB, job_params(job, now))
            return True

        finished: bool = await self._write(op)
        if finished and follow_ups:
            self._new_work()
        return finished

    async def complete(
        self, job: Job, owner: str, *, now: float, result: Any = None, follow_ups: list[NewJob]
    ) -> bool:
        return await self._finish(
            "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, "
            "result = ?, updated_at = ? WHERE id = ? AND state = 'running' AND lease_owner = ?",
            (json.dumps(result), now, job.id, owner),
            follow_ups,
            now,
        )

    async def fail(self, job: Job, owner: str, *, now: float, error: str, retry_at: float | None) -> bool:
        state = "pending" if retry_at is not None else "dead"
        return await self._finish(
            "UPDATE jobs SET state = ?, run_at = ?, last_error = ?, lease_owner = NULL, "
            "lease_until = NULL, updated_at = ? "
            "WHERE id = ? AND state = 'running' AND lease_owner = ?",
            (state, retry_at if retry_at is not None else now, error[:2000], now, job.id, owner),
            [],
            now,
        )

    async def renew(self, job: Job, owner: str, *, now: float, lease_seconds: float) -> bool:
        return await self._finish(
            "UPDATE jobs SET lease_until = ?, updated_at = ? "
            "WHERE id = ? AND state = 'running' AND lease_owner = ?",
            (now + lease_seconds, now, job.id, owner),
            [],
            now,
        )

    async def release(self, job: Job, owner: str, *, now: float, run_at: float | None = None) -> bool:
        return await self._finish(
            "UPDATE jobs SET state = 'pending', attempts = MAX(attempts - 1, 0), run_at = ?, "
            "lease_owner = NULL, lease_until = NULL, updated_at = ? "
            "WHERE id = ? AND state = 'running' AND lease_owner = ?",
            (run_at if run_at is not None else now, now, job.id, owner),
            [],
            now,
        )

    async def take_rate(self, name: str, *, limit: int, window: float, now: float) -> float | None:
        async def op(db: aiosqlite.Connection) -> float | None:
            await db.execute("DELETE FROM rate_slots WHERE name = ? AND at <= ?", (name, now - window))
            cursor = await db.execute("SELECT COUNT(*), MIN(at) FROM rate_slots WHERE name = ?", (name,))
            count, oldest = await cursor.fetchone() or (0, None)
            if count >= limit and oldest is not None:
                return float(oldest) + window
            await db.execute("INSERT INTO rate_slots (name, at) VALUES (?, ?)", (name, now))
            return None

        wait: float | None = await self._write(op)
        return wait

    async def schedule(self, job: NewJob, *, now: float, window: float, max_wait: float) -> bool:
        async def op(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE jobs SET run_at = MIN(MAX(run_at, ?), created_at + ?), updated_at = ?, payload = "
                "json_set(payload, '$.changes', COALESCE(json_extract(payload, '$.changes'), 1) + 1) "
                "WHERE unique_key = ? AND state = 'pending'",
                (now + window, max_wait, now, job.unique_key),
            )
            if cursor.rowcount:
                return False
            await db.execute(INSERT_JOB, job_params(job, now, run_at=now + window))
            return True

        created: bool = await self._write(op)
        return created

    async def list_jobs(
        self, state: JobState | None = None, limit: int = 1000, kind: str | None = None
    ) -> list[Job]:
        clauses = [c for c, v in (("state = ?", state), ("kind = ?", kind)) if v]
        params = [v for v in (state, kind) if v]
        where = ("WHERE " + " AND ".join(clauses)) if clauses else ""
        async with self._lock:
            cursor = await self.db.execute(
                f"SELECT {JOB_COLUMNS} FROM jobs {where} ORDER BY id DESC LIMIT ?",
                (*params, limit),
            )
            rows = await cursor.fetchall()
        return [row_to_job(row) for row in rows]

    async def retry(self, job_id: int, *, now: float) -> bool:
        async def op(db: aiosqlite.Connection) -> bool:
            cursor = await db.execute(
                "UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'dead'",
                (now, now, job_id),
            )
            return cursor.rowcount == 1

        retried: bool = await self._write(op)
        return retried

    async def retry_all_dead(self, *, now: float) -> int:
        async def op(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, updated_at = ? "
                "WHERE state = 'dead'",
                (now, now),
            )
            return cursor.rowcount

        count: int = await self._write(op)
        return count

    async def stats(self, *, now: float) -> StoreStats:
        async with self._lock:
            cursor = await self.db.execute("SELECT state, COUNT(*) FROM jobs GROUP BY state")
            counts: dict[str, int] = {state: 0 for state in JOB_STATES}
            counts.update({row[0]: row[1] for row in await cursor.fetchall()})
            cursor = await self.db.execute(
                "SELECT MIN(run_at) FROM jobs WHERE state = 'pending' AND run_at <= ?", (now,)
            )
            oldest = (await cursor.fetchone() or (None,))[0]
            cursor = await self.db.execute("SELECT COUNT(*) FROM deliveries")
            deliveries = (await cursor.fetchone() or (0,))[0]
        return StoreStats(counts, max(0.0, now - oldest) if oldest is not None else 0.0, deliveries)

    async def check_writable(self) -> None:
        async def op(db: aiosqlite.Connection) -> None:
            return None

        await self._write(op)

    async def prune(self, *, before: float) -> int:
        async def op(db: aiosqlite.Connection) -> int:
            cursor = await db.execute(
                "DELETE FROM deliveries WHERE received_at < ? AND NOT EXISTS ("
                " SELECT 1 FROM jobs WHERE jobs.delivery_key = deliveries.key"
                " AND jobs.state IN ('pending', 'running', 'dead'))",
                (before,),
            )
            removed: int = cursor.rowcount
            await db.execute("DELETE FROM jobs WHERE state = 'done' AND updated_at < ?", (before,))
            return removed

        removed: int = await self._write(op)
        return removed

    # -- remembered comments ----------------------------------------------------------

    async def get_note(self, item: str) -> str | None:
        async with self._lock:
            cursor = await self.db.execute("SELECT note_id FROM notes WHERE item = ?", (item,))
            row = await cursor.fetchone()
        return str(row[0]) if row else None

    async def set_note(self, item: str, note_id: str | None) -> None:
        async def op(db: aiosqlite.Connection) -> None:
            if note_id is None:
                await db.execute("DELETE FROM notes WHERE item = ?", (item,))
            else:
                await db.execute(
                    "INSERT INTO notes (item, note_id, updated_at) VALUES (?, ?, ?) "
                    "ON CONFLICT (item) DO UPDATE SET note_id = excluded.note_id, "
                    "updated_at = excluded.updated_at",
                    (item, note_id, time.time()),
                )

        await self._write(op)

    # -- small values: fingerprints, checkpoints ------------------------------------------

    async def get_values(self, namespace: str, keys: list[str] | None = None) -> dict[str, str]:
        async with self._lock:
            if keys is None:
                cursor = await self.db.execute("SELECT key, value FROM kv WHERE namespace = ?", (namespace,))
                rows = list(await cursor.fetchall())
            else:
                rows = []
                for start in range(0, len(keys), 500):
                    chunk = keys[start : start + 500]
                    marks = ", ".join("?" * len(chunk))
                    cursor = await self.db.execute(
                        f"SELECT key, value FROM kv WHERE namespace = ? AND key IN ({marks})",
                        (namespace, *chunk),
                    )
                    rows += list(await cursor.fetchall())
        return {str(k): str(v) for k, v in rows}

    async def set_values(self, namespace: str, values: dict[str, str | None]) -> None:
        async def op(db: aiosqlite.Connection) -> None:
            for key, value in values.items():
                if value is None:
                    await db.execute("DELETE FROM kv WHERE namespace = ? AND key = ?", (namespace, key))
                else:
                    await db.execute(
                        "INSERT INTO kv (namespace, key, value, updated_at) VALUES (?, ?, ?, ?) "
                        "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
                        "updated_at = excluded.updated_at",
                        (namespace, key, value, time.time()),
                    )

        await self._write(op)
