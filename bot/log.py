"""structlog set-up: JSON lines off a terminal, readable lines on one, secrets redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import MutableMapping
from typing import Any

import structlog

# Keys whose values must never reach a log line, whatever the caller passes.
_SECRET_KEYS = ("token", "secret", "password", "authorization", "signature")


def _redact(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in list(event_dict):
        if any(word in key.lower() for word in _SECRET_KEYS):
            event_dict[key] = "[REDACTED]"
    return event_dict


class _OneLine(logging.Handler):
    """Standard-library records (aiohttp's server) as one structured line: no traceback.

    A client that drops its connection mid-request is routine for a public endpoint; what
    matters is that it happened, not the stack of the parser that noticed.
    """

    def emit(self, record: logging.LogRecord) -> None:
        fields: dict[str, Any] = {"logger": record.name}
        if record.exc_info and record.exc_info[1] is not None:
            exc = record.exc_info[1]
            fields["error"] = f"{type(exc).__name__}: {str(exc).strip()[:200]}"
        structlog.get_logger(record.name).log(record.levelno, record.getMessage()[:200], **fields)


def configure(level: str = "info", *, stream: Any = None) -> None:
    """Configure structlog once for the process; JSON unless *stream* is a terminal."""
    out = stream or sys.stderr
    renderer: Any
    renderer = structlog.dev.ConsoleRenderer() if out.isatty() else structlog.processors.JSONRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            _redact,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    for name in ("aiohttp", "asyncio"):
        library = logging.getLogger(name)
        library.handlers = [_OneLine()]
        library.propagate = False


def get(name: str) -> Any:
    """A bound logger tagged with the module *name*."""
    return structlog.get_logger(name)
