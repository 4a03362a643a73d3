"""Noticing deck-relevant changes: compare what the deck last saw, and open a group's rebuild window.

Shared by the job kinds that read objectives (the objective check and, through it, reconcile);
the rebuild job itself starts the pipeline.
"""

from __future__ import annotations

import time

from bot import log
from bot.core.fingerprint import changed, fingerprints
from bot.core.model import Objective
from bot.jobs.context import Context

logger = log.get(__name__)

FINGERPRINTS = "fingerprint"
# The digest of the guidance comment each objective last called for: the sweep writes nothing
# for an objective whose comment would not change.
COMMENT_DIGESTS = "comment-digest"


async def note_changes(ctx: Context, group: str, objective: Objective, *, tracked: bool, reason: str) -> bool:
    """Compare an objective (and its initiatives) with what the deck last saw; schedule a rebuild.

    Returns True when a rebuild was scheduled or joined. The rebuild is scheduled before the new
    fingerprints are stored, so a crash in between costs at most one extra rebuild, never a lost one.
    """
    portfolio = ctx.config.portfolio_of(group)
    if objective.id is None or (ctx.config.deck(group) is None and portfolio is None):
        return False
    current = fingerprints(objective) if tracked else {}
    children = [str(c.id) for c in objective.children or [] if c.id]
    before = await ctx.store.get_values(FINGERPRINTS, sorted({objective.id, *children, *current}))
    different = changed(before, current)
    if not different:
        return False
    if ctx.config.deck(group) is not None:
        await schedule_rebuild(ctx, group, reason)
    if portfolio is not None and portfolio != group:
        await schedule_rebuild(ctx, portfolio, f"{group}: {reason}")  # one per window for all customers
    await ctx.store.set_values(FINGERPRINTS, {k: current.get(k) for k in different})
    return True


async def schedule_rebuild(ctx: Context, group: str, reason: str) -> None:
    """Open (or join) the group's rebuild window."""
    created = await ctx.store.schedule(
        ctx.jobs.new("rebuild", group=group, reason=reason),
        now=time.time(),
        window=ctx.settings.rebuild_window_seconds,
        max_wait=ctx.settings.rebuild_max_wait_seconds,
    )
    logger.info("deck rebuild scheduled" if created else "deck rebuild joined", group=group, reason=reason)
