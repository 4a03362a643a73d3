"""Each success criterion as a business review reads it: baseline → current → target, and a verdict.

Pure. The values come from a criteria table's columns or from the sentence as written ("cycle time
from 10 days to 7 days by 2027-06-30", "(currently 8 days)"); a current value missing from both is
taken from the newest dated update that names the criterion's metric with a quantity in the
target's unit. Nothing is invented: a value the plan does not give stays empty, and a verdict is
only given when the plan's own numbers or updates decide it:

- **Met**: the current value reaches the target (or, for a done-or-not criterion, a dated update
  says it was achieved);
- **Missed**: its date has passed and the latest value falls short;
- **At risk**: its date is within the horizon and the latest value still falls short;
- **Result to be confirmed**: its date has passed and the plan reports no result.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from bot.core.checks import ACHIEVED
from bot.core.measurable import target_date, without_dates

_STOP = (
    r"by|in|on|at|for|and|or|of|to|from|with|within|before|after|across|per|than|the|a|an|is|are"
    r"|was|were|now|currently|today|vs|into|over|under|below|above|each|every|all|as|so|that|while"
)
# A quantity: an optional comparison or currency, a number, and up to two unit words.
_QTY = (
    rf"(?:\d+\s*:\s*\d+|(?:[<>≤≥~]\s*)?[$€£]?\d[\d,]*(?:\.\d+)?(?:\s*%|[kKM]\b)?"
    rf"(?:\s+(?!(?:{_STOP})\b)[A-Za-z][A-Za-z/.-]*){{0,2}}(?:\s+per\s+[A-Za-z]+)?)"
)
# "from 10 days (Jan 2026) to 7 days": the parenthesis says when the baseline was measured.
_AS_OF = r"(?:\s*\([^()]*\))?"
# Limits: where the target lies, the lower or upper bound; "under" and "more than" exclude it.
_DOWN_WORDS = "under|below|less than|fewer than|at most|no more than|down to"
_UP_WORDS = "above|over|more than|at least|up to"
_LIMIT = f"{_DOWN_WORDS}|{_UP_WORDS}"
_DOWN_LIMIT = re.compile(rf"^(?:{_DOWN_WORDS}|[<≤])", re.I)
_UP_LIMIT = re.compile(rf"^(?:{_UP_WORDS}|[>≥])", re.I)
_STRICT_LIMIT = re.compile(r"^(?:under|below|less than|fewer than|more than|above|over|[<>])", re.I)
# A target: a quantity, the limit word kept with it ("7 days", "under 1 hour").
_BOUNDED = rf"(?:(?:{_LIMIT})\s+)?{_QTY}"
_ABOUT = r"(?:~|about\s+|around\s+)?"
_FROM_TO = re.compile(
    rf"\bfrom\s+{_ABOUT}(?P<b>{_QTY}){_AS_OF}\s*(?:to|→|->)\s+(?P<t>{_BOUNDED})", re.IGNORECASE
)
_ARROW = re.compile(rf"(?P<b>{_QTY}){_AS_OF}\s*(?:→|->)\s*(?P<t>{_BOUNDED})", re.IGNORECASE)
_FROM = re.compile(rf"\bfrom\s+{_ABOUT}(?P<b>{_QTY})", re.IGNORECASE)
# "to 7 days", "to under 1 hour", "under 15 minutes", "≥ 99.9%": the limit word is part of the target.
_TARGET = re.compile(rf"\bto\s+(?P<t>{_BOUNDED})|(?P<u>(?:\b(?:{_LIMIT})\s+|[<>≤≥]\s*){_QTY})", re.IGNORECASE)
_CURRENT = re.compile(
    rf"\b(?:currently|today|now|as of [\w-]+)\s*(?:at|is|:)?\s*(?P<c>{_QTY})", re.IGNORECASE
)
_ANY_QTY = re.compile(_QTY)
_DOWN_VERB = re.compile(
    r"\b(?:reduc|cut|lower|decreas|shorten|shrink|halv|minimi[sz]|fewer|less|faster|drop)\w*", re.I
)
_UP_VERB = re.compile(
    r"\b(?:increas|grow|rais|improv|boost|expand|more|doubl|tripl|maximi[sz]|onboard|reach|adopt)\w*", re.I
)
_NEGATED = re.compile(r"\b(?:not|yet to|still|no longer|pending|blocked|delayed|slipp)\w*", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]{2,}")
_MISSED = re.compile(
    r"\b(?:missed|not (?:been )?met|fell short|falls short|failed|did not (?:reach|meet))\b", re.I
)
_NOT_METRIC = re.compile(
    rf"^(?:{_STOP}|{_LIMIT}|target|goal|baseline|currently|reduce|increase|improve|cut|raise|lower"
    r"|grow|reach|achieve|keep|make|get|have|than|days?|hours?|minutes?|weeks?|months?|percent|per)$",
    re.IGNORECASE,
)
# Minutes per unit of time (singular and abbreviated names), so "8 hours" and "1 day" compare.
_TIME = {
    name: minutes
    for names, minutes in (
        (("s", "sec", "second"), 1 / 60),
        (("m", "min", "minute"), 1),
        (("h", "hr", "hour"), 60),
        (("d", "day"), 1440),
        (("w", "wk", "week"), 10080),
        (("mo", "month"), 43200),
    )
    for name in names
}


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str  # "%", "min" for any time (value in minutes), a unit word, or ""


def quantity(text: str | None) -> Quantity | None:
    """The number and unit of a quantity such as "7 days", "under 15 min", "40%", "2,000 developers"."""
    if not text:
        return None
    ratio = re.search(r"(\d+)\s*:\s*(\d+)", text)
    if ratio and int(ratio[2]):
        return Quantity(int(ratio[1]) / int(ratio[2]), "ratio")
    match = re.search(r"(\d[\d,]*(?:\.\d+)?)\s*(%|[kKM]\b)?\s*([A-Za-z]+)?", without_dates(text))
    if match is None:
        return None
    value = float(match[1].replace(",", ""))
    suffix, word = match[2] or "", (match[3] or "").lower()
    if suffix in ("k", "K"):
        value *= 1_000
    elif suffix == "M":
        value *= 1_000_000
    if suffix.strip() == "%" or word == "percent":
        return Quantity(value, "%")
    singular = word[:-1] if word.endswith("s") and len(word) > 2 else word
    rate = re.match(r"[^.;,]*?(?:\bper\s+|/)\s*([A-Za-z]+)", without_dates(text)[match.end(1) :])
    if rate:
        # "2 deploys per week", "5/day": a rate, per minute when the period is a time.
        period = rate[1].lower().removesuffix("s")
        if period in _TIME:
            return Quantity(value / _TIME[period], "/min")
        return Quantity(value, f"{'' if singular == 'per' else singular}/{period}")
    if singular in _TIME:
        return Quantity(value * _TIME[singular], "min")
    return Quantity(value, singular)


# A number that is part of a name ("SOC 2", "ISO 27001", "phase 2", "GitLab 18.1") is not a quantity.
_NAME_BEFORE = re.compile(
    r"(?:\b[A-Z]{2,}[A-Za-z-]*|\b[A-Z][a-z]+[A-Z][A-Za-z]*"  # SOC 2, ISO 27001, GitLab 18
    r"|\b(?i:phase|tier|level|stage|step|version|v|wave|release))\s*$"
)


def _quantities(text: str) -> list[re.Match[str]]:
    """The quantities of *text* (dates already blanked), numbers that are part of a name left out."""
    found = []
    for match in _ANY_QTY.finditer(text):
        before = text[max(0, match.start() - 20) : match.start()]
        if _NAME_BEFORE.search(before):
            continue
        found.append(match)
    return found


def _blank(text: str, match: re.Match[str]) -> str:
    """*text* with what *match* found blanked out, so that it is not read again."""
    return text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]


def _clean(found: str) -> str:
    """A quantity as matched, without the sentence's punctuation after it."""
    return found.strip().rstrip(".,;:")


