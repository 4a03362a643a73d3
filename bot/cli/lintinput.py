"""Reads what ``lint`` is given: Markdown with front matter, webhook JSON, or a plan directory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.config import LintConfig
from bot.core.description import parse
from bot.core.events import WorkItemHook, hook_objective
from bot.core.model import Objective
from bot.settings import describe_validation_error

MARKDOWN_SUFFIXES = (".md", ".markdown")
JSON_SUFFIXES = (".json",)


class InputError(Exception):
    """Unusable input; the text names the file and the problem in one line."""


@dataclass(frozen=True)
class Source:
    """One objective and where it came from."""

    source: str
    objective: Objective


@dataclass(frozen=True)
class Plan:
    """Objectives linted together; *is_plan* when they came from one directory."""

    source: str
    objectives: list[Source]
    is_plan: bool
    skipped: list[str] = field(default_factory=list)  # files of a directory that are no objective


def _front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    if not text.startswith("---"):
        return {}, text
    lines = text.splitlines(keepends=True)
    for end in range(1, len(lines)):
        if lines[end].rstrip() in ("---", "..."):
            break
    else:
        raise InputError(f"{name}: front matter starts with '---' but never ends")
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 2}" if mark is not None else ""
        raise InputError(f"{name}: front matter is not valid YAML{at}") from None
    if not isinstance(meta, dict):
        raise InputError(f"{name}: front matter must be a mapping of keys")
    return meta, "".join(lines[end + 1 :])


def from_markdown(text: str, name: str) -> Objective:
    """An objective from Markdown; without front matter the file name is the title."""
    meta, body = _front_matter(text, name)
    meta.setdefault("title", Path(name).stem.replace("-", " ").replace("_", " "))
    try:
        return Objective.model_validate({**meta, "description": body.strip("\n")})
    except ValidationError as exc:
        raise InputError(f"{name}: front matter: {describe_validation_error(exc)}") from None


def from_webhook(data: Any, name: str) -> Objective:
    """An objective from an ``Issue Hook`` payload of an epic or issue (children unknown)."""
    if not isinstance(data, dict) or data.get("object_kind") not in ("work_item", "issue"):
        raise InputError(f"{name}: not a GitLab work item or issue webhook payload")
    try:
        hook = WorkItemHook.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{name}: not a GitLab webhook payload ({describe_validation_error(exc)})") from None
    if not hook.object_attributes.title:
        raise InputError(f"{name}: the payload has no object_attributes.title")
    return hook_objective(hook)


def parse_text(text: str, name: str, *, as_json: bool) -> Objective:
    if as_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        return from_webhook(data, name)
    return from_markdown(text, name)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file or directory") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _looks_like_objective(text: str, as_json: bool) -> bool:
    """In a plan directory: front matter or a section heading, or a work item/issue payload."""
    if as_json:
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            return True  # broken JSON is reported, not skipped
        return isinstance(data, dict) and data.get("object_kind") in ("work_item", "issue")
    if text.startswith("---"):
        return True
    return parse(text, LintConfig().headings.known()).sections != {}


def load(arg: str, stdin_text: str | None = None) -> Plan:
    """One command-line argument: a file, a directory (one plan), or ``-`` for stdin."""
    if arg == "-":
        text = stdin_text or ""
        obj = parse_text(text, "<stdin>", as_json=text.lstrip().startswith("{"))
        return Plan("<stdin>", [Source("<stdin>", obj)], is_plan=False)
    path = Path(arg)
    if path.is_dir():
        files = sorted(
            p
            for p in path.rglob("*")
            if p.is_file()
            and p.suffix.lower() in MARKDOWN_SUFFIXES + JSON_SUFFIXES
            and not p.name.startswith(".")
        )
        if not files:
            raise InputError(f"{path}: no .md or .json objective in this directory")
        sources, skipped = [], []
        for f in files:
            text = _read(f)
            as_json = f.suffix.lower() in JSON_SUFFIXES
            if not _looks_like_objective(text, as_json):
                skipped.append(str(f))  # a README or another payload beside the plan
                continue
            sources.append(Source(str(f), parse_text(text, str(f), as_json=as_json)))
        if not sources:
            raise InputError(f"{path}: no objective in this directory (only other files)")
        return Plan(str(path), sources, is_plan=True, skipped=skipped)
    text = _read(path)
    obj = parse_text(text, str(path), as_json=path.suffix.lower() in JSON_SUFFIXES)
    return Plan(str(path), [Source(str(path), obj)], is_plan=False)
