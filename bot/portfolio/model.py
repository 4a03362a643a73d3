"""What the portfolio shows, from every customer group's objectives (pure: objectives and today in)."""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import asdict, dataclass, field
from typing import Any

from bot.core.checks import lint_objective
from bot.core.config import LintConfig
from bot.core.description import dated_entries, latest_entry, parse, strip_placeholders
from bot.core.events import group_from_url
from bot.core.model import Objective

STATUSES = ("Not Started", "On Track", "Watchpoint", "Concern", "Closed Success")
# Gainsight's success-plan objective (Objective CTA) columns, in its import's words (README).
GAINSIGHT_STATUS = {"open": "Open", "success": "Closed Won", "closed": "Closed Lost"}
GAINSIGHT_PRIORITY = {"Concern": "High", "Watchpoint": "Medium"}


@dataclass(frozen=True)
class Row:
    """One objective, as the detail table, the CSV and the JSON show it."""

    group: str
    customer: str
    title: str
    status: str
    state: str
    due_date: str | None
    owner: str
    web_url: str | None
    errors: int
    warnings: int
    overdue: bool
    last_update: str | None
    closed_at: str | None
    latest: str
    open_findings: list[str]

    def gainsight(self) -> dict[str, str]:
        """The Gainsight columns: Company, Success Plan, Name, Owner, Due Date, Status, Priority, …"""
        if self.state == "opened":
            status = GAINSIGHT_STATUS["open"]
        else:
            status = GAINSIGHT_STATUS["success" if self.status == "Closed Success" else "closed"]
        return {
            "Company": self.customer,
            "Success Plan": self.group,
            "Name": self.title,
            "Owner": self.owner,
            "Due Date": self.due_date or "",
            "Status": status,
            "Priority": GAINSIGHT_PRIORITY.get(self.status, "Low"),
            "Comments": self.latest,
            "Closed Date": self.closed_at or "",
        }


@dataclass
class Customer:
    """One customer group's row of the summary table."""

    group: str
    name: str
    web_url: str
    deck_url: str | None
    by_status: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    errors: int = 0
    warnings: int = 0
    newest_update: str | None = None
    open_findings: int = 0
    median_days_to_fix: float | None = None
    readable: bool = True


@dataclass
class Portfolio:
    parent: str
    today: dt.date
    customers: list[Customer]
    rows: list[Row]
    skipped: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "parent": self.parent,
            "today": self.today.isoformat(),
            "customers": [asdict(c) for c in self.customers],
            "objectives": [asdict(r) for r in self.rows],
            "skipped": self.skipped,
        }


def _status(o: Objective, config: LintConfig) -> str:
    found = o.scoped(config.labels.objective_status)
    return found[0] if found else "No status"


def row(o: Objective, group: str, customer: str, config: LintConfig, today: dt.date) -> Row:
    findings = lint_objective(o, config, today) if o.state == "opened" else []
    description = parse(o.description, config.headings.known())
    updates = description.section(config.headings.updates)
    dates = dated_entries(updates) if updates is not None else []
    latest = strip_placeholders(latest_entry(updates)) if updates is not None else ""
    return Row(
        group=group,
        customer=customer,
        title=o.title,
        status=_status(o, config),
        state=o.state,
        due_date=o.due_date.isoformat() if o.due_date else None,
        owner=", ".join(o.assignees) or "Owner to be confirmed",
        web_url=o.url,
        errors=sum(1 for f in findings if f.severity == "error"),
        warnings=sum(1 for f in findings if f.severity == "warning"),
        overdue=o.state == "opened" and o.due_date is not None and o.due_date < today,
        last_update=max(dates).isoformat() if dates else (o.updated_at.isoformat() if o.updated_at else None),
        closed_at=o.closed_at.isoformat() if o.closed_at else None,
        latest=" ".join(latest.split())[:300],
        open_findings=sorted({f.rule for f in findings if f.severity != "suggestion"}),
    )


def build(
    parent: str,
    groups: dict[str, tuple[str, str]],
    objectives: list[Objective],
    *,
    config: LintConfig,
    today: dt.date,
    decks: dict[str, str] | None = None,
    fix_days: dict[str, list[float]] | None = None,
    closed_days: int = 90,
    skipped: list[str] | None = None,
) -> Portfolio:
    """*groups*: every customer group (path → (name, web URL)); objectives from all of them."""
    since = today - dt.timedelta(days=closed_days)
    customers = {
        path: Customer(path, name, url, (decks or {}).get(path), by_status={s: 0 for s in STATUSES})
        for path, (name, url) in groups.items()
    }
    rows = []
    for o in objectives:
        if o.state == "closed" and (o.closed_at is None or o.closed_at < since):
            continue  # closed long ago: not in the portfolio
        located = group_from_url(o.url)
        path = located[0] if located else parent
        customer = customers.get(path) or customers.setdefault(
            path, Customer(path, path.rsplit("/", 1)[-1], "", None, by_status={s: 0 for s in STATUSES})
        )
        r = row(o, path, customer.name, config, today)
        rows.append(r)
        customer.by_status[r.status] = customer.by_status.get(r.status, 0) + 1
        customer.overdue += int(r.overdue)
        customer.errors += r.errors
        customer.warnings += r.warnings
        customer.open_findings += len(r.open_findings)
        if r.last_update and (customer.newest_update is None or r.last_update > customer.newest_update):
            customer.newest_update = r.last_update
    for path, days in (fix_days or {}).items():
        if path in customers and days:
            customers[path].median_days_to_fix = statistics.median(days)
    for path in skipped or []:
        customers.setdefault(path, Customer(path, path.rsplit("/", 1)[-1], "", None, readable=False))
    ordered = sorted(customers.values(), key=lambda c: c.group)
    return Portfolio(
        parent, today, ordered, sorted(rows, key=lambda r: (r.group, r.title)), list(skipped or [])
    )