def _comparable(a: Quantity, b: Quantity) -> bool:
    return a.unit == b.unit or not a.unit or not b.unit


@dataclass(frozen=True)
class Criterion:
    """One criterion for the deck: what it measures, its values where the plan gives them, a verdict."""

    label: str
    baseline: str = ""
    current: str = ""
    current_as_of: dt.date | None = None
    target: str = ""
    due: dt.date | None = None
    verdict: str = ""  # Met | Missed | At risk | Result to be confirmed | "" (still on its way)
    tabled: bool = False  # read from a criteria table (the label is the metric alone)

    @property
    def verdict_class(self) -> str:
        return {"Met": "on-track", "Missed": "concern", "At risk": "watch"}.get(self.verdict, "none")

    @property
    def detail(self) -> str:
        """The values line worth showing under the label: a sentence already says its baseline and target."""
        return self.values if self.tabled or self.current else ""

    @property
    def values(self) -> str:
        """ "10 days → 8 days (as of 2026-11-02) → 7 days by 2027-06-30", or "" when none are given."""
        steps = []
        if self.baseline:
            steps.append(f"Baseline {self.baseline}")
        if self.current:
            steps.append(
                f"now {self.current}" + (f" (as of {self.current_as_of})" if self.current_as_of else "")
            )
        if self.target:
            steps.append(f"target {self.target}")
        line = " → ".join(steps)
        if self.due and line:
            line += f" by {self.due}"
        return line[:1].upper() + line[1:]


