"""The command line: help for every command, one-line errors with exit code 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from bot.settings import ConfigError, load_file_config
from tests.proc import bot_env


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=env, capture_output=True, text=True)


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["serve"],
        ["worker"],
        ["jobs"],
        ["jobs", "list"],
        ["jobs", "retry"],
        ["lint"],
        ["hook"],
        ["hook", "register"],
        ["hook", "status"],
        ["hook", "test"],
        ["hook", "remove"],
        ["sim"],
        ["demo"],
    ],
)
def test_every_command_has_help(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*args, "--help"])
    assert exit_info.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_serve_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    result = run(["serve"], bot_env(tmp_path, 1))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: BOT_WEBHOOK_SECRET is not set: refusing to accept unauthenticated webhooks"
    ]


def test_bad_signing_secret_is_one_line(tmp_path: Path) -> None:
    result = run(["serve"], bot_env(tmp_path, 1, BOT_WEBHOOK_SECRET="s", BOT_SIGNING_SECRET="nope"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "BOT_SIGNING_SECRET" in result.stderr and "nope" not in result.stderr


def test_config_error_names_the_bad_key(tmp_path: Path) -> None:
    config = tmp_path / "bot.yaml"
    config.write_text("groups:\n  - path: acme\n    deck:\n      projct: acme/deck\n")
    with pytest.raises(ConfigError, match=r"unknown key 'groups\.0\.deck\.projct'"):
        load_file_config(config)
    config.write_text("lint:\n  rules:\n    criteria-not-measurable: loud\n")
    with pytest.raises(ConfigError, match=r"lint\.rules\.criteria-not-measurable"):
        load_file_config(config)
    config.write_text("lint:\n  rules:\n    no-such-rule: off\n")
    with pytest.raises(ConfigError, match="unknown rule id 'no-such-rule'"):
        load_file_config(config)
    result = run(["serve"], bot_env(tmp_path, 1, BOT_WEBHOOK_SECRET="s", BOT_CONFIG=str(config)))
    assert result.returncode == 2 and "Traceback" not in result.stderr


def test_jobs_list_and_retry(tmp_path: Path) -> None:
    env = bot_env(tmp_path, 1)
    assert json.loads(run(["jobs", "list", "--format", "json"], env).stdout) == []
    assert "No jobs" in run(["jobs", "list"], env).stdout
    missing = run(["jobs", "retry", "42"], env)
    assert missing.returncode == 2 and missing.stderr.strip() == "error: job 42 does not exist or is not dead"
    assert "Queued 0" in run(["jobs", "retry", "--all-dead"], env).stdout
    assert run(["jobs", "list", "--state", "bogus"], env).returncode == 2


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["jobs", "list"]])
def test_an_unusable_data_directory_is_one_line_and_exit_2(tmp_path: Path, command: list[str]) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    env = {**os.environ, "BOT_DATA_DIR": str(blocker / "data"), "BOT_WEBHOOK_SECRET": "s"}
    env.pop("BOT_DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "bot", *command], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"error: {blocker / 'data' / 'bot.sqlite3'}: cannot open the job store (Not a directory)"
    ]


def test_an_unreachable_database_names_the_host_not_the_password() -> None:
    env = {**os.environ, "BOT_DATABASE_URL": "postgresql://bot:hunter2@127.0.0.1:1/bot"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "jobs", "list"], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "127.0.0.1" in result.stderr and "hunter2" not in result.stderr


async def test_health_follows_the_configuration_serve_or_worker(tmp_path: Path) -> None:
    import asyncio

    from tests.proc import free_port, start, wait_ready

    port = free_port()
    env = bot_env(tmp_path / "serve", port, BOT_WEBHOOK_SECRET="s")

    def health(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", "health"], env=env, capture_output=True, text=True, timeout=30
        )

    assert health(env).returncode == 1  # nothing runs yet: unhealthy, in one line
    serve = start(["serve"], env, tmp_path / "serve.log")
    worker_env = bot_env(tmp_path / "worker", free_port())
    worker = start(["worker"], worker_env, tmp_path / "worker.log")
    try:
        await wait_ready(port)
        served = health(env)
        assert (
            served.returncode == 0
            and served.stdout.strip() == f"healthy: serve on 127.0.0.1:{port} answered 200"
        )
        for _ in range(40):  # the worker's first heartbeat
            beat = health(worker_env)
            if beat.returncode == 0:
                break
            await asyncio.sleep(0.25)
        assert beat.returncode == 0 and beat.stdout.startswith("healthy: worker heartbeat")
        assert len(beat.stdout.strip().splitlines()) == 1 and beat.stderr == ""
    finally:
        for proc in (serve, worker):
            proc.terminate()
            proc.wait(timeout=20)
