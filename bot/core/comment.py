"""Renders the guidance comment on an objective epic (pure: findings in, Markdown out)."""

from __future__ import annotations

import re

from jinja2 import Environment

from bot.core.catalogue import RULES
from bot.core.model import Finding

# Found again by this marker (and the note id the bot keeps), so there is never a second comment.
MARKER = "<!-- success-plan-bot:objective-guidance -->"
# GitLab refuses notes over 1,000,000 characters; stay well below whatever the input.
NOTE_LIMIT = 1_000_000
MAX_LISTED = 40
MAX_TEXT = 600

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


def render(findings: list[Finding], *, template_url: str, env: Environment) -> str:
    """The comment for *findings*: the verdict, what to fix, suggestions folded; or resolved."""
    actionable = [f for f in findings if f.severity != "suggestion"]
    suggestions = [f for f in findings if f.severity == "suggestion"]
    template = env.get_template("comment.md")
    body = template.render(
        marker=MARKER,
        errors=[f for f in actionable if f.severity == "error"][:MAX_LISTED],
        warnings=[f for f in actionable if f.severity == "warning"][:MAX_LISTED],
        error_count=sum(1 for f in actionable if f.severity == "error"),
        warning_count=sum(1 for f in actionable if f.severity == "warning"),
        suggestions=suggestions[:MAX_LISTED],
        suggestion_count=len(suggestions),
        resolved=not actionable,
        titles={rule_id: rule.title for rule_id, rule in RULES.items()},
        template_url=template_url,
        message=message,
        where=where,
    )
    body = no_quick_actions(body.strip() + "\n")
    if MARKER not in body:  # an operator's template must keep the marker, or we would comment twice
        body = MARKER + "\n" + body
    return body[: NOTE_LIMIT - 1]


def render_untracked(*, label: str, env: Environment) -> str:
    """What the comment says once the epic stops being an objective."""
    body = env.get_template("comment_untracked.md").render(marker=MARKER, label=defuse(label))
    return no_quick_actions(body.strip() + "\n")
