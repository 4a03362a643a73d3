"""``python -m bot demo``: the bot against the GitLab simulator, end to end, in under a minute."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import secrets
import shutil
import socket
import time
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from aiohttp import web

from bot import log
from bot.core.checks import lint_objective, lint_plan
from bot.core.comment import MARKER
from bot.core.model import Objective
from bot.core.report import Result, as_json, as_text
from bot.deck.build import build as build_deck
from bot.gitlab import hooks
from bot.gitlab.api import GitLabAPI
from bot.gitlab.client import GitLabClient
from bot.gitlab.documents import OBJECTIVE_QUERY
from bot.gitlab.mapping import comments
from bot.gitlab.plans import read_plan
from bot.jobs.reconcile import reconcile_group
from bot.service import running
from bot.settings import DeckProject, FileConfig, Settings, TrackedGroup
from bot.sim.app import make_app
from bot.sim.model import GitLab
from bot.sim.rest import DISPATCHER
from bot.web.edge import make_app as make_bot_app

GROUP = "account-management/acme-corp"
HOOK_GROUP = "account-management"
DECK_PROJECT = f"{GROUP}/success-plan-deck"
TRIGGER_TOKEN = "glptt-demo-acme-deck"  # matches bot/sim/demo_plan.yaml
DEMO_WINDOW = 1.0  # seconds; 60 by default, shortened so the demo finishes quickly


def main(out: Path) -> int:
    """Run the demo, writing its results under *out*."""
    log.configure("warning")
    shutil.rmtree(out / "var", ignore_errors=True)
    shutil.rmtree(out / "deck", ignore_errors=True)
    (out / "var").mkdir(parents=True, exist_ok=True)
    (out / "var" / "deck-trigger-token").write_text(TRIGGER_TOKEN + "\n", encoding="utf-8")
    return asyncio.run(run(out))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def _start(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def _settings(sim_url: str, token: str, **extra: Any) -> Settings:
    return Settings(gitlab_url=sim_url, gitlab_token=token, config=None, database_url=None, **extra)


# The GraphQL input type of each workItemUpdate field the demo (and the tests) edit.
INPUT_TYPES = {
    "title": "String",
    "descriptionWidget": "WorkItemWidgetDescriptionInput",
    "labelsWidget": "WorkItemWidgetLabelsUpdateInput",
    "stateEvent": "WorkItemStateEvent",
    "startAndDueDateWidget": "WorkItemWidgetStartAndDueDateUpdateInput",
    "assigneesWidget": "WorkItemWidgetAssigneesInput",
}


async def edit(csm: GitLabClient, iid: int, namespace: str, **fields: Any) -> None:
    """One ``workItemUpdate``, as GitLab's UI sends it."""
    found = await csm.graphql(
        "query($p: ID!, $i: String!) { namespace(fullPath: $p) { workItem(iid: $i) { id } } }",
        p=namespace,
        i=str(iid),
    )
    params = ", ".join(f"${k}: {INPUT_TYPES[k]}" for k in fields)
    inputs = ", ".join(f"{k}: ${k}" for k in fields)
    await csm.graphql(
        f"mutation Edit($id: WorkItemID!, {params}) {{ workItemUpdate(input: {{id: $id, {inputs}}}) "
        "{ workItem { id } errors } }",
        id=found["namespace"]["workItem"]["id"],
        **fields,
    )


