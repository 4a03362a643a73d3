"""The simulator answers like GitLab's documentation says, and its webhooks reach the bot."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient
from graphql import build_schema

from bot.gitlab.documents import OBJECTIVE_QUERY, PLAN_QUERY
from bot.gitlab.mapping import to_objective
from bot.service import Service
from bot.sim.app import CONTROL
from bot.sim.rest import DISPATCHER, GL
from bot.web.edge import make_app as make_bot_app
from tests.conftest import SECRET, SIGNING_SECRET, fixture_json

CSM = {"PRIVATE-TOKEN": "csm-token"}
ADMIN = {"Authorization": "Bearer admin-token"}


async def gql(sim: TestClient[Any, Any], query: str, headers: dict[str, str] = CSM, **variables: Any) -> Any:
    resp = await sim.post("/api/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert resp.status == 200
    return await resp.json()


async def epic_id(sim: TestClient[Any, Any], iid: int = 1, path: str = "am/acme") -> str:
    body = await gql(
        sim,
        "query Id($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) { id } } }",
        p=path,
        i=str(iid),
    )
    return str(body["data"]["namespace"]["workItem"]["id"])


async def bot_hook(sim: TestClient[Any, Any], aiohttp_server: Any, service: Service, **fields: Any) -> Any:
    server = await aiohttp_server(make_bot_app(service.edge))
    body = {
        "url": str(server.make_url("/webhook")),
        "token": SECRET,
        "issues_events": True,
        "confidential_issues_events": True,
        **fields,
    }
    resp = await sim.post("/api/v4/groups/am/hooks", json=body, headers=CSM)
    assert resp.status == 201
    return await resp.json()


async def settle(sim: TestClient[Any, Any]) -> None:
    assert (await sim.post("/-/sim/settle")).status == 200


def test_shipped_schema_is_a_true_subset_of_gitlabs(full_schema: Any) -> None:
    from importlib.resources import files

    from graphql import GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

    if full_schema is None:
        import pytest

        pytest.skip("../shared/gitlab/schema.graphql is not here")
    subset = build_schema(files("bot.sim").joinpath("schema.graphql").read_text())
    checked = 0
    for name, sub_type in subset.type_map.items():
        if name.startswith("__"):
            continue
        real = full_schema.get_type(name)
        assert real is not None and type(real) is type(sub_type), name
        if isinstance(sub_type, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, sub_field in sub_type.fields.items():
                real_field = real.fields[field_name]
                assert str(real_field.type) == str(sub_field.type), f"{name}.{field_name}"
                for arg, sub_arg in getattr(sub_field, "args", {}).items():
                    assert str(real_field.args[arg].type) == str(sub_arg.type), f"{name}.{field_name}({arg})"
                checked += 1
    assert checked > 100


async def test_api_needs_a_token(sim: TestClient[Any, Any]) -> None:
    for method, path in (
        ("GET", "/api/v4/user"),
        ("POST", "/api/graphql"),
        ("GET", "/api/v4/groups/am/hooks"),
    ):
        resp = await sim.request(method, path, json={})
        assert resp.status == 401 and await resp.json() == {"message": "401 Unauthorized"}
    assert (await (await sim.get("/api/v4/user", headers=CSM)).json())["username"] == "dana.csm"
    assert (await (await sim.get("/api/v4/user", headers=ADMIN)).json())["username"] == "root"


async def test_work_item_widgets_are_shaped_like_gitlabs(sim: TestClient[Any, Any]) -> None:
    real = fixture_json("graphql__epic_work_item_widgets.json")["data"]["namespace"]["workItem"]
    real_types = {w["__typename"] for w in real["widgets"]}
    body = await gql(
        sim,
        'query W($p: ID!) { namespace(fullPath: $p) { workItem(iid: "1") '
        "{ id state widgets { __typename type } } } }",
        p="am/acme",
    )
    item = body["data"]["namespace"]["workItem"]
    assert item["id"].startswith("gid://gitlab/WorkItem/") and item["state"] == "OPEN"
    ours = {w["__typename"] for w in item["widgets"]}
    assert ours <= real_types
    assert {"WorkItemWidgetHierarchy", "WorkItemWidgetStartAndDueDate", "WorkItemWidgetLabels"} <= ours


async def test_objective_query_reads_the_epic_and_its_initiatives_in_one_request(
    sim: TestClient[Any, Any],
) -> None:
    body = await gql(sim, OBJECTIVE_QUERY, fullPath="am/acme", iid="1")
    objective = to_objective(body["data"]["namespace"]["workItem"])
    assert objective.title == "Reduce cycle time for payments"
    assert objective.assignees == ["dana.csm"] and str(objective.due_date) == "2027-03-31"
    assert [c.title for c in objective.children or []] == ["Migrate pipelines", "Merge trains"]
    assert objective.children and objective.children[0].labels == ["SP Initiative::Status::On Track"]
    assert objective.url == "http://gitlab.test/groups/am/acme/-/work_items/1"


async def test_work_items_paginate_with_cursors_and_filter(sim: TestClient[Any, Any]) -> None:
    gl = sim.server.app[GL]
    group = gl.group("am/acme")
    admin = gl.user_by_name("root")
    for n in range(119):
        gl.create_item(type_="Epic", title=f"Objective {n}", author=admin, group=group, emit=False)
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        body = await gql(sim, PLAN_QUERY, fullPath="am/acme", after=after)
        conn = body["data"]["namespace"]["workItems"]
        seen += [n["title"] for n in conn["nodes"]]
        pages += 1
        if not conn["pageInfo"]["hasNextPage"]:
            break
        after = conn["pageInfo"]["endCursor"]
    assert pages == 3 and len(seen) == 120 == len(set(seen))
    future = "2099-01-01T00:00:00Z"
    body = await gql(sim, PLAN_QUERY, fullPath="am/acme", updatedAfter=future)
    assert body["data"]["namespace"]["workItems"]["nodes"] == []


async def test_notes_mutations(sim: TestClient[Any, Any]) -> None:
    create = (
        "mutation C($id: NoteableID!, $b: String!) { createNote(input: {noteableId: $id, body: $b}) "
        "{ note { id body } errors } }"
    )
    update = (
        "mutation U($id: NoteID!, $b: String!) "
        "{ updateNote(input: {id: $id, body: $b}) { note { id body } errors } }"
    )
    wid = await epic_id(sim)
    note = (await gql(sim, create, headers={"PRIVATE-TOKEN": "bot-token"}, id=wid, b="hello"))["data"][
        "createNote"
    ]
    assert note["errors"] == [] and note["note"]["id"].startswith("gid://gitlab/Note/")
    edited = await gql(sim, update, headers={"PRIVATE-TOKEN": "bot-token"}, id=note["note"]["id"], b="edited")
    assert edited["data"]["updateNote"]["note"]["body"] == "edited"
    # Only the author may edit a note.
    denied = await gql(sim, update, id=note["note"]["id"], b="hijack")
    assert denied["data"]["updateNote"] is None and "permission" in denied["errors"][0]["message"]
    blank = await gql(sim, create, id=wid, b="  ")
    assert blank["data"]["createNote"]["errors"] == ["Note can't be blank"]


async def test_group_hooks_crud_and_permissions(sim: TestClient[Any, Any]) -> None:
    resp = await sim.post(
        "/api/v4/groups/am/hooks",
        json={"url": "https://bot.example/webhook", "token": "s", "issues_events": True},
        headers=CSM,
    )
    assert resp.status == 201
    hook = await resp.json()
    documented = set(fixture_json("api__group_hook_events.json")[0]) - {
        "trigger",
        "request_headers",
        "request_data",
        "response_headers",
        "response_body",
        "execution_duration",
        "response_status",
    }
    assert documented <= set(hook)
    assert "token" not in hook and hook["alert_status"] == "executable" and hook["issues_events"] is True
    listed = await sim.get("/api/v4/groups/am/hooks", headers=CSM)
    assert [h["id"] for h in await listed.json()] == [hook["id"]] and listed.headers["x-total"] == "1"
    put = await sim.put(f"/api/v4/groups/am/hooks/{hook['id']}", json={"push_events": False}, headers=CSM)
    assert (await put.json())["push_events"] is False
    assert (await sim.get("/api/v4/groups/am/hooks", headers={"PRIVATE-TOKEN": "guest-token"})).status == 403
    assert (await sim.get("/api/v4/groups/free-tier/hooks", headers=CSM)).status == 404
    missing = await sim.get("/api/v4/groups/nope/hooks", headers=CSM)
    assert missing.status == 404 and await missing.json() == {"message": "404 Group Not Found"}
    no_url = await sim.post("/api/v4/groups/am/hooks", json={}, headers=CSM)
    assert no_url.status == 400 and await no_url.json() == {"error": "url is missing"}
    assert (await sim.delete(f"/api/v4/groups/am/hooks/{hook['id']}", headers=CSM)).status == 204
    assert (await sim.get(f"/api/v4/groups/am/hooks/{hook['id']}", headers=CSM)).status == 404


async def test_epic_events_reach_the_bot_as_gitlab_sends_them(
    sim: TestClient[Any, Any], aiohttp_server: Any, service: Service
) -> None:
    await bot_hook(sim, aiohttp_server, service)
    wid = await epic_id(sim)
    await gql(
        sim,
        'mutation E($id: WorkItemID!) { workItemUpdate(input: {id: $id, title: "Cut cycle time 30%"}) '
        "{ errors } }",
        id=wid,
    )
    await settle(sim)
    [record] = sim.server.app[GL].hooks[min(sim.server.app[GL].hooks)].events
    assert record.response_status == "202"
    headers = record.request_headers
    for name in (
        "X-Gitlab-Event",
        "Idempotency-Key",
        "X-Gitlab-Event-UUID",
        "X-Gitlab-Webhook-UUID",
        "X-Gitlab-Instance",
        "User-Agent",
    ):
        assert headers[name]
    body = record.request_data
    real = fixture_json("issue_hook__epic_created.json")
    assert set(real) <= set(body) and set(real["object_attributes"]) <= set(body["object_attributes"])
    assert body["object_kind"] == "work_item" and body["project"] is None
    assert body["object_attributes"]["action"] == "update" and "title" in body["changes"]
    stored = await service.store.get_delivery(headers["Idempotency-Key"])
    assert stored is not None


async def test_confidential_issue_and_ancestor_hooks(
    sim: TestClient[Any, Any], aiohttp_server: Any, service: Service
) -> None:
    await bot_hook(sim, aiohttp_server, service)
    gl = sim.server.app[GL]
    create = (
        'mutation N($t: WorkItemsTypeID!) { workItemCreate(input: {namespacePath: "am/acme/plan", '
        'title: "Secret rollout", workItemTypeId: $t, confidential: true}) { workItem { id } errors } }'
    )
    await gql(sim, create, t="gid://gitlab/WorkItems::Type/1")
    await settle(sim)
    [record] = next(iter(gl.hooks.values())).events
    assert record.request_headers["X-Gitlab-Event"] == "Confidential Issue Hook"
    assert record.request_data["event_type"] == "confidential_issue"
    assert record.request_data["project"]["path_with_namespace"] == "am/acme/plan"
    assert record.response_status == "202"


async def test_signed_deliveries_pass_the_bots_check(
    sim: TestClient[Any, Any], aiohttp_server: Any, service: Service
) -> None:
    await bot_hook(sim, aiohttp_server, service, token=None, signing_token=SIGNING_SECRET)
    wid = await epic_id(sim)
    await gql(
        sim,
        "mutation E($id: WorkItemID!) { workItemUpdate(input: {id: $id, stateEvent: CLOSE}) { errors } }",
        id=wid,
    )
    await settle(sim)
    [record] = next(iter(sim.server.app[GL].hooks.values())).events
    assert "webhook-signature" in record.request_headers and "X-Gitlab-Token" not in record.request_headers
    assert record.response_status == "202" and record.request_data["object_attributes"]["action"] == "close"


async def test_failing_hook_is_auto_disabled_and_events_dropped(
    sim: TestClient[Any, Any], aiohttp_server: Any
) -> None:
    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="boom")

    app = web.Application()
    app.router.add_post("/webhook", broken)
    server = await aiohttp_server(app)
    hook = await (
        await sim.post(
            "/api/v4/groups/am/hooks",
            json={"url": str(server.make_url("/webhook")), "issues_events": True},
            headers=CSM,
        )
    ).json()
    wid = await epic_id(sim)
    for n in range(6):
        await gql(
            sim,
            "mutation E($id: WorkItemID!, $t: String) { workItemUpdate(input: {id: $id, title: $t}) "
            "{ errors } }",
            id=wid,
            t=f"Title {n}",
        )
        await settle(sim)
    state = await (await sim.get(f"/api/v4/groups/am/hooks/{hook['id']}", headers=CSM)).json()
    assert state["alert_status"] == "temporarily_disabled" and state["disabled_until"]
    events = await (await sim.get(f"/api/v4/groups/am/hooks/{hook['id']}/events", headers=CSM)).json()
    assert len(events) == 4 and {e["response_status"] for e in events} == {"500"}
    assert {e["trigger"] for e in events} == {"issues_events"}
    failures = await sim.get(
        f"/api/v4/groups/am/hooks/{hook['id']}/events?status=server_failure", headers=CSM
    )
    assert len(await failures.json()) == 4


async def test_test_delivery_and_resend_keep_the_idempotency_key(
    sim: TestClient[Any, Any], aiohttp_server: Any, service: Service
) -> None:
    hook = await bot_hook(sim, aiohttp_server, service)
    resp = await sim.post(f"/api/v4/groups/am/hooks/{hook['id']}/test/issues_events", headers=CSM)
    assert resp.status == 201
    [event] = await (await sim.get(f"/api/v4/groups/am/hooks/{hook['id']}/events", headers=CSM)).json()
    resent = await sim.post(f"/api/v4/groups/am/hooks/{hook['id']}/events/{event['id']}/resend", headers=CSM)
    assert resent.status == 201
    events = await (await sim.get(f"/api/v4/groups/am/hooks/{hook['id']}/events", headers=CSM)).json()
    keys = {e["request_headers"]["Idempotency-Key"] for e in events}
    assert len(events) == 2 and len(keys) == 1
    assert len(await service.store.list_jobs()) == 1  # the bot saw a redelivery
    for _ in range(4):
        await sim.post(f"/api/v4/groups/am/hooks/{hook['id']}/events/{event['id']}/resend", headers=CSM)
    limited = await sim.post(f"/api/v4/groups/am/hooks/{hook['id']}/events/{event['id']}/resend", headers=CSM)
    assert limited.status == 429


async def test_pipeline_trigger_and_api(sim: TestClient[Any, Any]) -> None:
    resp = await sim.post(
        "/api/v4/projects/am%2Facme%2Fdeck/trigger/pipeline",
        data={"token": "glptt-acme", "ref": "main", "variables[SUCCESS_PLAN_GROUP]": "am/acme"},
    )
    assert resp.status == 201
    pipeline = await resp.json()
    assert set(fixture_json("api__trigger_pipeline.json")) - {"detailed_status"} <= set(pipeline)
    assert pipeline["source"] == "trigger" and pipeline["ref"] == "main"
    bad = await sim.post(
        "/api/v4/projects/am%2Facme%2Fdeck/trigger/pipeline", data={"token": "x", "ref": "main"}
    )
    assert bad.status == 404
    api = await sim.post(
        "/api/v4/projects/am%2Facme%2Fdeck/pipeline",
        headers=CSM,
        json={"ref": "main", "variables": [{"key": "SUCCESS_PLAN_REASON", "value": "edit"}]},
    )
    assert api.status == 201 and (await api.json())["source"] == "api"
    listed = await (await sim.get("/api/v4/projects/am%2Facme%2Fdeck/pipelines", headers=CSM)).json()
    assert len(listed) == 2
    gl = sim.server.app[GL]
    assert {p.variables.get("SUCCESS_PLAN_GROUP") for p in gl.pipelines.values()} == {"am/acme", None}


async def test_faults_and_request_log(sim: TestClient[Any, Any]) -> None:
    await sim.post(
        "/-/sim/faults", json={"path": "^/api/v4/user$", "status": 429, "retry_after": 7, "count": 1}
    )
    first = await sim.get("/api/v4/user", headers=CSM)
    assert first.status == 429 and first.headers["Retry-After"] == "7"
    assert (await sim.get("/api/v4/user", headers=CSM)).status == 200
    await sim.post("/-/sim/faults", json={"path": "^/api/graphql$", "status": 500, "count": 1})
    assert (await sim.post("/api/graphql", json={"query": "{ __typename }"}, headers=CSM)).status == 500
    await gql(sim, OBJECTIVE_QUERY, fullPath="am/acme", iid="1")
    log = await (await sim.get("/-/sim/requests")).json()
    assert [(e["method"], e["status"]) for e in log[:2]] == [("GET", 429), ("GET", 200)]
    assert log[-1]["operation"] == "Objective" and log[-1]["status"] == 200
    assert (await sim.delete("/-/sim/faults")).status == 204


async def test_dropped_webhooks_never_arrive(
    sim: TestClient[Any, Any], aiohttp_server: Any, service: Service
) -> None:
    await bot_hook(sim, aiohttp_server, service)
    await sim.post("/-/sim/faults", json={"drop_webhooks": True, "count": 2})
    wid = await epic_id(sim)
    for n in range(3):
        await gql(
            sim,
            "mutation E($id: WorkItemID!, $t: String) { workItemUpdate(input: {id: $id, title: $t}) "
            "{ errors } }",
            id=wid,
            t=f"T{n}",
        )
    assert (await (await sim.post("/-/sim/settle")).json())["dropped"] == 2
    assert len(sim.server.app[DISPATCHER].gl.hooks[min(sim.server.app[GL].hooks)].events) == 1


async def test_seed_endpoint(sim: TestClient[Any, Any]) -> None:
    resp = await sim.post(
        "/-/sim/seed",
        data="groups:\n  - path: beta\n    members: {dana.csm: 20}\n    objectives:\n      - title: New\n",
    )
    assert resp.status == 201
    body = await gql(
        sim, "query($p: ID!) { namespace(fullPath: $p) { workItems(types: [EPIC]) { count } } }", p="beta"
    )
    assert body["data"]["namespace"]["workItems"]["count"] == 1
    assert (await sim.post("/-/sim/seed", data="groups: [{}]")).status == 400
    assert sim.server.app[CONTROL].requests  # the log keeps API calls only
    await asyncio.sleep(0)
