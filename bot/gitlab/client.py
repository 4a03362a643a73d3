"""The one GitLab client: gidgetlab over one shared session, one retry policy, a notes rate limit."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import gidgetlab.aiohttp
from gidgetlab.exceptions import GitLabException, GraphQLException, HTTPException, QueryError

from bot import __version__, log
from bot.gitlab.api import Page, pages
from bot.gitlab.documents import CREATE_NOTE, DESTROY_NOTE, UPDATE_NOTE
from bot.retry import backoff
from bot.settings import Settings

logger = log.get(__name__)

# The delivery being handled: its X-Gitlab-Event-UUID goes on every call made for it, so that
# GitLab does not fire the same hook again (recursive webhook detection).
_event_uuid: ContextVar[str | None] = ContextVar("event_uuid", default=None)


@contextlib.contextmanager
def for_event(event_uuid: str | None) -> Iterator[None]:
    """Tag the API calls made inside the block with the delivery's event UUID."""
    token = _event_uuid.set(event_uuid)
    try:
        yield
    finally:
        _event_uuid.reset(token)


# Set by the worker around a job: awaited before every write, it raises when the job's lease is
# gone, so a job that outlived its lease never writes (a fencing check).
_write_guard: ContextVar[Callable[[], Awaitable[None]] | None] = ContextVar("write_guard", default=None)
# Whether the request being sent may be repeated without effect; None: by its HTTP method
# (GET, HEAD, PUT and DELETE may; POST may not, unless the caller says so, as for GraphQL queries).
_idempotent: ContextVar[bool | None] = ContextVar("idempotent", default=None)

# GitLab's answer to a throttled GraphQL mutation (HTTP 200 with this error), e.g. createNote.
THROTTLED = "This endpoint has been requested too many times"
# GitLab's per-feature limits are per minute; older versions send no Retry-After with their 429.
LIMIT_INTERVAL = 60.0


@contextlib.contextmanager
def guard_writes(guard: Callable[[], Awaitable[None]] | None) -> Iterator[None]:
    """Await *guard* before each write made inside the block (see ``_write_guard``)."""
    token = _write_guard.set(guard)
    try:
        yield
    finally:
        _write_guard.reset(token)


