"""The edge as an attacker and a broken client see it: raw HTTP, malformed everything, never a 5xx."""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import re
import time
from collections.abc import Callable
from typing import Any

from aiohttp.test_utils import TestServer

from bot.service import Service
from bot.web.auth import sign
from bot.web.edge import make_app, runner_args
from tests.conftest import SECRET, SIGNING_KEY, fixture_bytes

EPIC = fixture_bytes("issue_hook__epic_created.json")


async def raw(port: int, head: list[bytes], body: bytes, *, chunked: bool = False) -> int:
    """Send one request byte for byte (headers may hold any byte); the status, 0 when none came."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    lines = [b"POST /webhook HTTP/1.1", b"Host: bot.test", b"Connection: close", *head]
    if chunked:
        lines.append(b"Transfer-Encoding: chunked")
        payload = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body) if body else b"0\r\n\r\n"
    else:
        lines.append(b"Content-Length: %d" % len(body))
        payload = body
    writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + payload)
    await writer.drain()
    try:
        status_line = await asyncio.wait_for(reader.readline(), 10)
    finally:
        writer.close()
    match = re.match(rb"HTTP/1\.[01] (\d{3})", status_line)
    return int(match[1]) if match else 0


def _mutated_payloads(rng: random.Random) -> list[bytes]:
    """Bodies that are JSON, or nearly: wrong types, huge numbers, deep nesting, bad bytes."""
    epic = json.loads(EPIC)
    bodies: list[bytes] = [
        b"",
        b"null",
        b"[]",
        b'"just a string"',
        b"{",
        b"\xff\xfe\x00{}",
        EPIC[: len(EPIC) // 2],
        b"[" * 5000 + b"]" * 5000,
        b'{"a":' * 3000 + b"1" + b"}" * 3000,
        b'{"object_kind": "work_item", "object_attributes": {"id": 1, "iid": ' + b"9" * 5000 + b"}}",
    ]
    for _ in range(80):
        data = json.loads(json.dumps(epic))
        attrs = data["object_attributes"]
        field = rng.choice(["id", "iid", "url", "title", "labels", "type", "state", "action"])
        attrs[field] = rng.choice(
            [
                None,
                -1,
                2**70,
                "x" * rng.randint(0, 5000),
                [1, 2],
                {"nested": {"deeper": [None]}},
                "https://gitlab.test/groups/a/-/work_items/" + "7" * rng.choice([20, 1000, 5000]),
                True,
                1.5,
            ]
        )
        if rng.random() < 0.3:
            data[rng.choice(["labels", "changes", "user", "project"])] = rng.choice(
                [5, "x", [None], {"a": []}]
            )
        bodies.append(json.dumps(data).encode())
    return bodies


def _cases(rng: random.Random) -> list[tuple[list[bytes], bytes, bool]]:
    token = b"X-Gitlab-Token: " + SECRET.encode()
    json_type = b"Content-Type: application/json"
    event = b"X-Gitlab-Event: Issue Hook"
    stamp = str(int(time.time())).encode()
    signature = sign(SIGNING_KEY, "fz", int(stamp), EPIC).encode()
    headers_sets: list[list[bytes]] = [
        [json_type, event, b"X-Gitlab-Token: \xff\xfe\x80"],
        [json_type, event, b"X-Gitlab-Token: " + SECRET.encode() + b"\xc3"],
        [json_type, event, b"X-Gitlab-Token: "],
        [json_type, event],
        [
            json_type,
            event,
            b"webhook-id: fz",
            b"webhook-timestamp: " + b"9" * 400,
            b"webhook-signature: v1,xx",
        ],
        [json_type, event, b"webhook-id: fz", b"webhook-timestamp: -5", b"webhook-signature: " + signature],
        [json_type, event, b"webhook-id: fz", b"webhook-timestamp: 1e9", b"webhook-signature: " + signature],
        [
            json_type,
            event,
            b"webhook-id: \xff",
            b"webhook-timestamp: " + stamp,
            b"webhook-signature: v1,\xff",
        ],
        [json_type, event, b"webhook-signature: " + b"v1,A " * 500],
        [token, event, b"Content-Type: application/json; charset=bogus"],
        [token, event, b"Content-Type: application/json; charset=latin-1"],
        [token, event, b"Content-Type: text/plain"],
        [token, event, b"Content-Type: \xff/\xfe"],
        [token, event],
        [token, json_type],
        [token, json_type, b"X-Gitlab-Event: \xff\xfe"],
        [token, json_type, b"X-Gitlab-Event: " + b"Issue Hook" * 100],
        [token, json_type, event, b"Content-Encoding: gzip"],
        [token, json_type, event, b"Content-Encoding: deflate"],
        [token, json_type, event, b"Content-Encoding: br"],
        [token, json_type, event, b"Idempotency-Key: " + b"k" * 5000],
        [token, json_type, event, b"X-Gitlab-Event-UUID: \x00\x01"],
        [token, json_type, b"X-Gitlab-Event: Note Hook"],
        [token, json_type, b"X-Gitlab-Event: Push Hook"],
    ]
    bodies = _mutated_payloads(rng)
    cases: list[tuple[list[bytes], bytes, bool]] = []
    for head in headers_sets:
        for body in [*rng.sample(bodies, 18), EPIC, gzip.compress(EPIC)]:
            cases.append((head, body, rng.random() < 0.2))
    for body in bodies:
        cases.append(([token, json_type, event], body, rng.random() < 0.3))
    return cases


async def _deliveries_counted(port: int, get: Callable[..., Any]) -> int:
    async with get(f"http://127.0.0.1:{port}/metrics") as resp:
        text = await resp.text()
    return int(
        sum(float(m[1]) for m in re.finditer(r"^bot_webhook_deliveries_total\{[^}]*\} (\S+)$", text, re.M))
    )


async def test_fuzzed_deliveries_get_4xx_or_2xx_and_are_all_counted(service: Service) -> None:
    import aiohttp

    server = TestServer(make_app(service.edge))
    await server.start_server(**runner_args(service.edge))
    assert server.port is not None
    cases = _cases(random.Random(20261201))
    assert len(cases) >= 500
    statuses: list[int] = []
    async with aiohttp.ClientSession() as session:
        for n, (head, body, chunked) in enumerate(cases):
            statuses.append(await raw(server.port, head, body, chunked=chunked))
            if n % 50 == 0:
                async with session.get(f"http://127.0.0.1:{server.port}/healthz") as health:
                    assert health.status == 200
        counted = await _deliveries_counted(server.port, session.get)
    await server.close()
    assert [s for s in statuses if s >= 500 or s == 0] == []
    assert counted == len(cases)
    assert {400, 401, 415} <= set(statuses) and 202 in statuses


async def test_a_signed_replay_with_a_new_idempotency_key_is_a_duplicate(service: Service) -> None:
    server = TestServer(make_app(service.edge))
    await server.start_server()
    assert server.port is not None
    stamp = int(time.time())
    head = [
        b"Content-Type: application/json",
        b"X-Gitlab-Event: Issue Hook",
        b"webhook-id: msg-replayed",
        b"webhook-timestamp: %d" % stamp,
        b"webhook-signature: " + sign(SIGNING_KEY, "msg-replayed", stamp, EPIC).encode(),
    ]
    first = await raw(server.port, [*head, b"Idempotency-Key: msg-replayed"], EPIC)
    replay = await raw(server.port, [*head, b"Idempotency-Key: something-new"], EPIC)
    await server.close()
    assert (first, replay) == (202, 202)
    jobs = await service.store.list_jobs(kind="delivery")
    assert [j.delivery_key for j in jobs] == ["msg-replayed"]


async def test_a_body_that_never_finishes_gets_408(service: Service, settings: Any) -> None:
    service.edge.settings = settings.model_copy(update={"body_timeout_seconds": 0.3})
    server = TestServer(make_app(service.edge))
    await server.start_server()
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        b"POST /webhook HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
        b"X-Gitlab-Event: Issue Hook\r\nX-Gitlab-Token: "
        + SECRET.encode()
        + b'\r\nContent-Length: 1000\r\n\r\n{"object_kind"'
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    writer.close()
    await server.close()
    assert status.startswith(b"HTTP/1.1 408")


async def test_content_that_can_never_be_processed_is_refused_or_ignored_never_retried(
    service: Service,
) -> None:
    server = TestServer(make_app(service.edge))
    await server.start_server()
    assert server.port is not None
    head = [
        b"Content-Type: application/json",
        b"X-Gitlab-Event: Issue Hook",
        b"X-Gitlab-Token: " + SECRET.encode(),
    ]
    statuses = []
    for digits in (5000, 1000, 25):
        data = json.loads(EPIC)
        data["object_attributes"]["url"] = "https://gitlab.test/groups/acme/-/work_items/" + "9" * digits
        data["labels"] = [{"title": "SP Objective"}]
        statuses.append(
            await raw(server.port, [*head, b"Idempotency-Key: d%d" % digits], json.dumps(data).encode())
        )
    await server.close()
    assert statuses == [400, 202, 202]
    for _ in range(100):
        jobs = await service.store.list_jobs(kind="delivery")
        if all(j.state == "done" for j in jobs):
            break
        await asyncio.sleep(0.02)
    results = {j.delivery_key: (j.state, j.attempts, (j.result or {}).get("reason")) for j in jobs}
    assert results == {
        "d1000": ("done", 1, "epic without a group URL"),
        "d25": ("done", 1, "epic without a group URL"),
    }
