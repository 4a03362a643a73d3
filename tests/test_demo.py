"""The demo and the admin commands as a new user runs them: real processes, real HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import yaml

from tests.conftest import SIM_PLAN
from tests.proc import bot_env, free_port, start

ROOT = Path(__file__).parent.parent


def test_demo_runs_from_a_fresh_directory(tmp_path: Path) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=bot_env(tmp_path, 1),
    )
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - started < 60
    out = result.stdout
    assert "1. Registered the group hook" in out and "issues_events" in out
    assert "4. The bot authenticated, stored and answered 3 webhook deliveries" in out
    assert "5. GitLab dropped the webhook of one more edit" in out
    assert "Cut pipeline wait time for Acme's platform team" in out
    assert "outcome-placeholder" in out
    assert "coalesced into 3 pipeline(s)" in out and "via trigger token" in out
    deck = tmp_path / "demo-output" / "deck"
    assert (
        (deck / "index.html").exists() and (deck / "deck.pptx").exists() and (deck / "timeline.svg").exists()
    )
    assert "#1 Reduce cycle time for the payments team by standardising pipelines: no comment" in out
    comment = (tmp_path / "demo-output" / "comments" / "objective-3.md").read_text()
    assert comment.startswith("<!-- success-plan-bot:objective-guidance -->")
    assert "Not ready for the customer deck yet" in comment
    assert "Traceback" not in result.stderr
    report = json.loads((tmp_path / "demo-output" / "lint-report.json").read_text())
    titles = [entry["title"] for entry in report]
    assert "Reduce cycle time for the payments team by standardising pipelines" in titles
    deliveries = json.loads((tmp_path / "demo-output" / "deliveries.json").read_text())
    assert {d["kind"] for d in deliveries} == {"objective_changed", "initiative_changed"}


def test_hook_commands_against_a_running_simulator(tmp_path: Path) -> None:
    seed = tmp_path / "plan.yaml"
    seed.write_text(yaml.safe_dump(SIM_PLAN))
    port = free_port()
    sim = start(["sim", "--seed", str(seed), "--port", str(port)], bot_env(tmp_path, 1), tmp_path / "sim.log")
    try:
        env = bot_env(
            tmp_path,
            1,
            BOT_GITLAB_URL=f"http://127.0.0.1:{port}",
            BOT_GITLAB_TOKEN="csm-token",
            BOT_WEBHOOK_SECRET="s3cret",
        )

        def bot(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [sys.executable, "-m", "bot", "hook", *args],
                env=env,
                capture_output=True,
                text=True,
                timeout=30,
            )

        for _ in range(100):
            if (tmp_path / "sim.log").exists() and "simulator on" in (tmp_path / "sim.log").read_text():
                break
            time.sleep(0.1)
        time.sleep(0.3)
        url = "https://bot.example/webhook"
        first = bot("register", "--group", "am", "--url", url)
        second = bot("register", "--group", "am", "--url", url)
        assert first.returncode == 0 and second.returncode == 0, first.stderr
        assert first.stdout.splitlines()[0] == second.stdout.splitlines()[0]
        assert "Updated" in second.stdout
        status = bot("status", "--group", "am", "--format", "json")
        assert status.returncode == 0
        assert json.loads(status.stdout)["events"] == ["confidential_issues_events", "issues_events"]
        denied = subprocess.run(
            [sys.executable, "-m", "bot", "hook", "status", "--group", "am"],
            env={**env, "BOT_GITLAB_TOKEN": "guest-token"},
            capture_output=True,
            text=True,
        )
        assert denied.returncode == 2 and len(denied.stderr.strip().splitlines()) == 1
        assert "Owner role" in denied.stderr and "guest-token" not in denied.stderr
        assert bot("remove", "--group", "am").returncode == 0
        missing = bot("status", "--group", "am")
        assert missing.returncode == 1 and "No success-plan-bot hook" in missing.stdout
        linted = subprocess.run(
            [
                sys.executable,
                "-m",
                "bot",
                "lint",
                "--group",
                "am/acme",
                "--format",
                "json",
                "--today",
                "2026-11-22",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert linted.returncode == 1, linted.stderr  # the seeded objective has errors
        entries = json.loads(linted.stdout)
        assert [e["title"] for e in entries] == ["Reduce cycle time for payments", "acme"]
        assert {f["rule"] for f in entries[0]["findings"]} >= {"outcome-too-thin", "criteria-missing"}
        both = subprocess.run(
            [sys.executable, "-m", "bot", "lint", "x.md", "--group", "am/acme"],
            env=env,
            capture_output=True,
            text=True,
        )
        assert both.returncode == 2 and "not both" in both.stderr
        no_token = subprocess.run(
            [sys.executable, "-m", "bot", "hook", "status", "--group", "am"],
            env={k: v for k, v in env.items() if k != "BOT_GITLAB_TOKEN"},
            capture_output=True,
            text=True,
        )
        assert no_token.returncode == 2 and "BOT_GITLAB_TOKEN is not set" in no_token.stderr
    finally:
        sim.terminate()
        sim.wait(timeout=10)
