"""Progress for long CLI work: a bar on a terminal, structured log lines otherwise."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from bot import log

logger = log.get(__name__)


class Progress:
    """``step(done, total, what)``; draws on stderr when it is a terminal."""

    def __init__(self, task: str, *, stream: TextIO | None = None) -> None:
        self.task = task
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()

    def step(self, done: int, total: int, what: str, **context: Any) -> None:
        if self.tty:
            width = 28
            filled = int(width * done / total) if total else width
            self.stream.write(
                f"\r{self.task} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} {what[:40]:<40}"
            )
            self.stream.flush()
        else:
            logger.info(self.task, step=what, done=done, total=total, **context)

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
