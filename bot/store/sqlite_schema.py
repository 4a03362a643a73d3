"""The embedded store's tables, and the conversions between its rows and jobs."""

from __future__ import annotations

import json
from typing import Any

from bot.store.base import Job, NewJob

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    body BLOB NOT NULL,
    headers TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    delivery_key TEXT,
    unique_key TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at REAL NOT NULL,
    lease_owner TEXT,
    lease_until REAL,
    last_error TEXT,
    result TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS jobs_due ON jobs (state, run_at);
CREATE INDEX IF NOT EXISTS jobs_delivery ON jobs (delivery_key);
CREATE UNIQUE INDEX IF NOT EXISTS jobs_unique_pending ON jobs (unique_key)
    WHERE state = 'pending' AND unique_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS jobs_unique_running ON jobs (unique_key, state);
CREATE TABLE IF NOT EXISTS kv (
    namespace TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS rate_slots (
    name TEXT NOT NULL,
    at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_slots_name ON rate_slots (name, at);
CREATE TABLE IF NOT EXISTS notes (
    item TEXT PRIMARY KEY,
    note_id TEXT NOT NULL,
    updated_at REAL NOT NULL
);
"""

JOB_COLUMNS = (
    "id, kind, payload, delivery_key, state, attempts, run_at, last_error, created_at, updated_at, result"
)
INSERT_JOB = (
    "INSERT OR IGNORE INTO jobs (kind, payload, delivery_key, unique_key, run_at, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
)


def row_to_job(row: Any) -> Job:
    return Job(
        id=row[0],
        kind=row[1],
        payload=json.loads(row[2]),
        delivery_key=row[3],
        state=row[4],
        attempts=row[5],
        run_at=row[6],
        last_error=row[7],
        created_at=row[8],
        updated_at=row[9],
        result=json.loads(row[10]) if row[10] is not None else None,
    )


def job_params(job: NewJob, now: float, run_at: float | None = None) -> tuple[Any, ...]:
    return (
        job.kind,
        json.dumps(job.payload),
        job.delivery_key,
        job.unique_key,
        run_at if run_at is not None else job.run_at if job.run_at is not None else now,
        now,
        now,
    )
