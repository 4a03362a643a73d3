"""The portfolio's files: one self-contained HTML page, a CSV for Gainsight, and JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from jinja2 import Environment

from bot.portfolio.model import STATUSES, Portfolio

# The bot's own columns first, then Gainsight's success-plan objective fields (README mapping).
CSV_COLUMNS = [
    "group",
    "title",
    "status",
    "due_date",
    "owner",
    "web_url",
    "errors",
    "warnings",
    "overdue",
    "last_update",
]
GAINSIGHT_COLUMNS = [
    "Company",
    "Success Plan",
    "Name",
    "Owner",
    "Due Date",
    "Status",
    "Priority",
    "Comments",
    "Closed Date",
]


def as_csv(portfolio: Portfolio) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + GAINSIGHT_COLUMNS)
    for r in portfolio.rows:
        ours = [getattr(r, c) if getattr(r, c) is not None else "" for c in CSV_COLUMNS]
        gainsight = r.gainsight()
        writer.writerow(ours + [gainsight[c] for c in GAINSIGHT_COLUMNS])
    return out.getvalue()


def write(portfolio: Portfolio, out: Path, formats: set[str], env: Environment) -> dict[str, str]:
    """Write the chosen formats into *out*; returns what was written."""
    out.mkdir(parents=True, exist_ok=True)
    written: dict[str, str] = {}
    if "html" in formats:
        html = env.get_template("portfolio/portfolio.html").render(portfolio=portfolio, statuses=STATUSES)
        (out / "index.html").write_text(html, encoding="utf-8")
        written["html"] = str(out / "index.html")
    if "csv" in formats:
        (out / "objectives.csv").write_text(as_csv(portfolio), encoding="utf-8")
        written["csv"] = str(out / "objectives.csv")
    if "json" in formats:
        text = json.dumps(portfolio.as_json(), indent=2, ensure_ascii=False) + "\n"
        (out / "portfolio.json").write_text(text, encoding="utf-8")
        written["json"] = str(out / "portfolio.json")
    return written
