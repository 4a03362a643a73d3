"""The simulator refuses what GitLab refuses, with GitLab's status codes and error texts."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from bot.gitlab.documents import OBJECTIVE_QUERY
from bot.sim.rest import GL

CSM = {"PRIVATE-TOKEN": "csm-token"}
BOT = {"PRIVATE-TOKEN": "bot-token"}
GUEST = {"PRIVATE-TOKEN": "guest-token"}


async def gql(sim: TestClient[Any, Any], query: str, headers: dict[str, str] = BOT, **variables: Any) -> Any:
    resp = await sim.post("/api/graphql", json={"query": query, "variables": variables}, headers=headers)
    assert resp.status == 200  # GitLab answers GraphQL errors with 200 too
    return await resp.json()


def messages(body: Any) -> list[str]:
    return [e["message"] for e in body.get("errors") or []]


async def test_a_query_over_the_complexity_limit_is_refused_with_gitlabs_text(
    sim: TestClient[Any, Any],
) -> None:
    one = (
        'namespace(fullPath: "am/acme") { workItems(first: 100) { nodes { id title widgets { type '
        "... on WorkItemWidgetLabels { labels(first: 100) { nodes { title } } } } } } }"
    )
    heavy = "query Heavy { " + " ".join(f"n{i}: {one}" for i in range(10)) + " }"  # about 28 each
    body = await gql(sim, heavy)
    [message] = messages(body)
    assert message.startswith("Query has complexity of ")
    assert message.endswith("which exceeds max complexity of 250")
    assert body.get("data") is None


async def test_depth_and_size_limits(sim: TestClient[Any, Any]) -> None:
    inner = ""
    for _ in range(11):  # each level is two deep: widgets, then the parent
        inner = "widgets { ... on WorkItemWidgetHierarchy { parent { id " + inner + " } } }"
    deep = 'query Deep { namespace(fullPath: "am/acme") { workItem(iid: "1") { ' + inner + " } } }"
    [message] = messages(await gql(sim, deep))
    assert message.startswith("Query has depth of ") and message.endswith("which exceeds max depth of 20")
    big = 'query Big { namespace(fullPath: "am/acme") { id } }' + " " * 10_001
    assert messages(await gql(sim, big)) == ["Query too large"]


async def test_page_size_is_capped_at_100(sim: TestClient[Any, Any]) -> None:
    gl = sim.server.app[GL]
    csm, group = gl.user_by_name("dana.csm"), gl.group("am/acme")
    for n in range(120):
        gl.create_item(type_="Epic", title=f"E{n}", author=csm, group=group, emit=False)
    query = (
        'query { namespace(fullPath: "am/acme") { workItems(first: 500) { nodes { id } '
        "pageInfo { hasNextPage } } } }"
    )
    body = await gql(sim, query)
    page = body["data"]["namespace"]["workItems"]
    assert len(page["nodes"]) == 100 and page["pageInfo"]["hasNextPage"] is True


async def test_a_non_member_reads_null_as_for_a_missing_group(sim: TestClient[Any, Any]) -> None:
    sim.server.app[GL].group("am").members.pop(sim.server.app[GL].user_by_name("success-plan-bot").id)
    body = await gql(sim, OBJECTIVE_QUERY, fullPath="am/acme", iid="1")
    assert body["data"] == {"namespace": None} and "errors" not in body


async def test_internal_notes_need_reporter(sim: TestClient[Any, Any]) -> None:
    found = await gql(sim, 'query { namespace(fullPath: "am/acme") { workItem(iid: "1") { id } } }', GUEST)
    wid = found["data"]["namespace"]["workItem"]["id"]
    mutation = (
        'mutation N($id: NoteableID!) { createNote(input: {noteableId: $id, body: "x", internal: true})'
        " { note { id } errors } }"
    )
    assert messages(await gql(sim, mutation, GUEST, id=wid))[0].startswith(
        "The resource that you are attempting"
    )
    assert messages(await gql(sim, mutation, BOT, id=wid)) == []


async def test_a_read_api_token_cannot_write(sim: TestClient[Any, Any]) -> None:
    gl = sim.server.app[GL]
    gl.user_by_name("success-plan-bot").scopes = ["read_api"]
    resp = await sim.post("/api/v4/groups/am/hooks", headers=BOT, json={"url": "https://bot.test/webhook"})
    assert resp.status == 403 and (await resp.json())["error"] == "insufficient_scope"
    wid = (await gql(sim, 'query { namespace(fullPath: "am/acme") { workItem(iid: "1") { id } } }'))["data"]
    assert wid["namespace"]["workItem"]["id"]  # reading is fine
    token = await (await sim.get("/api/v4/personal_access_tokens/self", headers=BOT)).json()
    assert token["scopes"] == ["read_api"] and token["active"] is True


async def test_work_items_are_null_where_they_are_not_enabled(sim: TestClient[Any, Any]) -> None:
    sim.server.app[GL].group("am/acme").work_items = False
    body = await gql(
        sim, 'query { namespace(fullPath: "am/acme") { name workItems(types: [EPIC]) { nodes { id } } } }'
    )
    assert body["data"]["namespace"]["workItems"] is None