def _direction(baseline: Quantity | None, target_text: str, sentence: str) -> int:
    """+1 when more is better, -1 when less is, 0 when the plan does not say."""
    target = quantity(target_text)
    if baseline and target and _comparable(baseline, target) and baseline.value != target.value:
        return 1 if target.value > baseline.value else -1
    if _DOWN_LIMIT.search(target_text.strip()):
        return -1
    if _UP_LIMIT.search(target_text.strip()):
        return 1
    if _DOWN_VERB.search(sentence):
        return -1
    if _UP_VERB.search(sentence):
        return 1
    return 0


def _stem(word: str) -> str:
    """Lower case, a plural's final s dropped: "Seats" and "seat" name the same thing."""
    word = word.lower()
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text)}


def _keywords(label: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(without_dates(label)) if not _NOT_METRIC.match(w)}


def _from_updates(
    label: str, target: Quantity | None, updates: list[tuple[dt.date, str]]
) -> tuple[str, dt.date | None]:
    """The newest reported value of the criterion's metric in the dated updates, and its date."""
    keys = _keywords(label)
    if not keys or target is None:
        return "", None
    for day, text in sorted(updates, key=lambda pair: pair[0], reverse=True):
        if not keys & _words(text):
            continue
        found = ""
        for match in _quantities(without_dates(text)):
            before = text[max(0, match.start() - 14) : match.start()].lower()
            value = quantity(match[0])
            if value is None or re.search(r"target|goal|from|baseline|was\b", before):
                continue
            if value.unit == target.unit or (not target.unit and not value.unit):
                found = _clean(match[0])
        if found:
            return found, day
    return "", None


def _reported(label: str, updates: list[tuple[dt.date, str]]) -> bool | None:
    """What the newest dated update naming the criterion says of it: achieved, missed, or nothing."""
    keys = _keywords(label)
    need = min(2, len(keys))
    for _, text in sorted(updates, key=lambda pair: pair[0], reverse=True):
        if not need or len(keys & _words(text)) < need:
            continue
        if _MISSED.search(text):
            return False
        hit = ACHIEVED.search(text)
        if hit and not _NEGATED.search(text[: hit.start()][-30:]):
            return True
    return None


def _verdict(
    met: bool | None, due: dt.date | None, today: dt.date, horizon_days: int, *, reported: bool
) -> str:
    if met:
        return "Met"
    if due is None:
        return ""
    if due < today:
        return "Missed" if met is False else ("" if reported else "Result to be confirmed")
    if met is False and due <= today + dt.timedelta(days=horizon_days):
        return "At risk"
    return ""


def criterion(
    text: str,
    parts: dict[str, str] | None,
    updates: list[tuple[dt.date, str]],
    today: dt.date,
    horizon_days: int = 30,
    *,
    ticked: bool = False,
) -> Criterion:
    """Read one criterion (a table row's *parts*, or the sentence *text*) against the dated *updates*.

    *ticked*: the CSM ticked the criterion's task-list box (``- [x] …``): it is met.
    """
    if parts:
        label = parts.get("criterion") or text
        baseline, current = parts.get("baseline", ""), parts.get("current", "")
        target = parts.get("target", "")
        due = target_date(parts.get("date", "")) or target_date(text)
    else:
        label, baseline, current, target, due = text, "", "", "", target_date(text)
        scan = without_dates(text)
        if now := _CURRENT.search(scan):
            current = _clean(now["c"])
            scan = _blank(scan, now)
        pair = _FROM_TO.search(scan) or _ARROW.search(scan)
        if pair:
            baseline, target = _clean(pair["b"]), _clean(pair["t"])
        else:
            if start := _FROM.search(scan):  # "from 9 days to by 2027-01-31": a baseline, no target
                baseline = _clean(start["b"])
                scan = _blank(scan, start)
            if found := _TARGET.search(scan):
                target = _clean(found["t"] or found["u"])
            elif len(quantities := [m[0] for m in _quantities(scan)]) == 1:
                target = _clean(quantities[0])
    as_of = None
    goal = quantity(target)
    if not current:
        current, as_of = _from_updates(label, goal, updates)
    now_value = quantity(current)
    direction = _direction(quantity(baseline), target, text)
    met: bool | None = None
    if goal and now_value and _comparable(goal, now_value) and direction:
        strict = _STRICT_LIMIT.match(target)
        gap = (now_value.value - goal.value) * direction
        met = gap > 0 if strict else gap >= 0
    if ticked:
        met = True
    elif met is None:
        met = _reported(label, updates)
    verdict = _verdict(met, due, today, horizon_days, reported=bool(current))
    return Criterion(label, baseline, current, as_of, target, due, verdict, tabled=bool(parts))
