"""What the bot's token may do and see: its scopes, and whether a group is visible to it.

GitLab answers ``null`` for a group its user cannot see, exactly as for one that does not exist;
the bot then skips every objective in it without an error. These checks say so up front.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.gitlab.api import GitLabAPI
from bot.gitlab.client import GitLabError
from bot.gitlab.documents import VISIBLE_QUERY

REPORTER = 20  # GitLab's access level that reads epics and may see internal notes


async def token_scopes(gl: GitLabAPI) -> list[str] | None:
    """The token's scopes (``GET /personal_access_tokens/self``), or None when GitLab cannot say.

    Older GitLab, OAuth and CI job tokens have no such record: then nothing is concluded.
    """
    try:
        record = await gl.get("/personal_access_tokens/self")
    except GitLabError as exc:
        if exc.status in (403, 404):
            return None
        raise
    return [str(s) for s in (record or {}).get("scopes") or []]


def missing_api_scope(scopes: list[str] | None) -> str | None:
    """A one-line reason when *scopes* lack ``api`` (comments, hooks and pipelines need it)."""
    if scopes is None or "api" in scopes:
        return None
    have = ", ".join(scopes) or "no scope"
    return (
        f"BOT_GITLAB_TOKEN has {have}; writing notes, managing hooks and starting pipelines "
        "need a token with the api scope"
    )


async def can_see(gl: GitLabAPI, group: str) -> bool:
    """True when the token's user sees *group* through GraphQL (membership, for a private group)."""
    data = await gl.graphql(VISIBLE_QUERY, fullPath=group)
    return (data or {}).get("namespace") is not None


async def member_level(gl: GitLabAPI, group: str, username: str) -> int | None:
    """*username*'s access level on *group*, inherited memberships included; None when not a member."""
    users = await gl.get("/users", {"username": username})
    if not users:
        return None
    try:
        member = await gl.get(f"/groups/{quote(group, safe='')}/members/all/{users[0]['id']}")
    except GitLabError as exc:
        if exc.status == 404:
            return None
        raise
    return int(member.get("access_level") or 0)


def cannot_see(group: str) -> str:
    """The one-line warning for a group the bot's user cannot see."""
    return (
        f"the bot's GitLab user cannot see {group}: add it as a member (Reporter or higher), "
        "or every objective there is skipped"
    )
