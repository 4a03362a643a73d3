"""The PostgreSQL store's tables, and the conversions between its rows and jobs."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from bot.store.base import Job, NewJob

SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    key TEXT PRIMARY KEY,
    event TEXT NOT NULL,
    body BYTEA NOT NULL,
    headers JSONB NOT NULL,
    received_at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_received ON deliveries (received_at);
CREATE TABLE IF NOT EXISTS jobs (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    delivery_key TEXT,
    unique_key TEXT,
    state TEXT NOT NULL DEFAULT 'pending',
    attempts INTEGER NOT NULL DEFAULT 0,
    run_at DOUBLE PRECISION NOT NULL,
    lease_owner TEXT,
    lease_until DOUBLE PRECISION,
    last_error TEXT,
    result JSONB,
    created_at DOUBLE PRECISION NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
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
    updated_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (namespace, key)
);
CREATE TABLE IF NOT EXISTS rate_slots (
    name TEXT NOT NULL,
    at DOUBLE PRECISION NOT NULL
);
CREATE INDEX IF NOT EXISTS rate_slots_name ON rate_slots (name, at);
CREATE TABLE IF NOT EXISTS notes (
    item TEXT PRIMARY KEY,
    note_id TEXT NOT NULL,
    updated_at DOUBLE PRECISION NOT NULL
);
"""

COLUMNS = (
    "id, kind, payload, delivery_key, state, attempts, run_at, last_error, created_at, updated_at, result"
)
INSERT_JOB = (
    "INSERT INTO jobs (kind, payload, delivery_key, unique_key, run_at, created_at, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $6) "
    "ON CONFLICT (unique_key) WHERE state = 'pending' AND unique_key IS NOT NULL DO NOTHING"
)


def row_to_job(row: asyncpg.Record) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        delivery_key=row["delivery_key"],
        state=row["state"],
        attempts=row["attempts"],
        run_at=row["run_at"],
        last_error=row["last_error"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        result=json.loads(row["result"]) if row["result"] is not None else None,
    )


def job_params(job: NewJob, now: float, run_at: float | None = None) -> tuple[Any, ...]:
    when = run_at if run_at is not None else job.run_at if job.run_at is not None else now
    return (job.kind, json.dumps(job.payload), job.delivery_key, job.unique_key, when, now)
