"""Guidance comments end to end: simulator webhook in -> bot -> GraphQL read -> one note."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.core.comment import MARKER
from bot.service import Service, running
from bot.settings import FileConfig, Settings
from bot.sim.demo import INPUT_TYPES
from bot.sim.rest import DISPATCHER, GL
from bot.web.edge import make_app as make_bot_app
from tests.conftest import SECRET

CSM = {"PRIVATE-TOKEN": "csm-token"}
GOOD_DESCRIPTION = (
    "## Summary\nAcme's payments team ships monthly because every release needs a manual regression "
    "pass; they want weekly releases so fraud fixes reach production before the holiday peak.\n\n"
    "## Success Criteria\n- Cycle time from 10 days (Jan 2026) to 7 days by 2027-06-30\n\n"
    "## Updates\n- 2026-11-02: pipelines for 6 of 9 services migrated.\n"
)
GOOD_LABELS = [
    "SP Objective",
    "SP Objective::Status::On Track",
    "Verifiable Outcome::Accepted",
    "UseCase::CI",
]


@pytest.fixture
async def live(sim: TestClient[Any, Any], aiohttp_server: Any, tmp_path: Path) -> AsyncIterator[Service]:
    """The bot, talking to the simulator, with its group hook registered on ``am``."""
    settings = Settings(
        webhook_secret=SECRET,
        gitlab_url=str(sim.make_url("")).rstrip("/"),
        gitlab_token="bot-token",
        data_dir=tmp_path,
        lease_seconds=5,
        _env_file=None,
    )
    async with running(settings, FileConfig()) as service:
        server = await aiohttp_server(make_bot_app(service.edge))
        resp = await sim.post(
            "/api/v4/groups/am/hooks",
            headers=CSM,
            json={"url": str(server.make_url("/webhook")), "token": SECRET, "issues_events": True},
        )
        assert resp.status == 201
        yield service


async def settle(sim: TestClient[Any, Any], service: Service) -> None:
    for _ in range(400):
        await sim.server.app[DISPATCHER].settle()
        # One snapshot: a job between two queries could be seen in neither state.
        busy = [j for j in await service.store.list_jobs(limit=100_000) if j.state in ("pending", "running")]
        if not busy and not sim.server.app[DISPATCHER].pending:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the bot never settled")


async def edit(
    sim: TestClient[Any, Any],
    iid: int = 1,
    namespace: str = "am/acme",
    token: str = "csm-token",
    **fields: Any,
) -> None:
    found = await sim.post(
        "/api/graphql",
        headers={"PRIVATE-TOKEN": token},
        json={
            "query": "query($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) { id } } }",
            "variables": {"p": namespace, "i": str(iid)},
        },
    )
    item_id = (await found.json())["data"]["namespace"]["workItem"]["id"]
    params = "".join(f", ${k}: {INPUT_TYPES[k]}" for k in fields)
    inputs = "".join(f", {k}: ${k}" for k in fields)
    resp = await sim.post(
        "/api/graphql",
        headers={"PRIVATE-TOKEN": token},
        json={
            "query": f"mutation Edit($id: WorkItemID!{params}) {{ workItemUpdate(input: {{id: $id{inputs}}}) "
            "{ errors } }",
            "variables": {"id": item_id, **fields},
        },
    )
    assert (await resp.json())["data"]["workItemUpdate"]["errors"] == []


def notes_on(sim: TestClient[Any, Any], iid: int = 1) -> list[Any]:
    gl = sim.server.app[GL]
    item = gl.item_by_iid("am/acme", iid)
    return [n for n in gl.notes_of(item)]


def label_ids(sim: TestClient[Any, Any], *titles: str) -> list[str]:
    gl = sim.server.app[GL]
    group = gl.group("am/acme")
    return [f"gid://gitlab/GroupLabel/{gl.label_for(group, t).id}" for t in titles]


async def api_log(sim: TestClient[Any, Any], since: int = 0) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = await (await sim.get(f"/-/sim/requests?since={since}")).json()
    return result


def bot_calls(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The CSM's own calls in these tests are the Edit mutation and the id look-up.
    return [e for e in log if e["operation"] not in ("Edit", None) or e["method"] != "POST"]


async def test_one_comment_across_twenty_edits(sim: TestClient[Any, Any], live: Service) -> None:
    for n in range(20):
        await edit(sim, title=f"GitLab CI rollout, take {n}")
        await settle(sim, live)
    notes = notes_on(sim)
    assert len(notes) == 1
    assert (
        MARKER in notes[0].body
        and notes[0].author_id == sim.server.app[GL].user_by_name("success-plan-bot").id
    )
    assert "take 19" in notes[0].body


async def test_an_edit_that_changes_no_finding_writes_nothing(
    sim: TestClient[Any, Any], live: Service
) -> None:
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    [note] = notes_on(sim)
    before = len(await api_log(sim))
    await edit(sim, startAndDueDateWidget={"dueDate": "2027-04-30"})  # findings stay the same
    await settle(sim, live)
    calls = [e for e in await api_log(sim, before) if e["path"] == "/api/graphql"]
    bot = [e["operation"] for e in calls if e["operation"] not in ("Edit", None)]
    assert bot == ["Objective"]  # one read, no write
    assert notes_on(sim)[0].body == note.body and notes_on(sim)[0].updated_at == note.updated_at


async def test_one_edit_costs_one_read_and_at_most_one_write(
    sim: TestClient[Any, Any], live: Service
) -> None:
    before = len(await api_log(sim))
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    ops = [e["operation"] for e in await api_log(sim, before) if e["operation"] not in ("Edit", None)]
    assert ops == ["Objective", "CreateNote"]
    before = len(await api_log(sim))
    await edit(sim, title="GitLab CI and runners")
    await settle(sim, live)
    ops = [e["operation"] for e in await api_log(sim, before) if e["operation"] not in ("Edit", None)]
    assert ops == ["Objective", "UpdateNote"]


async def test_fixed_objective_turns_resolved_and_clean_new_ones_get_none(
    sim: TestClient[Any, Any], live: Service
) -> None:
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    assert "Not ready for the customer deck yet" in notes_on(sim)[0].body
    await edit(sim, iid=2, namespace="am/acme/plan", stateEvent="CLOSE")  # the incomplete initiative
    await edit(
        sim,
        title="Reduce cycle time for the payments team",
        descriptionWidget={"description": GOOD_DESCRIPTION},
        labelsWidget={"addLabelIds": label_ids(sim, *GOOD_LABELS[2:])},
    )
    await settle(sim, live)
    [note] = notes_on(sim)
    assert "now meets the success-plan template" in note.body and "Must fix" not in note.body
    # An objective that is already clean when the bot first sees it gets no comment at all.
    seed = {
        "groups": [
            {
                "path": "am/acme",
                "objectives": [
                    {
                        "title": "Reduce release risk with merge trains",
                        "description": GOOD_DESCRIPTION,
                        "labels": GOOD_LABELS,
                        "assignees": ["dana.csm"],
                        "due_date": "2027-05-31",
                        "initiatives": [
                            {
                                "project": "plan",
                                "title": "Pilot merge trains",
                                "due_date": "2027-01-31",
                                "assignees": ["dana.csm"],
                                "labels": ["SP Initiative::Status::On Track"],
                            }
                        ],
                    }
                ],
            }
        ]
    }
    import yaml

    assert (await sim.post("/-/sim/seed", data=yaml.safe_dump(seed))).status == 201
    await edit(sim, iid=2, startAndDueDateWidget={"dueDate": "2027-06-30"})
    await settle(sim, live)
    [job] = [j for j in await live.store.list_jobs("done") if j.kind == "objective" and j.payload["iid"] == 2]
    assert job.result["comment"] == "none" and notes_on(sim, 2) == []


async def test_retries_after_429_and_500_land_the_comment_once(
    sim: TestClient[Any, Any], live: Service
) -> None:
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    [first] = notes_on(sim)
    # Every bot call now meets a 429, then two 500s, before GitLab answers.
    await sim.post(
        "/-/sim/faults",
        json=[
            {"path": "^/api/graphql$", "status": 429, "retry_after": 1, "count": 1},
            {"path": "^/api/graphql$", "status": 500, "count": 2},
        ],
    )
    gl = sim.server.app[GL]
    del gl.notes[first.id]  # so that the bot must create a note again, through the faults
    item = gl.item_by_iid("am/acme", 1)
    gl.update_item(item, gl.user_by_name("dana.csm"), title="GitLab CI, again")
    await settle(sim, live)
    statuses = [e["status"] for e in await api_log(sim) if e["path"] == "/api/graphql"]
    assert 429 in statuses and 500 in statuses
    assert len(notes_on(sim)) == 1


async def test_a_job_retried_after_a_crash_never_posts_twice(
    sim: TestClient[Any, Any], live: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = live.store.set_note
    crashes = {"left": 1}

    async def crash_once(item: str, note_id: str | None) -> None:
        if crashes["left"]:
            crashes["left"] -= 1
            raise RuntimeError("process died after GitLab saved the note")
        await original(item, note_id)

    monkeypatch.setattr(live.store, "set_note", crash_once)
    live.worker.clock = lambda: __import__("time").time() + 10_000  # retry now, not after the back-off
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    assert crashes["left"] == 0
    assert len(notes_on(sim)) == 1
    [job] = [j for j in await live.store.list_jobs() if j.kind == "objective"]
    assert job.state == "done" and job.attempts == 2


async def test_a_deleted_comment_is_made_again(sim: TestClient[Any, Any], live: Service) -> None:
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    gl = sim.server.app[GL]
    [note] = notes_on(sim)
    del gl.notes[note.id]
    await edit(sim, title="GitLab CI again")
    await settle(sim, live)
    [again] = notes_on(sim)
    assert again.id != note.id


async def test_hostile_text_cannot_act_on_gitlab(sim: TestClient[Any, Any], live: Service) -> None:
    hostile = (
        '## Summary\n/close\n@all please look #1 &1 !1 ~"Priority::1" %"v1" $1\n\n'
        "## Success Criteria\n- /assign @root increase usage\n- improve things for @dana.csm see "
        "https://gitlab.test/am/acme/plan/-/issues/1\n"
        "- <img src=x onerror=alert(1)> `code` [x](javascript:y)\n"
    )
    await edit(sim, title="/label ~Bug @all &1 #2", descriptionWidget={"description": hostile})
    await settle(sim, live)
    [note] = notes_on(sim)
    body = note.body
    assert "increase usage" in body  # the criterion is quoted
    for line in body.splitlines():
        assert not line.lstrip().startswith("/"), line
    assert not re.search(r"(?<![\w`])@[A-Za-z0-9_]", body.replace("`Owner: @username`", ""))
    assert not re.search(r"(?<![\w\u2060])[#&!$%~][\w\"]", body.replace("#### ", "").replace("### ", ""))
    ours = (
        "https://handbook.gitlab.com",
        "https://success-plan-bot.gitlab.io/rules",
    )
    for link in ours:  # the template's own links; nothing copied from the epic may link
        body = body.replace(link, "")
    assert "https://" not in body
    assert "<img" not in body


async def test_the_bots_own_events_are_ignored(sim: TestClient[Any, Any], live: Service) -> None:
    await edit(sim, token="bot-token", title="GitLab CI")
    await settle(sim, live)
    [job] = [j for j in await live.store.list_jobs("done") if j.kind == "delivery"]
    assert job.result["reason"] == "caused by the bot's own user"
    assert notes_on(sim) == []


async def test_an_initiative_change_relints_its_objective(sim: TestClient[Any, Any], live: Service) -> None:
    await edit(sim, iid=2, namespace="am/acme/plan", stateEvent="CLOSE")
    await settle(sim, live)
    kinds = [j.kind for j in reversed(await live.store.list_jobs("done"))]
    assert kinds == ["delivery", "initiative", "objective"]
    [note] = notes_on(sim)
    assert "Migrate pipelines" not in note.body  # complete initiative, no finding


async def test_the_comment_is_an_internal_note_by_default(sim: TestClient[Any, Any], live: Service) -> None:
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    [note] = notes_on(sim)
    assert note.internal is True  # Reporter and up see it; the customer's Guests do not


async def test_public_when_configured_and_an_old_public_comment_is_replaced_once(
    sim: TestClient[Any, Any], live: Service
) -> None:
    live.context.config = live.context.config.model_copy(update={"comment_visibility": "public"})
    await edit(sim, title="GitLab CI")
    await settle(sim, live)
    [public] = notes_on(sim)
    assert public.internal is False
    # The bot is upgraded to internal comments: the public one goes, an internal one takes its place.
    live.context.config = live.context.config.model_copy(update={"comment_visibility": "internal"})
    await edit(sim, title="GitLab CI again")
    await settle(sim, live)
    [internal] = notes_on(sim)
    assert internal.internal is True and internal.id != public.id and MARKER in internal.body
    await edit(sim, title="GitLab CI once more")
    await settle(sim, live)
    [same] = notes_on(sim)
    assert same.id == internal.id  # replaced once, then edited in place
