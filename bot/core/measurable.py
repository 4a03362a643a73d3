"""Decides whether a success criterion can be measured, and whether its target has a baseline."""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|jun(?:e)?|jul(?:y)?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
# Dates and periods say *when*, not *how much*: they are removed before looking for a quantity.
_DATES = re.compile(
    rf"\b\d{{4}}-\d{{2}}-\d{{2}}\b"
    rf"|\b\d{{1,2}}/\d{{1,2}}/\d{{2,4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b"
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})\.?,?\s+\d{{4}}\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{4}}\b"
    rf"|\b(?:q[1-4]|h[12]|fy)\s*'?\d{{2,4}}\b"
    rf"|\bfy\d{{2,4}}\b"
    rf"|\b(?:19|20)\d{{2}}\b",
    re.IGNORECASE,
)
_NUMBER_WORDS = (
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty"
    r"|forty|fifty|hundred|thousand|million|dozen|half|halve[sd]?|double[sd]?|triple[sd]?|twice|thrice"
)
_QUANTITY = re.compile(
    rf"\d|%|\bpercent\b|\b(?:{_NUMBER_WORDS})\b|\b\d+\s*[x\u00d7]\b|\bzero\b",
    re.IGNORECASE,
)
# "all/every/none" quantifiers make a criterion checkable without a number.
_QUANTIFIER = re.compile(r"\b(?:all|every|each|none|no longer|100\s*%)\b", re.IGNORECASE)
# Binary completion: replacing, retiring or moving something off is done or not done.
_COMPLETION = re.compile(
    r"\b(?:replac(?:e|es|ed|ing)|retir(?:e|es|ed|ing)|decommission(?:s|ed|ing)?"
    r"|migrat(?:e|es|ed|ing)|sunset(?:s|ted|ting)?|shut(?:s|ting)? down|switch(?:es|ed)? off"
    r"|turn(?:s|ed)? off|eliminat(?:e|es|ed|ing)|remov(?:e|es|ed|ing)|deprecat(?:e|es|ed|ing)"
    r"|consolidat(?:e|es|ed|ing)|phase(?:s|d)? out|cut(?:s)? over|go(?:es)? live|launch(?:es|ed)?"
    r"|roll(?:s|ed)? out to|certif(?:y|ied|ies)"
    r"|pass(?:es|ed|ing)?\b[^.;]{0,60}?\b(?:audit|assessment|certification|review|exam)s?)\b",
    re.IGNORECASE,
)
# Verbs that only name a direction; with a quantifier but no number they still say "more".
_DIRECTION = re.compile(
    r"\b(?:increas|improv|reduc|grow|enhanc|boost|better|expand|accelerat|optimi[sz]|lower|rais"
    r"|decreas|maximi[sz]|minimi[sz]|strengthen|more|less|faster|fewer)\w*",
    re.IGNORECASE,
)
_BASELINE = re.compile(
    r"\bfrom\s+(?:~|about\s+|around\s+|approx\.?\s+)?[$€£]?\d|\bcurrently\b|\bbaseline\b|\btoday\b"
    r"|\bas of\b|\bwas\b|\bvs\.?\b|\bcompared (?:to|with)\b|\bup from\b|\bdown from\b|->|→",
    re.IGNORECASE,
)


def without_dates(text: str) -> str:
    """*text* with dates, months, quarters and years blanked out."""
    return _DATES.sub(" ", text)


def has_quantity(text: str) -> bool:
    """A number, percentage, count, duration or ratio, dates not counted."""
    return _QUANTITY.search(without_dates(text)) is not None


def is_measurable(text: str) -> bool:
    """True when one can tell whether the criterion is met.

    Quantities (numbers, percentages, counts, durations, ratios), "all/every/none"
    quantifiers and binary completions ("replace Jenkins", "decommission the old
    registry") qualify; a direction alone ("increase usage") does not.
    """
    if has_quantity(text) or _COMPLETION.search(text):
        return True
    # "All new projects use Z" is checkable; "improve reliability for every service" is not.
    return bool(_QUANTIFIER.search(text)) and not _DIRECTION.search(text)


def has_numeric_target(text: str) -> bool:
    """A number that is a target, not a date."""
    return re.search(r"\d", without_dates(text)) is not None


def has_baseline(text: str) -> bool:
    """ "from X", "currently", "baseline" and the like."""
    return _BASELINE.search(text) is not None


# Absolute and policy targets: "100%", "all", "every", "zero", "no critical findings", "within 5
# working days". Where they start from does not change what done means: no baseline is needed.
_ABSOLUTE = re.compile(
    r"\b100\s*%|\b(?:all|every|each|zero|none)\b|\bno\s+(?!longer)\w+|\bwithin\s+\d+\s*(?:working\s+|business\s+)?"
    r"(?:minutes?|hours?|days?|weeks?)\b|\b(?:always|never)\b",
    re.IGNORECASE,
)


def is_absolute(text: str) -> bool:
    """A target that is an absolute or a policy (100 %, all, every, zero, within N days)."""
    return _ABSOLUTE.search(text) is not None


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTH_YEAR = re.compile(rf"\b({_MONTHS})\.?\s+(\d{{4}})\b", re.IGNORECASE)
_QUARTER = re.compile(r"\bq([1-4])\s*(?:fy\s*)?'?(\d{4}|\d{2})\b", re.IGNORECASE)
_MONTH_NUMBER = {
    name[:3]: n
    for n, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1
    )
}


# A value (not a year, not the end of a date) and a parenthesis after it.
_MEASURED_ON = re.compile(r"((?<![\d-])(?!(?:19|20)\d\d\b)\d[\d,.]*\s*(?:%|[A-Za-z]+)?)\s*\([^()]*\)")


def _month_end(year: int, month: int) -> dt.date:
    first_next = dt.date(year + month // 12, month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def target_date(text: str) -> dt.date | None:
    """The date a criterion is due by: its last ISO date, else month and year, else quarter.

    "by Jan 2027" means the end of January, "by Q1 2027" the end of March (calendar quarters). A
    date in parentheses right after a value says when that value was measured ("from 120 (Nov
    2026) to 600 by Q2 2027"): it is not the criterion's date.
    """
    text = _MEASURED_ON.sub(r"\1", text)
    found: list[dt.date] = []
    for m in _ISO.finditer(text):
        try:
            found.append(dt.date(int(m[1]), int(m[2]), int(m[3])))
        except ValueError:
            continue
    if found:
        return found[-1]
    months = [_month_end(int(m[2]), _MONTH_NUMBER[m[1][:3].lower()]) for m in _MONTH_YEAR.finditer(text)]
    if months:
        return months[-1]
    quarters = []
    for m in _QUARTER.finditer(text):
        year = int(m[2]) if len(m[2]) == 4 else 2000 + int(m[2])
        quarters.append(_month_end(year, 3 * int(m[1])))
    return quarters[-1] if quarters else None
