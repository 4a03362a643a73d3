"""Each job kind against a small fake GitLab client and a real SQLite store: the calls it makes."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

from bot.core.comment import MARKER
from bot.gitlab.mapping import to_objective
from bot.jobs.context import Context, PermanentError
from bot.jobs.deckwatch import FINGERPRINTS, note_changes
from bot.jobs.delivery import handle_delivery
from bot.jobs.objective import handle_initiative, handle_objective
from bot.jobs.rebuild import handle_rebuild
from bot.jobs.reconcile import CHECKPOINTS, common_roots, reconcile_all, reconcile_group
from bot.store.base import Delivery, Job, NewJob
from tests.conftest import fixture_bytes
from tests.fakes import GOOD_DESCRIPTION, GOOD_LABELS, FakeGitLab, work_item


def job(new: NewJob, ident: int = 1) -> Job:
    now = time.time()
    return Job(ident, new.kind, new.payload, new.delivery_key, "running", 1, now, None, now, now)


def answer_objective(fake: FakeGitLab, node: dict[str, Any] | None) -> None:
    fake.answers["Objective"] = lambda _: {"namespace": {"workItem": node}}


def defective(notes: list[dict[str, Any]] | None = None, **extra: Any) -> dict[str, Any]:
    child = work_item(11, "Migrate pipelines", kind="Issue", group="am/acme/plan")
    return work_item(7, "GitLab CI", labels=("SP Objective",), children=[child], notes=notes or [], **extra)


async def test_objective_defective_gets_one_comment_and_a_repeat_writes_nothing(
    ctx: Context, fake: FakeGitLab
) -> None:
    answer_objective(fake, defective())
    outcome = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)
    assert outcome.result["comment"] == "created"
    assert fake.names() == ["Objective", "CreateNote"]
    [note] = fake.notes.values()
    assert MARKER in note["body"] and "due date" in note["body"]

    fake.calls.clear()
    answer_objective(fake, defective(notes=[{**note, "author": {"username": "success-plan-bot"}}]))
    again = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)
    assert again.result["comment"] == "unchanged"
    assert fake.names() == ["Objective"]  # one read, no write


async def test_objective_fixed_updates_the_comment_to_resolved(ctx: Context, fake: FakeGitLab) -> None:
    answer_objective(fake, defective())
    await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)
    [note] = fake.notes.values()
    child = work_item(
        11,
        "Migrate pipelines",
        kind="Issue",
        group="am/acme/plan",
        due="2027-01-15",
        assignees=("dana",),
        labels=("SP Initiative::Status::On Track",),
    )
    fixed = work_item(
        7,
        "Cut release cycle time for Acme",
        description=GOOD_DESCRIPTION,
        labels=GOOD_LABELS,
        assignees=("dana",),
        due="2027-06-30",
        children=[child],
        notes=[{**note, "author": {"username": "success-plan-bot"}}],
    )
    answer_objective(fake, fixed)
    fake.calls.clear()
    outcome = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)
    assert outcome.result["comment"] == "updated"
    assert fake.names() == ["Objective", "UpdateNote"]
    assert "now meets the success-plan template" in fake.notes[note["id"]]["body"]


async def test_objective_clean_and_new_gets_no_comment(ctx: Context, fake: FakeGitLab) -> None:
    child = work_item(
        11,
        "Pilot",
        kind="Issue",
        due="2027-01-15",
        assignees=("d",),
        labels=("SP Initiative::Status::On Track",),
    )
    node = work_item(
        7,
        "Cut release cycle time for Acme",
        description=GOOD_DESCRIPTION,
        labels=GOOD_LABELS,
        assignees=("dana",),
        due="2099-06-30",
        children=[child],
        notes=[],
    )
    answer_objective(fake, node)
    outcome = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)
    assert outcome.result["comment"] == "none"
    assert "CreateNote" not in fake.names()


async def test_objective_that_is_no_epic_is_skipped(ctx: Context, fake: FakeGitLab) -> None:
    answer_objective(fake, None)
    outcome = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)
    assert outcome.result == {"comment": "skipped", "why": "no such epic"}


async def test_objective_without_token_is_a_permanent_error(ctx: Context) -> None:
    ctx.gitlab = None
    with pytest.raises(PermanentError, match="BOT_GITLAB_TOKEN"):
        await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=7, reason="t")), ctx)


async def test_initiative_queues_its_objective_in_a_tracked_group(ctx: Context, fake: FakeGitLab) -> None:
    parent = {
        "id": "gid://gitlab/WorkItem/7",
        "iid": "7",
        "webUrl": "https://gitlab.test/groups/am/acme/-/work_items/7",
    }
    fake.answers["Parent"] = lambda _: {
        "namespace": {"workItem": {"id": "x", "widgets": [{"type": "HIERARCHY", "parent": parent}]}}
    }
    outcome = await handle_initiative(job(ctx.jobs.new("initiative", project="am/acme/plan", iid=3)), ctx)
    [follow] = outcome.follow_ups
    assert (follow.kind, follow.payload["group"], follow.payload["iid"]) == ("objective", "am/acme", 7)

    parent["webUrl"] = "https://gitlab.test/groups/elsewhere/-/work_items/7"
    outcome = await handle_initiative(job(ctx.jobs.new("initiative", project="am/acme/plan", iid=3)), ctx)
    assert outcome.follow_ups == [] and outcome.result["tracked"] is False


async def test_delivery_of_a_labelled_epic_fans_out_to_its_objective_check(ctx: Context) -> None:
    body = fixture_bytes("issue_hook__epic_objective_labelled.json")
    ctx.config.groups.clear()  # track every group
    delivery = Delivery("key-1", "Issue Hook", body, {"x-gitlab-event-uuid": "uuid-1"}, time.time())
    await ctx.store.accept(delivery, None)
    outcome = await handle_delivery(job(ctx.jobs.new("delivery", key="key-1")), ctx)
    [follow] = outcome.follow_ups
    assert follow.kind == "objective" and follow.delivery_key == "key-1"
    assert {k: follow.payload[k] for k in ("group", "iid", "event_uuid")} == {
        "group": "acme-corp/success-plan",
        "iid": 3,
        "event_uuid": "uuid-1",
    }
    assert follow.unique_key == "objective:acme-corp/success-plan#3"


async def test_delivery_caused_by_the_bot_itself_is_ignored(ctx: Context) -> None:
    data = json.loads(fixture_bytes("issue_hook__epic_objective_labelled.json"))
    data["user"]["username"] = "success-plan-bot"
    await ctx.store.accept(Delivery("key-2", "Issue Hook", json.dumps(data).encode(), {}, time.time()), None)
    outcome = await handle_delivery(job(ctx.jobs.new("delivery", key="key-2")), ctx)
    assert outcome.follow_ups == [] and outcome.result["kind"] == "ignored"


async def test_delivery_no_longer_stored_is_permanent(ctx: Context) -> None:
    with pytest.raises(PermanentError, match="no longer stored"):
        await handle_delivery(job(ctx.jobs.new("delivery", key="gone")), ctx)


async def test_rebuild_starts_one_pipeline_per_job_even_when_retried(
    ctx: Context, fake: FakeGitLab, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_TOK", "glptt-secret")
    rebuild = job(ctx.jobs.new("rebuild", group="am/acme", reason="epic changed"), ident=42)
    first = await handle_rebuild(rebuild, ctx)
    second = await handle_rebuild(rebuild, ctx)
    assert len(fake.posts) == 1
    url, data = fake.posts[0]
    assert url == "/projects/am%2Facme%2Fdeck/trigger/pipeline"
    assert data["variables"]["SUCCESS_PLAN_GROUP"] == "am/acme" and data["token"] == "glptt-secret"
    assert first.result == second.result and first.result["via"] == "trigger token"


async def test_rebuild_of_a_group_without_deck_is_permanent(ctx: Context) -> None:
    with pytest.raises(PermanentError, match="no deck project"):
        await handle_rebuild(job(ctx.jobs.new("rebuild", group="am/other", reason="x")), ctx)


async def test_deck_changes_schedule_one_rebuild_and_unchanged_none(ctx: Context) -> None:
    objective = to_objective(defective())
    assert await note_changes(ctx, "am/acme", objective, tracked=True, reason="edit") is True
    assert await note_changes(ctx, "am/acme", objective, tracked=True, reason="edit") is False
    [waiting] = await ctx.store.list_jobs("pending", kind="rebuild")
    assert waiting.payload["group"] == "am/acme"
    stored = await ctx.store.get_values(FINGERPRINTS)
    assert set(stored) == {"gid://gitlab/WorkItem/7", "gid://gitlab/WorkItem/11"}
    # Untracked now: its fingerprints go, and that is a change the deck must show.
    assert await note_changes(ctx, "am/acme", objective, tracked=False, reason="label removed") is True
    assert await ctx.store.get_values(FINGERPRINTS) == {}


async def test_reconcile_pages_through_changes_and_moves_the_checkpoint(
    ctx: Context, fake: FakeGitLab
) -> None:
    epic = work_item(7, "Objective", labels=("SP Objective",))
    issue = work_item(12, "Initiative", kind="Issue", group="am/acme/plan")
    issue["widgets"].append(
        {"type": "HIERARCHY", "parent": {"webUrl": "https://gitlab.test/groups/am/acme/-/work_items/9"}}
    )
    pages = {
        None: {"nodes": [epic], "pageInfo": {"hasNextPage": True, "endCursor": "c1"}},
        "c1": {"nodes": [issue], "pageInfo": {"hasNextPage": False, "endCursor": None}},
    }
    fake.answers["Changed"] = lambda v: {"namespace": {"workItems": pages[v["after"]]}}
    now = dt.datetime(2026, 11, 21, tzinfo=dt.UTC)  # first run: looks back 7 days from here
    report = await reconcile_group(fake, ctx.store, ctx.config, ctx.jobs, "am/acme", now=now)
    assert report.changed == 2 and report.objectives == ["am/acme#7", "am/acme#9"]
    assert [c for c, _ in fake.calls] == ["Changed", "Changed"]
    assert {j.payload["iid"] for j in await ctx.store.list_jobs("pending", kind="objective")} == {7, 9}
    # The next run starts just after the newest change seen.
    assert (await ctx.store.get_values(CHECKPOINTS))["am/acme"] == "2026-11-20T10:00:00.001000Z"


def test_unknown_job_kind_has_no_builder(ctx: Context) -> None:
    with pytest.raises(PermanentError, match="no builder"):
        ctx.jobs.new("nonsense")


def test_common_roots_cover_groups_with_their_longest_common_ancestor() -> None:
    assert common_roots(["cs/acme", "cs/globex", "cs/sub/initech"]) == {
        "cs": ["cs/acme", "cs/globex", "cs/sub/initech"]
    }
    assert common_roots(["a/x/one", "a/x/two", "b/solo"]) == {
        "a/x": ["a/x/one", "a/x/two"],
        "b/solo": ["b/solo"],
    }


async def test_a_thousand_unchanged_groups_cost_one_request(ctx: Context, fake: FakeGitLab) -> None:
    empty = {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    fake.answers["Changed"] = lambda v: {"namespace": {"workItems": empty}}
    groups = [f"am/customer-{n}" for n in range(1000)]
    await reconcile_all(fake, ctx.store, ctx.config, ctx.jobs, groups)
    assert [(name, v["fullPath"]) for name, v in fake.calls] == [("Changed", "am")]


async def test_a_hidden_ancestor_falls_back_to_each_group(ctx: Context, fake: FakeGitLab) -> None:
    empty = {"nodes": [], "pageInfo": {"hasNextPage": False, "endCursor": None}}
    fake.answers["Changed"] = lambda v: {"namespace": None if v["fullPath"] == "am" else {"workItems": empty}}
    await reconcile_all(fake, ctx.store, ctx.config, ctx.jobs, ["am/a", "am/b"])
    assert [v["fullPath"] for _, v in fake.calls] == ["am", "am/a", "am/b"]
    assert set(await ctx.store.get_values(CHECKPOINTS)) == {"am/a", "am/b"}  # none for the hidden root


async def test_history_remembers_when_findings_appear_and_how_long_they_took(ctx: Context) -> None:
    from bot.core.model import Finding
    from bot.jobs.history import FINDINGS_SEEN, FIX_DAYS, record

    def found(*rules: str) -> list[Finding]:
        return [Finding(rule=r, severity="error", message="m", hint="h") for r in rules]

    await record(
        ctx,
        "gid://gitlab/WorkItem/7",
        "am/acme",
        found("timeline-missing", "owner-missing"),
        dt.date(2027, 1, 1),
    )
    await record(ctx, "gid://gitlab/WorkItem/7", "am/acme", found("owner-missing"), dt.date(2027, 1, 11))
    seen = json.loads((await ctx.store.get_values(FINDINGS_SEEN))["gid://gitlab/WorkItem/7"])
    assert seen == {"group": "am/acme", "rules": {"owner-missing": "2027-01-01"}}
    assert await ctx.store.get_values(FIX_DAYS) == {
        "am/acme|gid://gitlab/WorkItem/7|timeline-missing|2027-01-01": "10"
    }


async def test_changes_under_a_portfolio_parent_coalesce_into_one_portfolio_rebuild(ctx: Context) -> None:
    from bot.settings import DeckProject, Portfolio

    ctx.config = ctx.config.model_copy(
        update={
            "portfolio": Portfolio(
                group="am", deck=DeckProject(project="am/portfolio", trigger_token_env="P")
            )
        }
    )
    for n, group in enumerate(["am/acme", "am/globex", "am/initech"]):
        node = work_item(100 + n, f"Objective {n}", group=group, labels=("SP Objective",), children=[])
        assert await note_changes(ctx, group, to_objective(node), tracked=True, reason="edit")
    waiting = await ctx.store.list_jobs("pending", kind="rebuild")
    assert sorted(j.payload["group"] for j in waiting) == ["am", "am/acme"]  # acme has its own deck too
    [portfolio] = [j for j in waiting if j.payload["group"] == "am"]
    assert portfolio.payload["changes"] == 3
    assert ctx.config.deck("am") is not None and ctx.config.deck("am").project == "am/portfolio"


async def test_an_edit_of_the_goals_epic_rebuilds_the_deck_and_never_comments(
    ctx: Context, fake: FakeGitLab
) -> None:
    goals = work_item(5, "Acme goals", labels=("SP Goals",), description="## Goals\n- Weekly releases")
    answer_objective(fake, goals)
    outcome = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=5, reason="t")), ctx)
    assert outcome.result == {"comment": "skipped", "why": "goals epic", "rebuild": True}
    assert fake.names() == ["Objective"]  # read, nothing written on GitLab
    [waiting] = await ctx.store.list_jobs("pending", kind="rebuild")
    assert waiting.payload["group"] == "am/acme"
    # The same goals again: nothing changed, no rebuild.
    again = await handle_objective(job(ctx.jobs.new("objective", group="am/acme", iid=5, reason="t")), ctx)
    assert again.result["rebuild"] is False
