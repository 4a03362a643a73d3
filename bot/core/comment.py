"""Renders the guidance comment on an objective epic (pure: findings in, Markdown out)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from jinja2 import Environment

from bot.core.catalogue import RULES
from bot.core.model import Finding

# Found again by this marker (and the note id the bot keeps), so there is never a second comment.
MARKER = "<!-- success-plan-bot:objective-guidance -->"
# GitLab refuses notes over 1,000,000 characters; stay well below whatever the input.
NOTE_LIMIT = 1_000_000
MAX_LISTED = 40
MAX_TEXT = 600
MAX_PLACES = 6
MAX_DETAILS = 3
# Rules whose findings differ only by where they are: merged, they name the places.
BY_PLACE = {"outcome-placeholder", "outcome-missing", "criteria-missing"}
# Rules whose title says all there is to say: the message would repeat it.
SELF_EXPLAINED = {
    "timeline-missing",
    "status-label-missing",
    "outcome-label-missing",
    "usecase-label-missing",
    "initiatives-missing",
}
# Where each rule is explained; operators point ``docs_url`` in BOT_CONFIG at their own copy.
# (docs/rules.md of this repository, published with its Pages site).
DOCS_URL = "https://success-plan-bot.gitlab.io/rules"

_WORD_JOINER = "\u2060"
# Sigils GitLab turns into mentions or references (@user, #issue, &epic, !MR, ~label,
# %milestone, $snippet, *iteration) and schemes it turns into links.
_SIGIL = re.compile(r"([@#&!~%$*])(?=[\w\"'./:-])")
_SCHEME = re.compile(r"(?i)\b(https?|ftp|mailto|file|javascript|data|vbscript|irc|ssh|git)(?=:)")
# GitLab auto-links bare www. hosts as well as schemes.
_WWW = re.compile(r"(?i)\b(www)(?=\.)")
# Control characters, and the invisible ones that reorder or hide text (bidi overrides, BOM).
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|])")


def defuse(text: str, limit: int = MAX_TEXT) -> str:
    """Text copied from an epic, made inert: one line, no mention, reference, link or markup."""
    flat = " ".join(_INVISIBLE.sub(" ", str(text)).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    flat = _SIGIL.sub(lambda m: m.group(1) + _WORD_JOINER, flat)
    flat = _SCHEME.sub(lambda m: m.group(1) + _WORD_JOINER, flat)
    flat = _WWW.sub(lambda m: m.group(1) + _WORD_JOINER, flat)
    return _MARKDOWN.sub(r"\\\1", flat)


def _with_quotes_defused(text: str | None, quotes: list[str]) -> str:
    """*text* from a rule, with the parts copied from the epic made inert; the rest is ours."""
    if not text:
        return ""
    pieces: list[tuple[bool, str]] = [(False, text)]  # (already defused, text)
    for quote in sorted({q for q in quotes if q}, key=len, reverse=True):
        split: list[tuple[bool, str]] = []
        for done, piece in pieces:
            if done:
                split.append((done, piece))
                continue
            for n, part in enumerate(piece.split(quote)):
                if n:
                    split.append((True, defuse(quote)))
                split.append((False, part))
        pieces = split
    return "".join(piece for _, piece in pieces)


def message(finding: Finding) -> str:
    return _with_quotes_defused(finding.message, finding.quotes)


def where(finding: Finding) -> str:
    return _with_quotes_defused(finding.where, finding.quotes)


def no_quick_actions(body: str) -> str:
    """Escape any line that would start with ``/``, which GitLab runs as a quick action."""
    return "\n".join("\\" + line if line.lstrip().startswith("/") else line for line in body.split("\n"))


@dataclass(frozen=True)
class Line:
    """One line of the comment: every finding of one rule, merged, with its places and its fix."""

    rule: str
    severity: str
    title: str
    found: str  # what was found, one sentence: the finding's message, or the places (made inert)
    details: list[str]  # for several findings worth telling apart: one each (made inert)
    more: int  # findings not spelled out in details
    hint: str
    example: str
    doc: str  # the rule's entry in docs/rules.md


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def lines(findings: list[Finding], docs_url: str) -> list[Line]:
    """Findings grouped by rule, in their order (errors first), one Line per rule."""
    grouped: dict[str, list[Finding]] = {}
    for f in findings:
        grouped.setdefault(f.rule, []).append(f)
    result = []
    for rule_id, group in grouped.items():
        rule = RULES[rule_id]
        places = list(dict.fromkeys(where(f) for f in group if f.where))
        hints = list(dict.fromkeys(f.hint for f in group))
        extra = len(places) - MAX_PLACES
        listed = _and(places[:MAX_PLACES]) + (f" and {extra} more" if extra > 0 else "") if places else ""
        single, by_place = len(group) == 1, rule_id in BY_PLACE
        result.append(
            Line(
                rule=rule_id,
                severity=group[0].severity,
                title=rule.title,
                found=""
                if rule_id in SELF_EXPLAINED
                else message(group[0])
                if single
                else (f"In {listed}." if by_place and listed else ""),
                details=[] if single or by_place else [message(f) for f in group[:MAX_DETAILS]],
                more=0 if single or by_place else max(0, len(group) - MAX_DETAILS),
                # A fix fitted to one finding is worth its words; several become the rule's own.
                hint=hints[0] if len(hints) == 1 else rule.hint,
                # A fix fitted to this epic needs no general example beside it.
                example=rule.example if hints == [rule.hint] else "",
                doc=f"{docs_url}#{rule_id}",
            )
        )
    return result


def render(findings: list[Finding], *, template_url: str, env: Environment, docs_url: str = DOCS_URL) -> str:
    """The comment for *findings*: the verdict, what to fix, suggestions folded; or resolved."""
    merged = lines(findings, docs_url)
    errors = [line for line in merged if line.severity == "error"]
    warnings = [line for line in merged if line.severity == "warning"]
    suggestions = [line for line in merged if line.severity == "suggestion"]
    template = env.get_template("comment.md")
    body = template.render(
        marker=MARKER,
        errors=errors[:MAX_LISTED],
        warnings=warnings[:MAX_LISTED],
        suggestions=suggestions[:MAX_LISTED],
        error_count=len(errors),
        warning_count=len(warnings),
        suggestion_count=len(suggestions),
        resolved=not errors and not warnings,
        template_url=template_url,
        docs_url=docs_url,
    )
    body = no_quick_actions(body.strip() + "\n")
    if MARKER not in body:  # an operator's template must keep the marker, or we would comment twice
        body = MARKER + "\n" + body
    return body[: NOTE_LIMIT - 1]


def comment_digest(body: str | None) -> str:
    """What the sweep compares to tell whether a comment would change: a digest, or "none"."""
    return hashlib.sha256(body.encode()).hexdigest()[:32] if body is not None else "none"


def render_untracked(*, label: str, env: Environment) -> str:
    """What the comment says once the epic stops being an objective."""
    body = env.get_template("comment_untracked.md").render(marker=MARKER, label=defuse(label))
    return no_quick_actions(body.strip() + "\n")
