"""A small fake of the GitLab client (the ``GitLabAPI`` protocol) and GraphQL nodes in GitLab's shapes."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from typing import Any

from bot.gitlab.api import Page, pages

Answer = Callable[[dict[str, Any]], Any]


def operation(query: str) -> str:
    """The operation name of a GraphQL document (``query Objective(…)`` → ``Objective``)."""
    match = re.search(r"\b(?:query|mutation)\s+(\w+)", query)
    return match[1] if match else "anonymous"


class FakeGitLab:
    """Answers GraphQL operations from canned functions and records every call."""

    def __init__(self, answers: dict[str, Answer] | None = None) -> None:
        self.answers = answers or {}
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.notes: dict[str, dict[str, Any]] = {}
        self.posts: list[tuple[str, Any]] = []

    async def graphql(self, query: str, **variables: Any) -> Any:
        name = operation(query)
        self.calls.append((name, variables))
        return self.answers[name](variables)

    def graphql_pages(self, query: str, path: list[str], **variables: Any) -> AsyncIterator[Page]:
        """Each page of the connection at *path* (see ``bot.gitlab.api.pages``); ``"@HIERARCHY"``
        picks a widget by its type."""
        return pages(self.graphql, query, path, **variables)

    async def create_note(self, noteable_id: str, body: str, *, internal: bool = False) -> dict[str, Any]:
        self.calls.append(("CreateNote", {"id": noteable_id, "internal": internal}))
        note = {"id": f"gid://gitlab/Note/{len(self.notes) + 1}", "body": body, "internal": internal}
        self.notes[note["id"]] = note
        return note

    async def destroy_note(self, note_id: str) -> None:
        self.calls.append(("DestroyNote", {"id": note_id}))
        del self.notes[note_id]

    async def update_note(self, note_id: str, body: str) -> dict[str, Any]:
        self.calls.append(("UpdateNote", {"id": note_id}))
        self.notes[note_id]["body"] = body
        return self.notes[note_id]

    async def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        self.calls.append(("GET " + url, params or {}))
        return self.answers["GET " + url](params or {})

    async def get_all(self, url: str, params: dict[str, Any] | None = None) -> list[Any]:
        self.calls.append(("GET " + url, params or {}))
        answer = self.answers.get("GET " + url)
        return list(answer(params or {})) if answer else []

    async def post(self, url: str, data: Any) -> Any:
        self.calls.append(("POST " + url, data))
        self.posts.append((url, data))
        return {
            "id": len(self.posts),
            "web_url": f"https://gitlab.test/pipelines/{len(self.posts)}",
            "status": "created",
        }

    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


def work_item(
    ident: int,
    title: str,
    *,
    kind: str = "Epic",
    group: str = "am/acme",
    description: str = "",
    labels: tuple[str, ...] = (),
    assignees: tuple[str, ...] = (),
    due: str | None = None,
    start: str | None = None,
    state: str = "OPEN",
    children: list[dict[str, Any]] | None = None,
    notes: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A work item node as the bot's Objective and Plan queries read it."""
    path = "groups/" + group if kind == "Epic" else group
    widgets: list[dict[str, Any]] = [
        {"type": "ASSIGNEES", "assignees": {"nodes": [{"username": a} for a in assignees]}},
        {"type": "LABELS", "labels": {"nodes": [{"title": t} for t in labels]}},
        {"type": "START_AND_DUE_DATE", "startDate": start, "dueDate": due},
    ]
    if children is not None:
        widgets.append({"type": "HIERARCHY", "children": {"nodes": children}})
    if notes is not None:
        widgets.append(
            {
                "type": "NOTES",
                "discussions": {
                    "pageInfo": {"hasNextPage": False, "endCursor": None},
                    "nodes": [{"notes": {"nodes": [n]}} for n in notes],
                },
            }
        )
    return {
        "id": f"gid://gitlab/WorkItem/{ident}",
        "iid": str(ident),
        "title": title,
        "description": description,
        "state": state,
        "webUrl": f"https://gitlab.test/{path}/-/work_items/{ident}",
        "updatedAt": "2026-11-20T10:00:00Z",
        "closedAt": None,
        "workItemType": {"name": kind},
        "widgets": widgets,
    }


GOOD_DESCRIPTION = (
    "## Summary\nAcme's platform team wants releases every week instead of every month, so that "
    "fixes reach their customers before the quarterly audit.\n\n"
    "## Success Criteria\n- Cycle time from 10 days (Jan 2026) to 7 days by 2027-06-30\n\n"
    "## Updates\n- 2026-11-20: pilot teams migrated.\n"
)
GOOD_LABELS = (
    "SP Objective",
    "SP Objective::Status::On Track",
    "Verifiable Outcome::Accepted",
    "UseCase::CI",
)
