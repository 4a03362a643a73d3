"""The job store on PostgreSQL (asyncpg), for several replicas sharing one database."""

from __future__ import annotations

import contextlib
import json
import time
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.store.base import JOB_STATES, Delivery, Job, JobState, NewJob, Store, StoreStats, StoreUnavailable
from bot.store.postgres_schema import COLUMNS, INSERT_JOB, SCHEMA, job_params, row_to_job

# Any replica may start first, or several at once: migrations run under an advisory lock.
_MIGRATION_LOCK = 0x5B0B_0001
# Claims are serialised across replicas so two jobs with one unique key never both start.
_CLAIM_LOCK = 0x5B0B_0002


class PostgresStore(Store):
    """Same contract as the SQLite store; PostgreSQL's own group commit batches the fsyncs."""

    def __init__(self, dsn: str, *, schema: str | None = None, pool_size: int = 10) -> None:
        self.dsn = dsn
        self.schema = schema
        self.pool_size = pool_size
        self._pool: asyncpg.Pool | None = None
        self._listener: asyncpg.Connection | None = None

    async def open(self) -> None:
        settings = {"search_path": self.schema} if self.schema else {}
        try:
            self._pool = await asyncpg.create_pool(
                self.dsn, min_size=1, max_size=self.pool_size, server_settings=settings
            )
        except (OSError, asyncpg.PostgresError) as exc:
            where = urlsplit(self.dsn).hostname or "the local socket"  # never the password
            detail = getattr(exc, "strerror", None) or type(exc).__name__
            raise StoreUnavailable(f"cannot connect to PostgreSQL at {where}: {detail}") from None
        async with self.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock($1)", _MIGRATION_LOCK)
            await conn.execute(SCHEMA)
        # One connection listens for jobs that any replica adds (NOTIFY at their commit).
        try:
            self._listener = await asyncpg.connect(self.dsn, server_settings=settings)
            await self._listener.add_listener(self.channel, self._notified)
        except (OSError, asyncpg.PostgresError) as exc:
            raise StoreUnavailable(f"cannot listen on PostgreSQL: {type(exc).__name__}") from None

    @property
    def channel(self) -> str:
        """The NOTIFY channel: one per schema, so stores in other schemas do not wake this one."""
        return f"bot_jobs_{self.schema or 'public'}"

    async def _notify(self, conn: asyncpg.Connection) -> None:
        """Wake every replica's worker when this transaction commits (PostgreSQL delivers it then)."""
        await conn.execute("SELECT pg_notify($1, '')", self.channel)

    def _notified(self, *_: Any) -> None:
        self._new_work()

    async def close(self) -> None:
        if self._listener is not None:
            with contextlib.suppress(OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                await self._listener.close()
            self._listener = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise StoreUnavailable("the store is not open")
        return self._pool

    async def _run(self, sql: str, *args: Any) -> str:
        try:
            status: str = await self.pool.execute(sql, *args)
            return status
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        try:
            rows: list[asyncpg.Record] = await self.pool.fetch(sql, *args)
            return rows
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None

    # -- the inbox ----------------------------------------------------------------------

    async def accept(self, delivery: Delivery, job: NewJob | None) -> bool:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                inserted = await conn.fetchval(
                    "INSERT INTO deliveries (key, event, body, headers, received_at) "
                    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING true",
                    delivery.key,
                    delivery.event,
                    delivery.body,
                    json.dumps(delivery.headers),
                    delivery.received_at,
                )
                if inserted and job is not None:
                    await conn.execute(INSERT_JOB, *job_params(job, delivery.received_at))
                    await self._notify(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        return bool(inserted)

    async def get_delivery(self, key: str) -> Delivery | None:
        rows = await self._fetch(
            "SELECT key, event, body, headers, received_at FROM deliveries WHERE key = $1", key
        )
        if not rows:
            return None
        row = rows[0]
        return Delivery(
            row["key"], row["event"], bytes(row["body"]), json.loads(row["headers"]), row["received_at"]
        )

    # -- jobs -------------------------------------------------------------------------

    async def enqueue(self, jobs: list[NewJob], *, now: float) -> int:
        added = 0
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                for job in jobs:
                    status = await conn.execute(INSERT_JOB, *job_params(job, now))
                    added += int(status.rsplit(" ", 1)[-1])
                if added:
                    await self._notify(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        return added

    async def claim(self, owner: str, *, now: float, lease_seconds: float) -> Job | None:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _CLAIM_LOCK)
                row = await conn.fetchrow(
                    f"UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $2, "
                    f"attempts = attempts + 1, updated_at = $3 WHERE id = ("
                    f"  SELECT id FROM jobs AS j WHERE ((state = 'pending' AND run_at <= $3)"
                    f"  OR (state = 'running' AND lease_until < $3))"
                    f"  AND (unique_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs AS r"
                    f"    WHERE r.unique_key = j.unique_key AND r.state = 'running' AND r.id != j.id"
                    f"    AND r.lease_until >= $3))"
                    f"  ORDER BY run_at, id LIMIT 1"
                    f") RETURNING {COLUMNS}",
                    owner,
                    now + lease_seconds,
                    now,
                )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        return row_to_job(row) if row is not None else None

    async def _finish(self, sql: str, args: tuple[Any, ...], follow_ups: list[NewJob], now: float) -> bool:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                status = await conn.execute(sql, *args)
                if status != "UPDATE 1":
                    return False
                for job in follow_ups:
                    await conn.execute(INSERT_JOB, *job_params(job, now))
                if follow_ups:
                    await self._notify(conn)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        return True

    async def complete(
        self, job: Job, owner: str, *, now: float, result: Any = None, follow_ups: list[NewJob]
    ) -> bool:
        return await self._finish(
            "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_until = NULL, result = $1, "
            "updated_at = $2 WHERE id = $3 AND state = 'running' AND lease_owner = $4",
            (json.dumps(result), now, job.id, owner),
            follow_ups,
            now,
        )

    async def fail(self, job: Job, owner: str, *, now: float, error: str, retry_at: float | None) -> bool:
        return await self._finish(
            "UPDATE jobs SET state = $1, run_at = $2, last_error = $3, lease_owner = NULL, "
            "lease_until = NULL, updated_at = $4 WHERE id = $5 AND state = 'running' AND lease_owner = $6",
            (
                "pending" if retry_at is not None else "dead",
                retry_at if retry_at is not None else now,
                error[:2000],
                now,
                job.id,
                owner,
            ),
            [],
            now,
        )

    async def renew(self, job: Job, owner: str, *, now: float, lease_seconds: float) -> bool:
        return await self._finish(
            "UPDATE jobs SET lease_until = $1, updated_at = $2 "
            "WHERE id = $3 AND state = 'running' AND lease_owner = $4",
            (now + lease_seconds, now, job.id, owner),
            [],
            now,
        )

    async def release(self, job: Job, owner: str, *, now: float, run_at: float | None = None) -> bool:
        return await self._finish(
            "UPDATE jobs SET state = 'pending', attempts = GREATEST(attempts - 1, 0), run_at = $1, "
            "lease_owner = NULL, lease_until = NULL, updated_at = $2 "
            "WHERE id = $3 AND state = 'running' AND lease_owner = $4",
            (run_at if run_at is not None else now, now, job.id, owner),
            [],
            now,
        )

    async def take_rate(self, name: str, *, limit: int, window: float, now: float) -> float | None:
        async with self.pool.acquire() as conn, conn.transaction():
            # One decision at a time per limit, across every replica.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext($1))", "rate:" + name)
            await conn.execute("DELETE FROM rate_slots WHERE name = $1 AND at <= $2", name, now - window)
            row = await conn.fetchrow(
                "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM rate_slots WHERE name = $1", name
            )
            if row is not None and row["n"] >= limit:
                return float(row["oldest"]) + window
            await conn.execute("INSERT INTO rate_slots (name, at) VALUES ($1, $2)", name, now)
            return None

    async def schedule(self, job: NewJob, *, now: float, window: float, max_wait: float) -> bool:
        status = await self._run(
            "UPDATE jobs SET run_at = LEAST(GREATEST(run_at, $1), created_at + $2), updated_at = $3, "
            "payload = jsonb_set(payload, '{changes}', "
            "to_jsonb(COALESCE((payload->>'changes')::int, 1) + 1)) "
            "WHERE unique_key = $4 AND state = 'pending'",
            now + window,
            max_wait,
            now,
            job.unique_key,
        )
        if status != "UPDATE 0":
            return False
        status = await self._run(INSERT_JOB, *job_params(job, now, run_at=now + window))
        return status == "INSERT 0 1"

    async def list_jobs(
        self, state: JobState | None = None, limit: int = 1000, kind: str | None = None
    ) -> list[Job]:
        rows = await self._fetch(
            f"SELECT {COLUMNS} FROM jobs WHERE ($1::text IS NULL OR state = $1) "
            f"AND ($2::text IS NULL OR kind = $2) ORDER BY id DESC LIMIT $3",
            state,
            kind,
            limit,
        )
        return [row_to_job(row) for row in rows]

    async def retry(self, job_id: int, *, now: float) -> bool:
        status = await self._run(
            "UPDATE jobs SET state = 'pending', attempts = 0, run_at = $1, updated_at = $1 "
            "WHERE id = $2 AND state = 'dead'",
            now,
            job_id,
        )
        return status == "UPDATE 1"

    async def retry_all_dead(self, *, now: float) -> int:
        status = await self._run(
            "UPDATE jobs SET state = 'pending', attempts = 0, run_at = $1, updated_at = $1 "
            "WHERE state = 'dead'",
            now,
        )
        return int(status.rsplit(" ", 1)[-1])

    async def stats(self, *, now: float) -> StoreStats:
        counts: dict[str, int] = {state: 0 for state in JOB_STATES}
        counts.update(
            {
                r["state"]: r["n"]
                for r in await self._fetch("SELECT state, COUNT(*) AS n FROM jobs GROUP BY state")
            }
        )
        oldest = (
            await self._fetch(
                "SELECT MIN(run_at) AS t FROM jobs WHERE state = 'pending' AND run_at <= $1", now
            )
        )[0]["t"]
        deliveries = (await self._fetch("SELECT COUNT(*) AS n FROM deliveries"))[0]["n"]
        return StoreStats(counts, max(0.0, now - oldest) if oldest is not None else 0.0, deliveries)

    async def check_writable(self) -> None:
        rows = await self._fetch("SELECT pg_is_in_recovery() AS r")
        if rows[0]["r"]:
            raise StoreUnavailable("PostgreSQL is a read-only standby")

    async def prune(self, *, before: float) -> int:
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                status = await conn.execute(
                    "DELETE FROM deliveries WHERE received_at < $1 AND NOT EXISTS ("
                    " SELECT 1 FROM jobs WHERE jobs.delivery_key = deliveries.key"
                    " AND jobs.state IN ('pending', 'running', 'dead'))",
                    before,
                )
                await conn.execute("DELETE FROM jobs WHERE state = 'done' AND updated_at < $1", before)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
        return int(status.rsplit(" ", 1)[-1])

    # -- remembered comments, fingerprints, checkpoints -------------------------------------

    async def get_note(self, item: str) -> str | None:
        rows = await self._fetch("SELECT note_id FROM notes WHERE item = $1", item)
        return str(rows[0]["note_id"]) if rows else None

    async def set_note(self, item: str, note_id: str | None) -> None:
        if note_id is None:
            await self._run("DELETE FROM notes WHERE item = $1", item)
            return
        await self._run(
            "INSERT INTO notes (item, note_id, updated_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (item) DO UPDATE SET note_id = excluded.note_id, updated_at = excluded.updated_at",
            item,
            note_id,
            time.time(),
        )

    async def get_values(self, namespace: str, keys: list[str] | None = None) -> dict[str, str]:
        rows = await self._fetch(
            "SELECT key, value FROM kv WHERE namespace = $1 "
            "AND ($2::text[] IS NULL OR key = ANY($2::text[]))",
            namespace,
            keys,
        )
        return {r["key"]: r["value"] for r in rows}

    async def set_values(self, namespace: str, values: dict[str, str | None]) -> None:
        now = time.time()
        try:
            async with self.pool.acquire() as conn, conn.transaction():
                for key, value in values.items():
                    if value is None:
                        await conn.execute("DELETE FROM kv WHERE namespace = $1 AND key = $2", namespace, key)
                    else:
                        await conn.execute(
                            "INSERT INTO kv (namespace, key, value, updated_at) VALUES ($1, $2, $3, $4) "
                            "ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, "
                            "updated_at = excluded.updated_at",
                            namespace,
                            key,
                            value,
                            now,
                        )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            raise StoreUnavailable(f"{type(exc).__name__}: {exc}") from None
