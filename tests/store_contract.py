"""The job store's contract, run against every implementation (see test_store_*.py)."""

from __future__ import annotations

import asyncio

from bot.store.base import Delivery, NewJob, Store

NOW = 1_800_000_000.0


def delivery(key: str, received_at: float = NOW) -> Delivery:
    return Delivery(
        key=key,
        event="Issue Hook",
        body=b'{"k": "%s"}' % key.encode(),
        headers={"idempotency-key": key},
        received_at=received_at,
    )


def job_for(key: str) -> NewJob:
    return NewJob(kind="delivery", payload={"key": key}, delivery_key=key)


class StoreContract:
    """Subclasses provide a ``store`` fixture yielding an opened, empty store."""

    async def test_accept_is_durable_and_deduplicated(self, store: Store) -> None:
        assert await store.accept(delivery("a"), job_for("a")) is True
        assert await store.accept(delivery("a"), job_for("a")) is False
        stored = await store.get_delivery("a")
        assert stored is not None and stored.body == b'{"k": "a"}'
        jobs = await store.list_jobs()
        assert [(j.kind, j.delivery_key, j.state) for j in jobs] == [("delivery", "a", "pending")]

    async def test_concurrent_duplicates_in_one_batch_make_one_job(self, store: Store) -> None:
        results = await asyncio.gather(
            *(store.accept(delivery(f"k{i % 10}"), job_for(f"k{i % 10}")) for i in range(100))
        )
        assert sum(results) == 10
        assert len(await store.list_jobs()) == 10

    async def test_delivery_without_job_is_stored_only(self, store: Store) -> None:
        assert await store.accept(delivery("ignored"), None)
        assert await store.get_delivery("ignored") is not None
        assert await store.list_jobs() == []

    async def test_claim_leases_one_job_to_one_owner(self, store: Store) -> None:
        await store.accept(delivery("a"), job_for("a"))
        first = await store.claim("w1", now=NOW, lease_seconds=30)
        assert first is not None and first.state == "running" and first.attempts == 1
        assert await store.claim("w2", now=NOW + 1, lease_seconds=30) is None

    async def test_expired_lease_is_claimed_again(self, store: Store) -> None:
        await store.accept(delivery("a"), job_for("a"))
        first = await store.claim("w1", now=NOW, lease_seconds=30)
        assert first is not None
        again = await store.claim("w2", now=NOW + 31, lease_seconds=30)
        assert again is not None and again.id == first.id and again.attempts == 2
        # The first owner lost its lease: its completion must not count.
        assert not await store.complete(first, "w1", now=NOW + 32, follow_ups=[])
        assert await store.complete(again, "w2", now=NOW + 32, follow_ups=[])

    async def test_complete_enqueues_follow_ups_atomically(self, store: Store) -> None:
        await store.accept(delivery("a"), job_for("a"))
        job = await store.claim("w", now=NOW, lease_seconds=30)
        assert job is not None
        done = await store.complete(
            job, "w", now=NOW, result={"ok": 1}, follow_ups=[NewJob(kind="lint", payload={"iid": 3})]
        )
        assert done
        jobs = {j.kind: j for j in await store.list_jobs()}
        assert jobs["delivery"].state == "done" and jobs["delivery"].result == {"ok": 1}
        assert jobs["lint"].state == "pending" and jobs["lint"].payload == {"iid": 3}

    async def test_failure_backs_off_then_dead_letters_and_retry(self, store: Store) -> None:
        await store.accept(delivery("a"), job_for("a"))
        job = await store.claim("w", now=NOW, lease_seconds=30)
        assert job is not None
        await store.fail(job, "w", now=NOW, error="boom", retry_at=NOW + 10)
        assert await store.claim("w", now=NOW + 5, lease_seconds=30) is None  # not due yet
        job = await store.claim("w", now=NOW + 10, lease_seconds=30)
        assert job is not None and job.attempts == 2
        await store.fail(job, "w", now=NOW + 10, error="boom again", retry_at=None)
        [dead] = await store.list_jobs("dead")
        assert dead.last_error == "boom again"
        assert await store.claim("w", now=NOW + 1000, lease_seconds=30) is None
        assert await store.retry(dead.id, now=NOW + 20)
        assert not await store.retry(dead.id, now=NOW + 20)  # no longer dead
        again = await store.claim("w", now=NOW + 20, lease_seconds=30)
        assert again is not None and again.attempts == 1

    async def test_retry_all_dead(self, store: Store) -> None:
        for key in ("a", "b"):
            await store.accept(delivery(key), job_for(key))
            job = await store.claim("w", now=NOW, lease_seconds=30)
            assert job is not None
            await store.fail(job, "w", now=NOW, error="x", retry_at=None)
        assert await store.retry_all_dead(now=NOW) == 2
        assert len(await store.list_jobs("pending")) == 2

    async def test_release_gives_the_job_back_without_counting(self, store: Store) -> None:
        await store.accept(delivery("a"), job_for("a"))
        job = await store.claim("w", now=NOW, lease_seconds=30)
        assert job is not None
        assert await store.release(job, "w", now=NOW)
        again = await store.claim("w2", now=NOW, lease_seconds=30)
        assert again is not None and again.attempts == 1

    async def test_unique_key_keeps_one_pending_job(self, store: Store) -> None:
        rebuild = NewJob(kind="rebuild", payload={"group": "acme"}, unique_key="rebuild:acme")
        assert await store.enqueue([rebuild, rebuild], now=NOW) == 1
        job = await store.claim("w", now=NOW, lease_seconds=30)
        assert job is not None
        # While one runs, exactly one more may wait.
        assert await store.enqueue([rebuild], now=NOW) == 1
        assert await store.enqueue([rebuild], now=NOW) == 0

    async def test_stats(self, store: Store) -> None:
        await store.accept(delivery("a"), job_for("a"))
        await store.accept(delivery("b"), job_for("b"))
        stats = await store.stats(now=NOW + 7)
        assert stats.jobs_by_state["pending"] == 2 and stats.jobs_by_state["dead"] == 0
        assert stats.oldest_pending_age == 7
        assert stats.deliveries == 2
        await store.check_writable()

    async def test_prune_keeps_recent_keys_and_unfinished_work(self, store: Store) -> None:
        week = 7 * 86400
        await store.accept(delivery("old-done", NOW - 2 * week), job_for("old-done"))
        await store.accept(delivery("old-pending", NOW - 2 * week), job_for("old-pending"))
        await store.accept(delivery("recent", NOW - week + 60), job_for("recent"))
        claimed = await store.claim("w", now=NOW, lease_seconds=30)
        assert claimed is not None and claimed.delivery_key == "old-done"
        await store.complete(claimed, "w", now=NOW - 2 * week, follow_ups=[])
        assert await store.prune(before=NOW - week) == 1
        assert await store.get_delivery("old-done") is None
        assert await store.get_delivery("old-pending") is not None
        # A redelivery of a recent key is still recognised.
        assert await store.accept(delivery("recent"), job_for("recent")) is False

    async def test_jobs_with_one_unique_key_never_run_at_once(self, store: Store) -> None:
        lint = NewJob(kind="objective", payload={"iid": 1}, unique_key="objective:acme#1")
        other = NewJob(kind="objective", payload={"iid": 2}, unique_key="objective:acme#2")
        await store.enqueue([lint], now=NOW)
        first = await store.claim("w1", now=NOW, lease_seconds=30)
        assert first is not None
        await store.enqueue([lint, other], now=NOW)
        second = await store.claim("w2", now=NOW, lease_seconds=30)
        assert second is not None and second.payload == {"iid": 2}  # #1 waits for its twin
        assert await store.claim("w3", now=NOW, lease_seconds=30) is None
        await store.complete(first, "w1", now=NOW, follow_ups=[])
        third = await store.claim("w3", now=NOW, lease_seconds=30)
        assert third is not None and third.payload == {"iid": 1}

    async def test_an_expired_twin_does_not_block(self, store: Store) -> None:
        lint = NewJob(kind="objective", payload={}, unique_key="objective:acme#1")
        await store.enqueue([lint], now=NOW)
        assert await store.claim("w1", now=NOW, lease_seconds=30) is not None
        await store.enqueue([lint], now=NOW)
        # The first worker died; after its lease, either job may go, but only one at a time.
        taken = await store.claim("w2", now=NOW + 31, lease_seconds=30)
        assert taken is not None
        assert await store.claim("w3", now=NOW + 31, lease_seconds=30) is None

    async def test_note_ids_are_remembered_and_forgotten(self, store: Store) -> None:
        item = "gid://gitlab/WorkItem/7"
        assert await store.get_note(item) is None
        await store.set_note(item, "gid://gitlab/Note/1")
        await store.set_note(item, "gid://gitlab/Note/2")
        assert await store.get_note(item) == "gid://gitlab/Note/2"
        await store.set_note(item, None)
        assert await store.get_note(item) is None

    async def test_schedule_debounces_within_the_maximum_wait(self, store: Store) -> None:
        rebuild = NewJob(kind="rebuild", payload={"group": "acme"}, unique_key="rebuild:acme")
        assert await store.schedule(rebuild, now=NOW, window=60, max_wait=300)
        for t in range(10, 400, 10):  # an edit every 10 s for almost 7 minutes
            assert not await store.schedule(rebuild, now=NOW + t, window=60, max_wait=300)
        [job] = await store.list_jobs("pending", kind="rebuild")
        assert job.run_at == NOW + 300  # never postponed past the maximum wait
        assert job.payload["changes"] == 40
        assert await store.claim("w", now=NOW + 299, lease_seconds=30) is None
        running = await store.claim("w", now=NOW + 300, lease_seconds=30)
        assert running is not None
        # A change while it runs causes exactly one more.
        assert await store.schedule(rebuild, now=NOW + 301, window=60, max_wait=300)
        assert not await store.schedule(rebuild, now=NOW + 302, window=60, max_wait=300)
        assert len(await store.list_jobs("pending", kind="rebuild")) == 1

    async def test_values_by_namespace(self, store: Store) -> None:
        await store.set_values("fingerprint", {"a": "1", "b": "2"})
        await store.set_values("checkpoint", {"a": "2026-11-22T00:00:00Z"})
        assert await store.get_values("fingerprint") == {"a": "1", "b": "2"}
        assert await store.get_values("fingerprint", ["b", "c"]) == {"b": "2"}
        await store.set_values("fingerprint", {"a": None, "b": "3"})
        assert await store.get_values("fingerprint") == {"b": "3"}
        assert await store.get_values("checkpoint") == {"a": "2026-11-22T00:00:00Z"}

    async def test_a_failing_write_spoils_no_other_in_its_batch(self, store: Store) -> None:
        broken = NewJob(kind="delivery", payload={"not json": object()}, delivery_key="b")
        results = await asyncio.gather(
            store.accept(delivery("a"), job_for("a")),
            store.accept(delivery("b"), broken),
            store.accept(delivery("c"), job_for("c")),
            return_exceptions=True,
        )
        assert results[0] is True and results[2] is True
        assert isinstance(results[1], TypeError)
        assert await store.get_delivery("b") is None  # nothing half-written
        assert {j.delivery_key for j in await store.list_jobs()} == {"a", "c"}

    async def test_renew_keeps_the_lease_and_a_lost_lease_cannot_be_renewed(self, store: Store) -> None:
        await store.enqueue([NewJob(kind="k")], now=NOW)
        job = await store.claim("a", now=NOW, lease_seconds=3)
        assert job is not None
        assert await store.renew(job, "a", now=NOW + 2, lease_seconds=3) is True
        # Renewed until NOW + 5: nobody else may claim it at NOW + 4.
        assert await store.claim("b", now=NOW + 4, lease_seconds=3) is None
        stolen = await store.claim("b", now=NOW + 6, lease_seconds=3)
        assert stolen is not None and stolen.id == job.id
        assert await store.renew(job, "a", now=NOW + 6, lease_seconds=3) is False
        assert await store.complete(job, "a", now=NOW + 6, follow_ups=[]) is False

    async def test_release_with_run_at_defers_without_counting_an_attempt(self, store: Store) -> None:
        await store.enqueue([NewJob(kind="k")], now=NOW)
        job = await store.claim("a", now=NOW, lease_seconds=30)
        assert job is not None and job.attempts == 1
        assert await store.release(job, "a", now=NOW, run_at=NOW + 60) is True
        assert await store.claim("a", now=NOW + 59, lease_seconds=30) is None
        again = await store.claim("a", now=NOW + 60, lease_seconds=30)
        assert again is not None and again.attempts == 1

    async def test_take_rate_allows_limit_per_window_shared_by_all(self, store: Store) -> None:
        taken = [await store.take_rate("notes", limit=3, window=60, now=NOW + i) for i in range(5)]
        assert taken == [None, None, None, NOW + 60, NOW + 60]
        assert await store.take_rate("other", limit=3, window=60, now=NOW + 5) is None
        assert await store.take_rate("notes", limit=3, window=60, now=NOW + 60) is None
        assert await store.take_rate("notes", limit=3, window=60, now=NOW + 60.5) == NOW + 61

    async def test_take_rate_under_concurrency_never_exceeds_the_limit(self, store: Store) -> None:
        results = await asyncio.gather(
            *(store.take_rate("burst", limit=6, window=60, now=NOW) for _ in range(20))
        )
        assert sum(1 for r in results if r is None) == 6

    async def test_new_work_wakes_listeners(self, store: Store) -> None:
        woken: list[str] = []
        store.on_new_work(lambda: woken.append("x"))
        await store.accept(delivery("w1"), job_for("w1"))
        assert woken
        woken.clear()
        await store.accept(delivery("w2"), None)  # stored and ignored: nothing to run
        await asyncio.sleep(0.05)
        assert woken == []
        job = await store.claim("a", now=NOW, lease_seconds=30)
        assert job is not None
        await store.complete(job, "a", now=NOW, follow_ups=[NewJob(kind="next")])
        await asyncio.sleep(0.05)
        assert woken
