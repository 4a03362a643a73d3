"""When each finding first appeared on an objective and when it went away: is the practice working?

Kept in the store by every objective check: ``findings-seen`` (work item → its group and, per open
rule, the day it first appeared) and ``fix-days`` (``group|item|rule|first day`` → days it took).
The portfolio shows the median days to fix per group; ``/metrics`` the open findings by rule and a
fix-time histogram.
"""

from __future__ import annotations

import datetime as dt
import json

from bot.core.model import Finding
from bot.jobs.context import Context

FINDINGS_SEEN = "findings-seen"
FIX_DAYS = "fix-days"


async def record(ctx: Context, item: str, group: str, findings: list[Finding], today: dt.date) -> None:
    """Note the rules that appeared and those that went away since the last check of *item*."""
    stored = (await ctx.store.get_values(FINDINGS_SEEN, [item])).get(item)
    before: dict[str, str] = json.loads(stored)["rules"] if stored else {}
    now = {f.rule for f in findings if f.severity != "suggestion"}
    rules = {rule: before.get(rule, today.isoformat()) for rule in sorted(now)}
    fixed = {
        f"{group}|{item}|{rule}|{first}": str((today - dt.date.fromisoformat(first)).days)
        for rule, first in before.items()
        if rule not in now
    }
    if fixed:
        await ctx.store.set_values(FIX_DAYS, dict(fixed))
    if rules != before:
        await ctx.store.set_values(FINDINGS_SEEN, {item: json.dumps({"group": group, "rules": rules})})