async def csm_edits(csm: GitLabClient) -> list[str]:
    """What a CSM does on a Monday morning, through GitLab's own API."""
    labels = {
        label["name"]: label["id"]
        for label in await csm.get_all(f"/groups/{GROUP.replace('/', '%2F')}/labels")
    }
    [dana] = await csm.get_all("/users", {"username": "dana.csm"})
    done = []

    async def update(iid: int, namespace: str, what: str, **fields: Any) -> None:
        await edit(csm, iid, namespace, **fields)
        done.append(what)

    await update(
        2,
        GROUP,
        "rewrote “GitLab CI” with a real outcome, measurable criteria, a due date and a status",
        title="Cut pipeline wait time for Acme's platform team",
        descriptionWidget={
            "description": (
                "## Summary\nAcme's 200 developers wait on shared runners for up to 40 minutes at peak, "
                "which delays every hotfix. The platform team wants pipelines to start within minutes "
                "so that incidents are fixed the same day.\n\n## Success Criteria\n"
                "- Median pipeline queue time from 22 minutes (Oct 2026) to under 3 minutes by 2027-02-28\n"
                "- Decommission the two legacy Jenkins agents\n\n## Updates\n"
                f"- {dt.date.today()}: objective rewritten with the platform lead.\n"
            )
        },
        startAndDueDateWidget={"startDate": "2026-11-01", "dueDate": "2027-02-28"},
        labelsWidget={"addLabelIds": [f"gid://gitlab/GroupLabel/{labels['SP Objective::Status::On Track']}"]},
    )
    await update(
        3,
        GROUP,
        "assigned “Security scanning” to its owner (the template text is still there)",
        assigneesWidget={"assigneeIds": [f"gid://gitlab/User/{dana['id']}"]},
    )
    await update(
        1,
        f"{GROUP}/success-plan",
        "closed the initiative “Migrate the payments monorepo pipelines”",
        stateEvent="CLOSE",
    )
    return done


async def _comments(gl: GitLabAPI, objectives: list[Objective]) -> list[tuple[str, int, str | None]]:
    """``(title, iid, the bot's comment or None)`` for each objective, read back through GraphQL."""
    found = []
    for objective in objectives:
        data = await gl.graphql(OBJECTIVE_QUERY, fullPath=GROUP, iid=str(objective.iid))
        notes, _ = comments((data["namespace"] or {})["workItem"])
        mine = next((n["body"] for n in notes if MARKER in n["body"]), None)
        found.append((objective.title, objective.iid or 0, mine))
    return found


async def _settle(sim: web.Application, service: Any, deadline: float) -> None:
    while time.monotonic() < deadline:
        await sim[DISPATCHER].settle()
        # One snapshot: a job between two queries could be seen in neither state.
        busy = [j for j in await service.store.list_jobs(limit=100_000) if j.state in ("pending", "running")]
        if not busy and not sim[DISPATCHER].pending:
            return
        await asyncio.sleep(0.05)


