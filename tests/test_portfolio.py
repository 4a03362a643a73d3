"""The manager's portfolio through the simulator: 12 customers, their history, one page, a CSV, JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient

from bot.portfolio.build import build
from bot.settings import FileConfig, Settings
from bot.sim.app import CONTROL
from bot.sim.rest import GL
from tests.test_gitlab_conformance import run

TODAY = dt.date(2027, 1, 20)
CUSTOMERS = [f"customer-{n:02d}" for n in range(12)]
LABELS = ["SP Objective", "SP Objective::Status::On Track", "Verifiable Outcome::Accepted", "UseCase::CI"]


def seed_customers(sim: TestClient[Any, Any]) -> None:
    objectives = [
        {"title": "Open and on time", "labels": LABELS, "due_date": "2027-06-30", "assignees": ["dana.csm"]},
        {"title": "Open and overdue", "labels": LABELS, "due_date": "2026-12-31"},
        {"title": "Open, no status", "labels": ["SP Objective"], "due_date": "2027-03-31"},
        {
            "title": "Closed last month",
            "labels": ["SP Objective", "SP Objective::Status::Closed Success"],
            "closed_at": "2026-12-15",
            "updated_at": "2026-12-15",
        },
        {"title": "Closed two years ago", "labels": ["SP Objective"], "closed_at": "2025-01-10"},
    ]
    plan = {"groups": [{"path": f"am/{c}", "objectives": objectives} for c in CUSTOMERS]}
    from bot.sim import seed

    seed.load(sim.server.app[GL], plan)


def _settings(sim: TestClient[Any, Any], tmp_path: Path) -> Settings:
    return Settings(
        gitlab_url=str(sim.make_url("")).rstrip("/"),
        gitlab_token="bot-token",
        data_dir=tmp_path,
        _env_file=None,
    )


async def test_portfolio_holds_open_and_recently_closed_objectives_of_every_customer(
    sim: TestClient[Any, Any], tmp_path: Path
) -> None:
    seed_customers(sim)
    mark = len(sim.server.app[CONTROL].requests)
    result = await build(
        _settings(sim, tmp_path), FileConfig(), "am", tmp_path / "out", {"html", "csv", "json"}, TODAY
    )
    log = sim.server.app[CONTROL].requests[mark:]
    graphql = [e for e in log if e["path"] == "/api/graphql"]
    customers_objectives = 12 * 4 + 1  # am/acme's own (conftest) plus 4 of 5 per customer
    assert len(graphql) <= -(-customers_objectives // 50) + 3
    assert result["graphql_requests"] == len(graphql)

    data = json.loads((tmp_path / "out" / "portfolio.json").read_text())
    titles = {(o["group"], o["title"]) for o in data["objectives"]}
    for customer in CUSTOMERS:
        group = f"am/{customer}"
        assert {t for g, t in titles if g == group} == {
            "Open and on time",
            "Open and overdue",
            "Open, no status",
            "Closed last month",
        }
    rows = list(csv.DictReader(io.StringIO((tmp_path / "out" / "objectives.csv").read_text())))
    assert len(rows) == len(data["objectives"])
    assert {"group", "title", "status", "due_date", "owner", "web_url", "errors", "warnings"} <= set(rows[0])
    assert {"Company", "Name", "Owner", "Due Date", "Status"} <= set(rows[0])
    closed = next(r for r in rows if r["title"] == "Closed last month")
    assert closed["Status"] == "Closed Won" and closed["Closed Date"] == "2026-12-15"
    overdue = next(r for r in rows if r["title"] == "Open and overdue")
    assert overdue["overdue"] == "True" and overdue["owner"] == "Owner to be confirmed"
    html = (tmp_path / "out" / "index.html").read_text()
    assert all(customer.replace("-", " ").title() in html for customer in CUSTOMERS)
    assert "<script src" not in html and "http-equiv" not in html  # self-contained, works offline
    schema = json.loads((Path(__file__).parent.parent / "docs" / "portfolio.schema.json").read_text())
    from jsonschema import validate  # the JSON matches its published schema

    validate(data, schema)


async def test_a_missing_group_is_one_line_and_exit_2(sim: TestClient[Any, Any], tmp_path: Path) -> None:
    env = {
        "BOT_GITLAB_URL": str(sim.make_url("")).rstrip("/"),
        "BOT_GITLAB_TOKEN": "bot-token",
        "BOT_DATA_DIR": str(tmp_path),
        "PATH": "/usr/bin:/bin",
    }
    code, _, err = await run(
        env, "portfolio", "build", "--group", "no-such-group", "--out", str(tmp_path / "p")
    )
    assert code == 2 and len(err.strip().splitlines()) == 1 and "no-such-group" in err
