"""Typed webhook payloads and the domain events the bot derives from them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.core.model import Objective

# X-Gitlab-Event values the bot understands; every other kind is stored and ignored.
WORK_ITEM_EVENTS = frozenset({"Issue Hook", "Confidential Issue Hook"})
NOTE_EVENTS = frozenset({"Note Hook", "Confidential Note Hook"})

# Epics arrive without a group object: the path is in the URL.
# https://docs.gitlab.com/user/project/integrations/webhook_events/#work-item-events
_GROUP_URL = re.compile(r"/groups/(?P<path>.+?)/-/(?:work_items|epics)/(?P<iid>\d{1,18})(?!\d)")
# GitLab's ids are 64-bit; a payload with larger ones, or a URL past any browser's, is not GitLab's.
MAX_ID = 2**63 - 1
MAX_URL = 2048


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class HookUser(_Loose):
    id: int | None = None
    username: str | None = None
    name: str | None = None


class HookLabel(_Loose):
    title: str


class HookProject(_Loose):
    id: int = Field(ge=0, le=MAX_ID)
    path_with_namespace: str | None = None
    web_url: str | None = None


class WorkItemAttributes(_Loose):
    id: int = Field(ge=0, le=MAX_ID)
    iid: int = Field(ge=0, le=MAX_ID)
    title: str | None = None
    description: str | None = None
    type: str | None = None
    url: str | None = Field(default=None, max_length=MAX_URL)
    state: str | None = None
    action: str | None = None
    due_date: str | None = None
    start_date: str | None = None
    updated_at: str | None = None
    closed_at: str | None = None
    assignee_ids: list[int] = Field(default_factory=list)
    labels: list[HookLabel] = Field(default_factory=list)


class Change(_Loose):
    previous: Any = None
    current: Any = None


class WorkItemHook(_Loose):
    """An ``Issue Hook``/``Confidential Issue Hook`` body: an issue or a work item (epics too)."""

    object_kind: Literal["issue", "work_item"]
    event_type: str | None = None
    user: HookUser | None = None
    project: HookProject | None = None
    object_attributes: WorkItemAttributes
    labels: list[HookLabel] = Field(default_factory=list)
    assignees: list[HookUser] = Field(default_factory=list)
    changes: dict[str, Change] = Field(default_factory=dict)

    @property
    def item_type(self) -> str:
        """Work item type name: ``Epic``, ``Issue``, ``Task``…"""
        return self.object_attributes.type or "Issue"

    def label_titles(self) -> list[str]:
        """Current labels, from the top level or the attributes, whichever is filled."""
        return [label.title for label in (self.labels or self.object_attributes.labels)]

    def previous_label_titles(self) -> list[str] | None:
        """Labels before this change, when the labels changed."""
        change = self.changes.get("labels")
        if change is None or not isinstance(change.previous, list):
            return None
        return [str(item.get("title")) for item in change.previous if isinstance(item, dict)]


class NoteAttributes(_Loose):
    id: int = Field(ge=0, le=MAX_ID)
    note: str | None = None
    noteable_type: str | None = None


class NoteHook(_Loose):
    """A ``Note Hook`` body (comments on issues; epics fire none)."""

    object_kind: Literal["note"]
    user: HookUser | None = None
    project: HookProject | None = None
    object_attributes: NoteAttributes


class DomainEvent(BaseModel):
    """What a delivery means to the bot."""

    kind: Literal["objective_changed", "initiative_changed", "ignored"]
    group: str | None = None
    project: str | None = None
    iid: int | None = None
    action: str | None = None
    reason: str | None = None


def group_from_url(url: str | None) -> tuple[str, int] | None:
    """``(group full path, iid)`` from a group work item URL, or None."""
    if not url:
        return None
    match = _GROUP_URL.search(url)
    if match is None:
        return None
    return match["path"], int(match["iid"])


def parse_payload(event: str, data: Any) -> WorkItemHook | NoteHook | None:
    """Validate a body against the model its ``X-Gitlab-Event`` names; None for other kinds.

    Raises pydantic's ValidationError when a known kind has the wrong shape.
    """
    if event in WORK_ITEM_EVENTS:
        return WorkItemHook.model_validate(data)
    if event in NOTE_EVENTS:
        return NoteHook.model_validate(data)
    return None


def interpret(
    hook: WorkItemHook | NoteHook | None,
    *,
    bot_username: str | None,
    objective_label: str,
    goals_label: str | None = None,
) -> DomainEvent:
    """Turn a parsed delivery into one domain event (pure)."""
    if hook is None:
        return DomainEvent(kind="ignored", reason="event kind not handled")
    if bot_username and hook.user is not None and hook.user.username == bot_username:
        return DomainEvent(kind="ignored", reason="caused by the bot's own user")
    if isinstance(hook, NoteHook):
        return DomainEvent(kind="ignored", reason="comments do not change a plan")
    attrs = hook.object_attributes
    if hook.item_type == "Epic":
        located = group_from_url(attrs.url)
        if located is None:
            return DomainEvent(kind="ignored", reason="epic without a group URL")
        group, iid = located
        labels = hook.label_titles()
        previous = hook.previous_label_titles() or []
        # The goals epic is read by the deck (its opening slide): its edits are plan changes too.
        plan_labels = {objective_label, *([goals_label] if goals_label else [])}
        if not plan_labels & {*labels, *previous}:
            return DomainEvent(kind="ignored", reason="epic is not an objective", group=group)
        return DomainEvent(kind="objective_changed", group=group, iid=iid, action=attrs.action)
    if hook.project is None or not hook.project.path_with_namespace:
        return DomainEvent(kind="ignored", reason="issue without a project")
    project = hook.project.path_with_namespace
    return DomainEvent(
        kind="initiative_changed",
        group=project.rpartition("/")[0] or None,
        project=project,
        iid=attrs.iid,
        action=attrs.action,
    )


def _date(value: str | None) -> dt.date | None:
    """The date part of a payload's date or timestamp (``2026-11-23``, ``2026-11-23 10:00:00 UTC``)."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None


def hook_objective(hook: WorkItemHook) -> Objective:
    """The objective an ``Issue Hook`` payload describes; its children are unknown (None)."""
    attrs = hook.object_attributes
    assignees = [u.username for u in hook.assignees if u.username]
    return Objective(
        iid=attrs.iid,
        title=attrs.title or "",
        description=attrs.description or "",
        labels=hook.label_titles(),
        start_date=_date(attrs.start_date),
        due_date=_date(attrs.due_date),
        # A payload names assignees only by id when the user list is left out.
        assignees=assignees or [f"user-{i}" for i in attrs.assignee_ids],
        state="closed" if attrs.state == "closed" else "opened",
        url=attrs.url,
        updated_at=_date(attrs.updated_at),
        closed_at=_date(attrs.closed_at),
        children=None,
    )
