"""The worker: claims leased jobs, runs the handler registered for their kind, records outcomes."""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import socket
import time
from collections.abc import Callable
from typing import Any

import structlog
from pydantic import ValidationError

from bot import log
from bot.gitlab.client import GitLabError, RateLimited, guard_writes
from bot.jobs.context import Context, LeaseLost, PermanentError, Registry, Reschedule
from bot.metrics import Metrics
from bot.retry import backoff
from bot.store.base import Job, Store

logger = log.get(__name__)

HEARTBEATS = "worker-heartbeat"  # owner -> last beat; `python -m bot health` reads it in worker mode
HEARTBEAT_SECONDS = 10.0


def permanent(exc: Exception) -> bool:
    """True for failures no retry can fix: they go to the dead-letter state at once, with the reason."""
    if isinstance(exc, PermanentError | ValidationError):
        return True
    return isinstance(exc, GitLabError) and exc.permanent


class Lease:
    """A running job's lease: renewed every third of its length, confirmed before each write."""

    def __init__(
        self, store: Store, job: Job, owner: str, seconds: float, clock: Callable[[], float]
    ) -> None:
        self.store, self.job, self.owner, self.seconds, self.clock = store, job, owner, seconds, clock
        self.lost = False

    async def keep(self) -> None:
        """Renew until cancelled (the job ended) or the lease is gone."""
        while not self.lost:
            await asyncio.sleep(self.seconds / 3)
            await self.renew()

    async def renew(self) -> None:
        try:
            held = await self.store.renew(self.job, self.owner, now=self.clock(), lease_seconds=self.seconds)
        except Exception:  # the store is down for a moment: the next renewal tries again
            logger.warning("lease renewal failed", job_id=self.job.id)
            return
        if not held:
            self.lost = True

    async def confirm(self) -> None:
        """Before a write: renew now, and refuse to write once the lease belongs to someone else."""
        if not self.lost:
            await self.renew()
        if self.lost:
            raise LeaseLost(f"job {self.job.id} lost its lease")


class Worker:
    """Runs up to ``worker_concurrency`` jobs at a time from the store."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        context: Context,
        metrics: Metrics,
        *,
        poll_interval: float = 0.2,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = store
        self.registry = registry
        self.context = context
        self.metrics = metrics
        self.poll_interval = poll_interval
        self.clock = clock
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self.heartbeat = time.monotonic()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._running: dict[asyncio.Task[None], Job] = {}
        self._rng = random.Random()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        # A job added anywhere (a delivery, a follow-up, another replica) is run at once; the
        # poll stays as a safety net.
        self.store.on_new_work(self.wake)
        self._task = asyncio.create_task(self.run(), name="worker")

    def wake(self) -> None:
        """Look for work now (a delivery was just accepted)."""
        self._wake.set()

    def alive(self, *, max_silence: float = 30.0) -> bool:
        """True while the loop runs and has ticked recently."""
        if self._task is None or self._task.done():
            return False
        return time.monotonic() - self.heartbeat < max_silence

    async def run(self) -> None:
        settings = self.context.settings
        slots = asyncio.Semaphore(settings.worker_concurrency)
        beat_at = 0.0
        while not self._stopping.is_set():
            self.heartbeat = time.monotonic()
            if self.heartbeat - beat_at >= HEARTBEAT_SECONDS:
                beat_at = self.heartbeat
                with contextlib.suppress(Exception):  # health is the store's to tell, not the loop's
                    await self.store.set_values(HEARTBEATS, {self.owner: str(self.clock())})
            await slots.acquire()
            # Cleared before the claim: work added while the claim runs wakes the next wait.
            self._wake.clear()
            try:
                job = await self.store.claim(
                    self.owner, now=self.clock(), lease_seconds=settings.lease_seconds
                )
            except Exception:
                slots.release()
                logger.exception("claim failed")
                await self._idle()
                continue
            if job is None:
                slots.release()
                await self._idle()
                continue
            task = asyncio.create_task(self._run_one(job))
            self._running[task] = job
            task.add_done_callback(self._finished(slots))

    def _finished(self, slots: asyncio.Semaphore) -> Callable[[asyncio.Task[None]], None]:
        def done(task: asyncio.Task[None]) -> None:
            self._running.pop(task, None)
            slots.release()

        return done

    async def _idle(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self.poll_interval)

    async def _run_one(self, job: Job) -> None:
        bound = logger.bind(job_id=job.id, kind=job.kind, attempt=job.attempts)
        if job.delivery_key:
            bound = bound.bind(delivery_id=job.delivery_key)
        handler = self.registry.get(job.kind)
        lease = Lease(self.store, job, self.owner, self.context.settings.lease_seconds, self.clock)
        keeper = asyncio.create_task(lease.keep(), name=f"lease-{job.id}")
        try:
            if handler is None:
                raise PermanentError(f"no handler for job kind {job.kind!r}")
            with (
                structlog.contextvars.bound_contextvars(delivery_id=job.delivery_key),
                guard_writes(lease.confirm),
            ):
                outcome = await handler(job, self.context)
        except asyncio.CancelledError:
            await self.store.release(job, self.owner, now=self.clock())
            bound.info("job released")
            raise
        except LeaseLost:
            bound.warning("job lease lost: stopped before writing")
            return
        except (Reschedule, RateLimited) as wait:
            at = wait.at if isinstance(wait, Reschedule) else self.clock() + wait.retry_after
            await self.store.release(job, self.owner, now=self.clock(), run_at=at)
            self.metrics.attempts.labels(job.kind, "deferred").inc()
            bound.info("job waits for a rate limit", reason=str(wait), run_at=round(at, 3))
            return
        except Exception as exc:
            await self._record_failure(job, exc, bound)
            return
        finally:
            keeper.cancel()
        if await self.store.complete(
            job, self.owner, now=self.clock(), result=outcome.result, follow_ups=outcome.follow_ups
        ):
            self.metrics.attempts.labels(job.kind, "done").inc()
            bound.info("job done", follow_ups=len(outcome.follow_ups))
            if outcome.follow_ups:
                self.wake()  # a follow-up is runnable now: no need to wait for the next poll
        else:
            bound.warning("job lease lost before completion")

    async def _record_failure(self, job: Job, exc: Exception, bound: Any) -> None:
        error = f"{type(exc).__name__}: {exc}"
        last = permanent(exc) or job.attempts >= self.context.settings.max_attempts
        retry_at = None if last else self.clock() + backoff(job.attempts, base=2.0, cap=900.0, rng=self._rng)
        await self.store.fail(job, self.owner, now=self.clock(), error=error, retry_at=retry_at)
        self.metrics.attempts.labels(job.kind, "dead" if last else "retry").inc()
        if last:
            bound.error("job dead", error=error)
        else:
            bound.warning("job failed, will retry", error=error, retry_at=retry_at)

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming; let running jobs finish for *timeout* s, then release their leases."""
        self._stopping.set()
        self._wake.set()
        if self._task is not None:
            # The loop may wait for a free slot; it holds nothing then and can be cancelled.
            _, pending = await asyncio.wait({self._task}, timeout=self.poll_interval + 1.0)
            for task in pending:
                task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._running:
            _, late = await asyncio.wait(list(self._running), timeout=timeout)
            for task in late:
                task.cancel()
            if late:
                await asyncio.gather(*late, return_exceptions=True)