def _lint_report(objectives: list[Objective], config: FileConfig, out: Path) -> str:
    lint_config, today = config.lint, dt.date.today()
    results = [Result(o.url or o.title, o.title, lint_objective(o, lint_config, today)) for o in objectives]
    results.append(Result(GROUP, GROUP, lint_plan(objectives, lint_config), plan=True))
    (out / "lint-report.json").write_text(
        json.dumps(as_json(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    report = as_text(results)
    (out / "lint-report.txt").write_text(report + "\n", encoding="utf-8")
    return report


async def run(out: Path) -> int:
    started = time.monotonic()
    plan = yaml.safe_load(files("bot.sim").joinpath("demo_plan.yaml").read_text(encoding="utf-8"))
    sim_port, bot_port = _free_port(), _free_port()
    sim_url, bot_url = f"http://127.0.0.1:{sim_port}", f"http://127.0.0.1:{bot_port}/webhook"
    sim = make_app(GitLab(sim_url), plan)
    sim_runner = await _start(sim, sim_port)
    secret = secrets.token_urlsafe(24)
    settings = _settings(
        sim_url,
        "demo-bot-token",
        webhook_secret=secret,
        bot_username="success-plan-bot",
        data_dir=out / "var",
        host="127.0.0.1",
        port=bot_port,
        rebuild_window_seconds=DEMO_WINDOW,
    )
    config = FileConfig(
        groups=[
            TrackedGroup(
                path=GROUP,
                deck=DeckProject(project=DECK_PROJECT, trigger_token_file=out / "var" / "deck-trigger-token"),
            )
        ]
    )
    print("success-plan-bot demo\n")
    print(f"  GitLab simulator  {sim_url}  (group {GROUP}: 3 objectives, 3 initiatives)")
    print(f"  Bot               {bot_url}  (secret generated for this run, store in {out / 'var'})\n")
    try:
        async with running(settings, config) as service:
            bot_runner = await _start(make_bot_app(service.edge), bot_port)
            gitlab = service.context.gitlab
            assert gitlab is not None
            admin = _settings(sim_url, "demo-admin-token", webhook_secret=secret)
            async with GitLabClient(admin) as gl:
                hook_id, _ = await hooks.register(gl, admin, HOOK_GROUP, bot_url)
                status = await hooks.status(gl, HOOK_GROUP, bot_url)
            print(
                f"1. Registered the group hook {hook_id} on {HOOK_GROUP} with the bot's own code "
                f"(`hook register`): {', '.join(status.as_json()['events'])}; "
                f"status {status.as_json()['alert_status']}."
            )
            first = await reconcile_group(gitlab, service.store, config, service.context.jobs, GROUP)
            await _settle(sim, service, started + 45)
            print(
                f"2. At start the bot reconciles, as `serve` does: {first.changed} item(s) changed lately, "
                f"{len(first.objectives)} objective(s) checked; the checkpoint is now {first.checkpoint}."
            )
            async with GitLabClient(_settings(sim_url, "demo-csm-token")) as csm:
                edits = await csm_edits(csm)
                print(f"3. A CSM edited the plan through GitLab's API ({len(edits)} edits):")
                for line in edits:
                    print(f"   - {line}")
                await _settle(sim, service, started + 45)
                sim[DISPATCHER].drop.append({"count": 1})  # GitLab fails to deliver the next event
                await edit(csm, 3, GROUP, startAndDueDateWidget={"dueDate": "2027-05-31"})
            await _settle(sim, service, started + 45)
            events = [j.result for j in await service.store.list_jobs("done", kind="delivery")]
            kinds = {
                k: sum(1 for e in events if e["kind"] == k)
                for k in ("objective_changed", "initiative_changed", "ignored")
            }
            print(
                f"4. The bot authenticated, stored and answered {len(events)} webhook deliveries (202) and "
                f"derived {kinds['objective_changed']} objective change(s), {kinds['initiative_changed']} "
                f"initiative change(s), {kinds['ignored']} ignored."
            )
            missed = await reconcile_group(gitlab, service.store, config, service.context.jobs, GROUP)
            await _settle(sim, service, started + 50)
            print(
                f"5. GitLab dropped the webhook of one more edit (the due date of “Security scanning”). "
                f"Reconciliation listed the {missed.changed} item(s) changed since its checkpoint and "
                f"re-checked {len(missed.objectives)} objective(s): the dropped edit was picked up; the ones "
                f"already handled cost one read each and wrote nothing."
            )
            plan_now = await read_plan(gitlab, GROUP, config.lint.labels.objective)
            epic_comments = await _comments(gitlab, plan_now.objectives)
            rebuilds = [j.result for j in await service.store.list_jobs("done", kind="rebuild")]
            deck = await build_deck(
                settings, config, GROUP, out / "deck", {"html", "pptx"}, 90, dt.date.today()
            )
            await bot_runner.cleanup()
    finally:
        await sim_runner.cleanup()
    (out / "deliveries.json").write_text(json.dumps(events, indent=2) + "\n", encoding="utf-8")
    report = _lint_report(plan_now.objectives, config, out)
    print("6. The plan as it stands now, read back through GraphQL and linted:\n")
    print("   " + report.replace("\n", "\n   "))
    print("\n7. Guidance comments the bot keeps on the objective epics (one each, edited in place):\n")
    (out / "comments").mkdir(exist_ok=True)
    for title, iid, body in epic_comments:
        if body is None:
            print(f"   #{iid} {title}: no comment (it meets the template, so the bot stays quiet)")
            continue
        (out / "comments" / f"objective-{iid}.md").write_text(body, encoding="utf-8")
        print(f"   #{iid} {title}: comments/objective-{iid}.md")
        print("      " + body.strip().replace("\n", "\n      ")[:1200])
        print()
    print(
        f"8. Deck rebuilds: the changes were coalesced into {len(rebuilds)} pipeline(s) in {DECK_PROJECT} "
        f"(window {DEMO_WINDOW:g} s for the demo, 60 s by default):"
    )
    for rebuild in rebuilds:
        print(f"   - {rebuild['pipeline_url']} via {rebuild['via']}: {rebuild['reason']}")
    print(
        f"   The pipeline runs `deck build`; here it ran locally "
        f"({deck['graphql_requests']} GraphQL request, {deck['seconds']} s):"
    )
    for key in ("html", "pptx", "timeline"):
        print(f"   - {deck[key]}")
    print(
        f"\nOutput in {out}/: deck/, comments/, lint-report.txt, lint-report.json, deliveries.json "
        f"({time.monotonic() - started:.1f} s)."
    )
    return 0