class GitLabError(Exception):
    """A failed GitLab call; the text names the call and the status, never a token."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status

    @property
    def permanent(self) -> bool:
        """True when asking again cannot help: a 4xx other than a time-out, conflict or limit."""
        return self.status is not None and 400 <= self.status < 500 and self.status not in (408, 409, 429)


class UncertainWrite(GitLabError):
    """A write whose answer never came (time-out, dropped connection, 5xx): it may have happened.

    It is never retried blind: the caller finds out first (the bot's note by its marker, the
    pipeline by its rebuild variable).
    """


class RateLimited(GitLabError):
    """GitLab throttled the call; *retry_after* seconds is the earliest it will take it again."""

    def __init__(self, message: str, retry_after: float, status: int | None = 429) -> None:
        super().__init__(message, status)
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """Retries for 429, 5xx and time-outs: exponential back-off, jitter, ``Retry-After`` honoured.

    A 429 asking for more than *cap* seconds is not slept through here: it is raised as
    RateLimited, so that a job can give its worker slot back and a command can report it.
    """

    attempts: int = 5
    base: float = 0.5
    cap: float = 30.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        if retry_after is not None:
            return retry_after
        return backoff(attempt, base=self.base, cap=self.cap, rng=rng)


def retry_after(headers: Mapping[str, str]) -> float | None:
    """``Retry-After`` in seconds (GitLab sends seconds), or None when absent or unreadable."""
    value = headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


class _Transport(gidgetlab.aiohttp.GitLabAPI):
    """gidgetlab's aiohttp client with the retry policy and the event UUID at the HTTP layer."""

    def __init__(
        self, session: aiohttp.ClientSession, *, policy: RetryPolicy, timeout: float, **kwargs: Any
    ) -> None:
        super().__init__(session, f"success-plan-bot/{__version__}", **kwargs)
        self.policy = policy
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.rng = random.Random()
        self.calls = 0

    async def _request(
        self, method: str, url: str, headers: Mapping[str, str], body: bytes = b""
    ) -> tuple[int, Mapping[str, str], bytes]:
        headers = dict(headers)
        if (event_uuid := _event_uuid.get()) is not None:
            headers["x-gitlab-event-uuid"] = event_uuid
        where = f"{method} {urlsplit(url).path}"  # no query string: nothing secret in messages
        declared = _idempotent.get()
        idempotent = declared if declared is not None else method in ("GET", "HEAD", "PUT", "DELETE")
        for attempt in range(1, self.policy.attempts + 1):
            if not idempotent and (guard := _write_guard.get()) is not None:
                await guard()
            self.calls += 1
            last = attempt == self.policy.attempts
            try:
                async with self._session.request(
                    method, url, headers=headers, data=body, timeout=self.timeout
                ) as resp:
                    status, resp_headers, data = resp.status, resp.headers, await resp.read()
            except aiohttp.ClientConnectorError as exc:
                # Never connected: nothing was sent, so even a write may be tried again.
                if last:
                    raise GitLabError(f"{where}: {type(exc).__name__} after {attempt} attempts") from None
                await self._back_off(where, attempt, None, type(exc).__name__)
                continue
            except (aiohttp.ClientConnectionError, TimeoutError) as exc:
                if not idempotent:
                    raise UncertainWrite(
                        f"{where}: {type(exc).__name__}; the write may have happened"
                    ) from None
                if last:
                    raise GitLabError(f"{where}: {type(exc).__name__} after {attempt} attempts") from None
                await self._back_off(where, attempt, None, type(exc).__name__)
                continue
            if status >= 500 and not idempotent:
                raise UncertainWrite(f"{where}: {status} from GitLab; the write may have happened", status)
            if status == 429:
                # Refused, so not done: safe to repeat, but not sooner than GitLab asks. Older
                # GitLab sends no Retry-After; its limits are per minute, so wait a minute then.
                wait = retry_after(resp_headers)
                wait = LIMIT_INTERVAL if wait is None else wait
                if last or wait > self.policy.cap:
                    raise RateLimited(f"{where}: 429 rate limited, retry after {wait:g} s", wait)
                await self._back_off(where, attempt, wait, "429")
                continue
            if status >= 500 and not last:
                await self._back_off(where, attempt, None, str(status))
                continue
            return status, resp_headers, data
        raise AssertionError("unreachable")

    async def _back_off(self, where: str, attempt: int, wait: float | None, why: str) -> None:
        delay = self.policy.delay(attempt, wait, self.rng)
        logger.info("gitlab call retried", call=where, reason=why, attempt=attempt, delay=round(delay, 3))
        await asyncio.sleep(delay)


