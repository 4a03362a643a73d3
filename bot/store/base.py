"""The job store's contract: an inbox of deliveries and a queue of leased jobs."""

from __future__ import annotations

import abc
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

JobState = Literal["pending", "running", "done", "dead"]
JOB_STATES: tuple[JobState, ...] = ("pending", "running", "done", "dead")


class StoreUnavailable(Exception):
    """The store could not commit; the web edge answers 503 and GitLab may retry."""


@dataclass(frozen=True)
class Delivery:
    """One authenticated webhook request, as received."""

    key: str
    event: str
    body: bytes
    headers: dict[str, str]
    received_at: float


@dataclass(frozen=True)
class NewJob:
    """A job to enqueue.

    *unique_key* keeps at most one pending job with that key, and no two jobs with the same
    key run at once: a burst of edits to one objective becomes one waiting job, and its
    comment is never written by two workers at the same time.
    """

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)
    delivery_key: str | None = None
    unique_key: str | None = None
    run_at: float | None = None


@dataclass(frozen=True)
class Job:
    """A job as stored."""

    id: int
    kind: str
    payload: dict[str, Any]
    delivery_key: str | None
    state: JobState
    attempts: int
    run_at: float
    last_error: str | None
    created_at: float
    updated_at: float
    result: Any = None

    def as_json(self) -> dict[str, Any]:
        """The job as ``jobs list --format json`` prints it."""
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state,
            "attempts": self.attempts,
            "delivery_key": self.delivery_key,
            "last_error": self.last_error,
            "run_at": self.run_at,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True)
class StoreStats:
    """Numbers for /metrics."""

    jobs_by_state: dict[str, int]
    oldest_pending_age: float
    deliveries: int


class Store(abc.ABC):
    """Durable state shared by the web edge and the worker.

    Every implementation passes ``tests/store_contract.py``.
    """

    def on_new_work(self, callback: Callable[[], None]) -> None:
        """Call *callback* whenever a job may have become runnable.

        Jobs added in this process call it at once; PostgreSQL also calls it for jobs that other
        replicas add (``LISTEN/NOTIFY``), so no worker waits for its next poll.
        """
        self.__dict__.setdefault("_work_listeners", []).append(callback)

    def _new_work(self) -> None:
        for callback in self.__dict__.get("_work_listeners", []):
            callback()

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and create or migrate the schema."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Flush pending writes and disconnect."""

    @abc.abstractmethod
    async def accept(self, delivery: Delivery, job: NewJob | None) -> bool:
        """Commit *delivery* (and its *job*) durably; False when its key was already seen.

        Raises StoreUnavailable when the commit fails.
        """

    @abc.abstractmethod
    async def get_delivery(self, key: str) -> Delivery | None:
        """The stored delivery with this key."""

    @abc.abstractmethod
    async def enqueue(self, jobs: list[NewJob], *, now: float) -> int:
        """Add jobs outside a delivery; returns how many were new."""

    @abc.abstractmethod
    async def claim(self, owner: str, *, now: float, lease_seconds: float) -> Job | None:
        """Lease the next due job (pending, or running with an expired lease) to *owner*."""

    @abc.abstractmethod
    async def complete(
        self, job: Job, owner: str, *, now: float, result: Any = None, follow_ups: list[NewJob]
    ) -> bool:
        """Mark *job* done and enqueue *follow_ups* atomically; False if the lease was lost."""

    @abc.abstractmethod
    async def fail(self, job: Job, owner: str, *, now: float, error: str, retry_at: float | None) -> bool:
        """Record a failed attempt: back to pending at *retry_at*, or dead when None."""

    @abc.abstractmethod
    async def renew(self, job: Job, owner: str, *, now: float, lease_seconds: float) -> bool:
        """Extend *owner*'s lease on a running job to ``now + lease_seconds``; False once it is lost."""

    @abc.abstractmethod
    async def release(self, job: Job, owner: str, *, now: float, run_at: float | None = None) -> bool:
        """Give a leased job back untouched: pending again (at *run_at*, else now), attempt not counted.

        Used at shutdown, and by a job that must wait for a rate limit instead of holding its slot.
        """

    @abc.abstractmethod
    async def take_rate(self, name: str, *, limit: int, window: float, now: float) -> float | None:
        """Take one of *limit* slots per *window* seconds, shared by every process on this store.

        Returns None when a slot was taken, else the time when the next one frees (nothing taken).
        """

    @abc.abstractmethod
    async def schedule(self, job: NewJob, *, now: float, window: float, max_wait: float) -> bool:
        """Debounce *job* on its unique key; True when a new job was created.

        The first call opens a window: the job runs at ``now + window``. Later calls while it
        waits push that back to ``now + window``, but never past ``max_wait`` after the first.
        """

    @abc.abstractmethod
    async def list_jobs(
        self, state: JobState | None = None, limit: int = 1000, kind: str | None = None
    ) -> list[Job]:
        """Jobs, newest first, optionally of one state and one kind."""

    @abc.abstractmethod
    async def retry(self, job_id: int, *, now: float) -> bool:
        """Put a dead job back to pending with its attempts reset."""

    @abc.abstractmethod
    async def retry_all_dead(self, *, now: float) -> int:
        """Retry every dead job; returns how many."""

    @abc.abstractmethod
    async def stats(self, *, now: float) -> StoreStats:
        """Counts for metrics."""

    @abc.abstractmethod
    async def check_writable(self) -> None:
        """Raise StoreUnavailable unless a write transaction can be opened."""

    @abc.abstractmethod
    async def prune(self, *, before: float) -> int:
        """Forget deliveries received before *before* whose jobs are finished."""

    @abc.abstractmethod
    async def get_note(self, item: str) -> str | None:
        """The id of the bot's comment on work item *item*, if one was made."""

    @abc.abstractmethod
    async def set_note(self, item: str, note_id: str | None) -> None:
        """Remember (or, with None, forget) the bot's comment on *item*."""

    @abc.abstractmethod
    async def get_values(self, namespace: str, keys: list[str] | None = None) -> dict[str, str]:
        """Stored values of *namespace* (fingerprints, checkpoints…), all or only *keys*."""

    @abc.abstractmethod
    async def set_values(self, namespace: str, values: dict[str, str | None]) -> None:
        """Store values in one transaction; None deletes the key."""
