"""Formats lint results for people (text grouped by objective) and for tools (JSON)."""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from typing import Any

from bot.core.catalogue import RULES
from bot.core.model import Finding


@dataclass(frozen=True)
class Result:
    """Findings for one objective, or for a whole plan (*plan* true)."""

    source: str
    title: str
    findings: list[Finding]
    plan: bool = False


_LABEL = {"error": "ERROR", "warning": "WARNING", "suggestion": "SUGGESTION"}


def as_json(results: list[Result]) -> list[dict[str, Any]]:
    """``[{"source", "title", "findings": [{"rule", "severity", "message", "hint", "where"}]}]``."""
    return [
        {
            "source": r.source,
            "title": r.title,
            "findings": [
                {
                    "rule": f.rule,
                    "severity": f.severity,
                    "message": f.message,
                    "hint": f.hint,
                    "where": f.where,
                }
                for f in r.findings
            ],
        }
        for r in results
    ]


def _counts(findings: list[Finding]) -> str:
    parts = []
    for severity, word in (("error", "error"), ("warning", "warning"), ("suggestion", "suggestion")):
        n = sum(1 for f in findings if f.severity == severity)
        if n:
            parts.append(f"{n} {word}{'s' if n != 1 else ''}")
    return ", ".join(parts)


def _wrap(text: str, indent: str, width: int) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [indent]


def as_text(results: list[Result], *, width: int = 88) -> str:
    """What a CSM reads: each objective, its errors first, every finding with its fix."""
    lines: list[str] = []
    for r in results:
        heading = f"Plan: {r.title}" if r.plan else r.title
        lines.append(f"{heading}  ({r.source})")
        if not r.findings:
            lines.append("  ✔ " + ("Plan is in good shape." if r.plan else "Meets the template."))
            lines.append("")
            continue
        lines.append(f"  {_counts(r.findings)}")
        for f in r.findings:
            lines.append(f"  {_LABEL[f.severity]:<10} {RULES[f.rule].title}  ({f.rule})")
            if f.where:
                lines.extend(_wrap("Where: " + f.where, " " * 13, width))
            lines.extend(_wrap(f.message, " " * 13, width))
            lines.extend(_wrap("Fix: " + f.hint, " " * 13, width))
        lines.append("")
    objectives = [r for r in results if not r.plan]
    everything = [f for r in results for f in r.findings]
    clean = sum(1 for r in objectives if not any(f.severity != "suggestion" for f in r.findings))
    summary = (
        f"{len(objectives)} objective{'s' if len(objectives) != 1 else ''} checked: "
        f"{clean} ready, {len(objectives) - clean} need work"
    )
    counts = _counts(everything)
    lines.append(summary + (f" ({counts})." if counts else "."))
    return "\n".join(lines)