class GitLabClient:
    """Everything the bot asks of GitLab goes through here."""

    def __init__(
        self, settings: Settings, *, policy: RetryPolicy | None = None, timeout: float | None = None
    ) -> None:
        self.settings = settings
        self.policy = policy or RetryPolicy()
        self.timeout = timeout if timeout is not None else settings.gitlab_timeout_seconds
        self._session: aiohttp.ClientSession | None = None
        self._api: _Transport | None = None

    async def __aenter__(self) -> GitLabClient:
        self._session = aiohttp.ClientSession()
        token = self.settings.gitlab_token.get_secret_value() if self.settings.gitlab_token else None
        self._api = _Transport(
            self._session,
            policy=self.policy,
            timeout=self.timeout,
            access_token=token,
            url=self.settings.gitlab_url,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def api(self) -> _Transport:
        if self._api is None:
            raise RuntimeError("use GitLabClient as an async context manager")
        return self._api

    @property
    def calls(self) -> int:
        """HTTP requests sent so far, retries included."""
        return self.api.calls

    @contextlib.asynccontextmanager
    async def _errors(self, what: str) -> AsyncIterator[None]:
        try:
            yield
        except GitLabError:
            raise
        except HTTPException as exc:
            status = int(exc.status_code)
            detail = (
                str(exc.args[0]) if exc.args and not isinstance(exc.args[0], int) else exc.status_code.phrase
            )
            raise GitLabError(f"{what}: {status} {detail}", status) from None
        except QueryError as exc:
            if THROTTLED in str(exc):
                raise RateLimited(
                    f"{what}: throttled by GitLab ({THROTTLED})", LIMIT_INTERVAL, None
                ) from None
            raise GitLabError(f"{what}: {exc}") from None
        except (GraphQLException, GitLabException) as exc:
            raise GitLabError(f"{what}: {type(exc).__name__}") from None

    async def graphql(self, query: str, **variables: Any) -> Any:
        """Run one GraphQL document; GraphQL errors raise GitLabError.

        Queries are retried like any read; a mutation is a write and is never retried blind.
        """
        token = _idempotent.set(not query.lstrip().startswith("mutation"))
        try:
            async with self._errors("GraphQL"):
                return await self.api.graphql(query, **variables)
        finally:
            _idempotent.reset(token)

    def graphql_pages(self, query: str, path: list[str], **variables: Any) -> AsyncIterator[Page]:
        """Each page of the connection at *path* (see ``bot.gitlab.api.pages``); ``"@HIERARCHY"``
        picks a widget by its type."""
        return pages(self.graphql, query, path, **variables)

    async def create_note(self, noteable_id: str, body: str, *, internal: bool = False) -> dict[str, Any]:
        """``createNote`` on a work item (epics included); the caller keeps to the notes limit.

        An *internal* note is seen only by members with the Reporter role or higher.
        """
        data = await self.graphql(CREATE_NOTE, id=noteable_id, body=body, internal=internal)
        return _payload(data["createNote"], "createNote", "note")

    async def destroy_note(self, note_id: str) -> None:
        """``destroyNote``: the bot removes only its own notes (a replaced public comment)."""
        data = await self.graphql(DESTROY_NOTE, id=note_id)
        errors = (data.get("destroyNote") or {}).get("errors") or []
        if errors:
            raise GitLabError(f"destroyNote: {'; '.join(errors)}")

    async def update_note(self, note_id: str, body: str) -> dict[str, Any]:
        data = await self.graphql(UPDATE_NOTE, id=note_id, body=body)
        return _payload(data["updateNote"], "updateNote", "note")

    async def get(self, url: str, params: dict[str, Any] | None = None) -> Any:
        async with self._errors(f"GET {url}"):
            return await self.api.getitem(url, params or {})

    async def get_all(self, url: str, params: dict[str, Any] | None = None) -> list[Any]:
        async with self._errors(f"GET {url}"):
            return [item async for item in self.api.getiter(url, params or {})]

    async def post(self, url: str, data: Any, *, idempotent: bool = False) -> Any:
        """A REST ``POST``: a write unless the caller declares it *idempotent*."""
        token = _idempotent.set(idempotent)
        try:
            async with self._errors(f"POST {url}"):
                return await self.api.post(url, data=data)
        finally:
            _idempotent.reset(token)

    async def put(self, url: str, data: Any) -> Any:
        async with self._errors(f"PUT {url}"):
            return await self.api.put(url, data=data)

    async def delete(self, url: str) -> None:
        async with self._errors(f"DELETE {url}"):
            await self.api.delete(url)


def _payload(result: dict[str, Any] | None, mutation: str, key: str) -> dict[str, Any]:
    if not result or result.get("errors") or not result.get(key):
        errors = "; ".join((result or {}).get("errors") or ["no result"])
        raise GitLabError(f"{mutation}: {errors}")
    value: dict[str, Any] = result[key]
    return value
