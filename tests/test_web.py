"""The web edge over HTTP: every status code SPEC.md names, with GitLab's own payloads."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp.test_utils import TestClient

from bot.service import Service
from bot.web.auth import sign
from tests.conftest import SECRET, SIGNING_KEY, fixture_bytes

EPIC = fixture_bytes("issue_hook__epic_created.json")


def hook_headers(event: str = "Issue Hook", **extra: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": event,
        "X-Gitlab-Token": SECRET,
        "User-Agent": "GitLab/18.5.0",
        "X-Gitlab-Instance": "https://gitlab.com",
    }
    headers.update(extra)
    return headers


def signed_headers(body: bytes, msg_id: str = "msg-1", at: float | None = None) -> dict[str, str]:
    stamp = int(time.time() if at is None else at)
    return {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Issue Hook",
        "webhook-id": msg_id,
        "Idempotency-Key": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign(SIGNING_KEY, msg_id, stamp, body),
    }


async def wait_for_jobs(service: Service, state: str, count: int) -> None:
    for _ in range(200):
        if len(await service.store.list_jobs(state)) >= count:  # type: ignore[arg-type]
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never saw {count} {state} jobs")


async def test_epic_delivery_is_stored_answered_202_and_processed(
    client: TestClient[Any, Any], service: Service
) -> None:
    resp = await client.post("/webhook", data=EPIC, headers=hook_headers(**{"Idempotency-Key": "k1"}))
    assert resp.status == 202
    assert await resp.json() == {"status": "accepted", "delivery": "k1"}
    stored = await service.store.get_delivery("k1")
    assert stored is not None and stored.body == EPIC
    assert "x-gitlab-token" not in stored.headers
    await wait_for_jobs(service, "done", 1)
    [job] = await service.store.list_jobs("done")
    assert job.result["kind"] == "ignored"  # project: null parsed; not an objective yet
    assert job.result["group"] == "sathwikshetty33-group"


async def test_objective_epic_becomes_a_domain_event(client: TestClient[Any, Any], service: Service) -> None:
    body = fixture_bytes("issue_hook__epic_objective_labelled.json")
    resp = await client.post("/webhook", data=body, headers=hook_headers(**{"Idempotency-Key": "o1"}))
    assert resp.status == 202
    await wait_for_jobs(service, "done", 1)
    [job] = await service.store.list_jobs("done")
    assert job.result["kind"] == "objective_changed"
    assert (job.result["group"], job.result["iid"]) == ("acme-corp/success-plan", 3)


async def test_issue_becomes_an_initiative_event(client: TestClient[Any, Any], service: Service) -> None:
    body = fixture_bytes("issue_hook__issue_updated.json")
    resp = await client.post("/webhook", data=body, headers=hook_headers())
    assert resp.status == 202
    await wait_for_jobs(service, "done", 1)
    [job] = await service.store.list_jobs("done")
    assert job.result["kind"] == "initiative_changed"
    assert job.result["project"] == "gitlabhq/gitlab-test" and job.result["iid"] == 23


async def test_redelivery_is_answered_202_and_does_nothing_more(
    client: TestClient[Any, Any], service: Service
) -> None:
    for _ in range(3):
        resp = await client.post("/webhook", data=EPIC, headers=hook_headers(**{"Idempotency-Key": "same"}))
        assert resp.status == 202
    assert (await resp.json())["status"] == "duplicate"
    assert len(await service.store.list_jobs()) == 1


async def test_dedupe_falls_back_to_event_uuid_then_body_hash(
    client: TestClient[Any, Any], service: Service
) -> None:
    uuid_headers = hook_headers(**{"X-Gitlab-Event-UUID": "ev-1"})
    assert (await (await client.post("/webhook", data=EPIC, headers=uuid_headers)).json())[
        "delivery"
    ] == "ev-1"
    plain = await client.post("/webhook", data=EPIC, headers=hook_headers())
    again = await client.post("/webhook", data=EPIC, headers=hook_headers())
    first, second = await plain.json(), await again.json()
    assert first["delivery"].startswith("sha256:") and second["status"] == "duplicate"
    assert len(await service.store.list_jobs()) == 2


async def test_missing_and_wrong_token_are_401(client: TestClient[Any, Any], service: Service) -> None:
    no_token = hook_headers()
    del no_token["X-Gitlab-Token"]
    resp = await client.post("/webhook", data=EPIC, headers=no_token)
    assert resp.status == 401 and "missing" in (await resp.json())["error"]
    resp = await client.post("/webhook", data=EPIC, headers=hook_headers(**{"X-Gitlab-Token": SECRET + "x"}))
    assert resp.status == 401
    assert SECRET not in await resp.text()
    assert await service.store.list_jobs() == []


async def test_signed_delivery_is_accepted(client: TestClient[Any, Any], service: Service) -> None:
    resp = await client.post("/webhook", data=EPIC, headers=signed_headers(EPIC))
    assert resp.status == 202
    assert (await resp.json())["delivery"] == "msg-1"


async def test_bad_signature_is_401_even_with_a_good_token(client: TestClient[Any, Any]) -> None:
    headers = signed_headers(EPIC)
    headers["webhook-signature"] = "v1," + "A" * 44
    resp = await client.post("/webhook", data=EPIC, headers=headers)
    assert resp.status == 401
    headers["X-Gitlab-Token"] = SECRET
    assert (await client.post("/webhook", data=EPIC, headers=headers)).status == 401


async def test_tampered_body_fails_the_signature(client: TestClient[Any, Any]) -> None:
    headers = signed_headers(EPIC)
    resp = await client.post("/webhook", data=EPIC.replace(b"Sample", b"Simple"), headers=headers)
    assert resp.status == 401


async def test_stale_and_future_timestamps_are_401(client: TestClient[Any, Any]) -> None:
    for skew in (-301, 301):
        resp = await client.post("/webhook", data=EPIC, headers=signed_headers(EPIC, at=time.time() + skew))
        assert resp.status == 401
        assert "tolerance" in (await resp.json())["error"]
    resp = await client.post("/webhook", data=EPIC, headers=signed_headers(EPIC, at=time.time() - 200))
    assert resp.status == 202


async def test_several_signatures_one_valid(client: TestClient[Any, Any]) -> None:
    headers = signed_headers(EPIC)
    headers["webhook-signature"] = "v1,bm90IGl0 " + headers["webhook-signature"]
    assert (await client.post("/webhook", data=EPIC, headers=headers)).status == 202


async def test_oversized_body_is_413(client: TestClient[Any, Any], service: Service) -> None:
    big = b'{"object_kind": "issue", "pad": "' + b"x" * (64 * 1024) + b'"}'
    resp = await client.post("/webhook", data=big, headers=hook_headers())
    assert resp.status == 413
    assert await service.store.list_jobs() == []


async def test_oversized_chunked_body_is_413(client: TestClient[Any, Any]) -> None:
    async def chunks() -> Any:
        for _ in range(80):
            yield b"x" * 1024

    resp = await client.post("/webhook", data=chunks(), headers=hook_headers())
    assert resp.status == 413


async def test_wrong_content_type_is_415(client: TestClient[Any, Any]) -> None:
    headers = hook_headers(**{"Content-Type": "application/x-www-form-urlencoded"})
    resp = await client.post("/webhook", data=b"payload=%7B%7D", headers=headers)
    assert resp.status == 415
    headers = hook_headers(**{"Content-Type": "text/plain"})
    assert (await client.post("/webhook", data=EPIC, headers=headers)).status == 415


async def test_malformed_json_and_shapes_are_400(client: TestClient[Any, Any], service: Service) -> None:
    for body in (b"{not json", b"[1, 2]", b"\xff\xfe", b'{"object_kind": "work_item"}'):
        resp = await client.post("/webhook", data=body, headers=hook_headers())
        assert resp.status == 400, body
        assert (await resp.json())["error"]
    no_event = hook_headers()
    del no_event["X-Gitlab-Event"]
    assert (await client.post("/webhook", data=EPIC, headers=no_event)).status == 400
    assert await service.store.list_jobs() == []


async def test_unknown_kinds_are_stored_and_ignored(client: TestClient[Any, Any], service: Service) -> None:
    body = fixture_bytes("push_hook__doc_example.json")
    resp = await client.post(
        "/webhook", data=body, headers=hook_headers("Push Hook", **{"Idempotency-Key": "p"})
    )
    assert resp.status == 202 and (await resp.json())["status"] == "ignored"
    assert await service.store.get_delivery("p") is not None
    assert await service.store.list_jobs() == []


async def test_note_hook_is_parsed_and_ignored(client: TestClient[Any, Any], service: Service) -> None:
    body = fixture_bytes("note_hook__issue_comment.json")
    resp = await client.post("/webhook", data=body, headers=hook_headers("Note Hook"))
    assert resp.status == 202 and (await resp.json())["status"] == "accepted"
    await wait_for_jobs(service, "done", 1)


async def test_store_failure_is_503_not_500(client: TestClient[Any, Any], service: Service) -> None:
    await service.store.close()
    resp = await client.post("/webhook", data=EPIC, headers=hook_headers())
    assert resp.status == 503
    assert (await client.get("/readyz")).status == 503
    await service.store.open()


async def test_probes_and_metrics(client: TestClient[Any, Any], service: Service) -> None:
    assert (await client.get("/healthz")).status == 200
    assert (await client.get("/readyz")).status == 200
    await client.post("/webhook", data=EPIC, headers=hook_headers(**{"Idempotency-Key": "m"}))
    await client.post("/webhook", data=EPIC, headers=hook_headers(**{"Idempotency-Key": "m"}))
    await client.post("/webhook", data=EPIC, headers=hook_headers(**{"X-Gitlab-Token": "nope"}))
    await wait_for_jobs(service, "done", 1)
    text = await (await client.get("/metrics")).text()
    assert 'bot_webhook_deliveries_total{outcome="accepted"} 1.0' in text
    assert 'bot_webhook_deliveries_total{outcome="duplicate"} 1.0' in text
    assert 'bot_webhook_deliveries_total{outcome="unauthorized"} 1.0' in text
    assert 'bot_jobs{state="done"} 1.0' in text
    assert "bot_webhook_ack_seconds_bucket" in text
    assert "bot_oldest_pending_job_age_seconds" in text and "bot_dead_jobs" in text
    assert 'bot_job_attempts_total{kind="delivery",result="done"} 1.0' in text
    assert SECRET not in text


async def test_shutting_down_turns_readiness_and_intake_503(
    client: TestClient[Any, Any], service: Service
) -> None:
    service.edge.shutting_down = True
    assert (await client.get("/readyz")).status == 503
    assert (await client.post("/webhook", data=EPIC, headers=hook_headers())).status == 503


async def test_secrets_never_reach_the_logs(client: TestClient[Any, Any], service: Service) -> None:
    import io

    from bot import log

    stream = io.StringIO()
    log.configure("debug", stream=stream)
    try:
        await client.post("/webhook", data=EPIC, headers=hook_headers(**{"Idempotency-Key": "log-1"}))
        await client.post(
            "/webhook", data=EPIC, headers=hook_headers(**{"X-Gitlab-Token": "guess-" + SECRET})
        )
        await wait_for_jobs(service, "done", 1)
        log.get("test").info("with a secret-looking key", gitlab_token=SECRET, note="ok")
    finally:
        log.configure("info")
    text = stream.getvalue()
    assert "delivery_id" in text and "log-1" in text
    assert SECRET not in text
    assert '"gitlab_token": "[REDACTED]"' in text


async def test_metrics_show_open_findings_by_rule_and_the_fix_time_histogram(
    client: Any, service: Service
) -> None:
    await service.store.set_values(
        "findings-seen",
        {"gid://gitlab/WorkItem/1": '{"group": "g", "rules": {"owner-missing": "2027-01-01"}}'},
    )
    await service.store.set_values("fix-days", {"g|i|timeline-missing|2027-01-01": "10"})
    text = await (await client.get("/metrics")).text()
    assert 'bot_open_findings{rule="owner-missing"} 1.0' in text
    assert 'bot_finding_fix_days_bucket{le="14"} 1.0' in text and "bot_finding_fix_days_count 1.0" in text
