"""What the rest of the bot may ask of GitLab: a Protocol the client implements and fakes can too."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol


def connection_at(data: Any, path: list[str]) -> dict[str, Any] | None:
    """The connection at *path* in a GraphQL response; ``"@TYPE"`` picks a widget by its type."""
    node: Any = data
    for key in path:
        if key.startswith("@") and isinstance(node, list):
            node = next((w for w in node if isinstance(w, dict) and w.get("type") == key[1:]), None)
        else:
            node = node.get(key) if isinstance(node, dict) else None
    return node if isinstance(node, dict) else None


@dataclass(frozen=True)
class Page:
    """One page of a GraphQL connection: the whole response and the connection (None when null)."""

    data: Any
    connection: dict[str, Any] | None

    @property
    def nodes(self) -> list[Any]:
        return [n for n in (self.connection or {}).get("nodes") or [] if n is not None]

    @property
    def has_next(self) -> bool:
        return bool(((self.connection or {}).get("pageInfo") or {}).get("hasNextPage"))

    @property
    def end_cursor(self) -> str | None:
        cursor: str | None = ((self.connection or {}).get("pageInfo") or {}).get("endCursor")
        return cursor


class GitLabAPI(Protocol):
    """The part of the GitLab client jobs and readers use; tests pass a small fake."""

    async def graphql(self, query: str, **variables: Any) -> Any: ...

    def graphql_pages(self, query: str, path: list[str], **variables: Any) -> AsyncIterator[Page]: ...

    async def create_note(self, noteable_id: str, body: str, *, internal: bool = False) -> dict[str, Any]: ...

    async def destroy_note(self, note_id: str) -> None: ...

    async def update_note(self, note_id: str, body: str) -> dict[str, Any]: ...

    async def get(self, url: str, params: dict[str, Any] | None = None) -> Any: ...

    async def get_all(self, url: str, params: dict[str, Any] | None = None) -> list[Any]: ...

    async def post(self, url: str, data: Any) -> Any: ...


async def pages(
    graphql: Callable[..., Awaitable[Any]], query: str, path: list[str], **variables: Any
) -> AsyncIterator[Page]:
    """The one GraphQL page loop: follow ``pageInfo.endCursor`` of the connection at *path*.

    One request per page; the document takes the cursor as ``$after``. A null on the path
    (a namespace the token cannot see…) ends the loop after yielding that page.
    """
    after: str | None = None
    while True:
        data = await graphql(query, **variables, after=after)
        page = Page(data, connection_at(data, path))
        yield page
        if not page.has_next:
            return
        after = page.end_cursor
