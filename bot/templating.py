"""Jinja2 templates: the operator's directory first (``BOT_TEMPLATES_DIR``), then the shipped ones."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    StrictUndefined,
    select_autoescape,
)


@cache
def environment(override: Path | None = None) -> Environment:
    """One environment per override directory; HTML and SVG templates are autoescaped."""
    loaders: list[FileSystemLoader | PackageLoader] = []
    if override is not None:
        loaders.append(FileSystemLoader(override))
    loaders.append(PackageLoader("bot", "templates"))
    return Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html", "svg"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
