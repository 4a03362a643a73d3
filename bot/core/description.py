"""Reads an objective's Markdown description: sections, criteria bullets, dated updates, placeholders."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The template's instructions are bracketed text such as "[What is the customer trying…]".
# A task-list box ("[ ]", "[x]") is not one, nor is a link, which the parser consumes.
# TBD, TBC, a lone "?" and "n/a" are what authors write for "not decided yet": placeholders too.
_PLACEHOLDER = re.compile(
    r"\[(?!\s*[xX ]?\s*\])[^\[\]]*[A-Za-z][^\[\]]*\]"
    r"|\b(?:TBD|TBC|TBA)\b\.?"
    r"|(?:^|(?<=[:\s]))(?:\?{1,3}|[nN]/[aA])(?=\s*$)",
    re.MULTILINE,
)
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_OWNER = re.compile(r"^\W*owner\W*:.*?(?<![\w.])@[A-Za-z0-9_][\w.-]*", re.IGNORECASE | re.MULTILINE)
_OWNER_NAMED = re.compile(r"^\W*owners?\W*:\s*\S", re.IGNORECASE | re.MULTILINE)
# Columns of a criteria table, by what their header says.
_COLUMNS = {
    "criterion": re.compile(r"criteri|metric|measure|kpi|goal|indicator|what", re.IGNORECASE),
    "baseline": re.compile(r"baseline|start|from|before", re.IGNORECASE),
    "current": re.compile(r"current|now|today|actual|latest", re.IGNORECASE),
    "target": re.compile(r"target|to\b|expected|desired", re.IGNORECASE),
    "date": re.compile(r"date|by|due|deadline|when|timeline", re.IGNORECASE),
}

# CommonMark with only the constructs that matter here (images, entities, tables and the like
# change no section or bullet), which keeps linting above 2,000 objectives/s on one core.
_md = MarkdownIt("zero", {"html": True}).enable(
    [
        "heading",
        "lheading",
        "list",
        "paragraph",
        "html_block",
        "html_inline",
        "code",
        "fence",
        "blockquote",
        "link",
        "newline",
        "escape",
        "backticks",
        "emphasis",
    ]
)
# Tables cost a look at every line: only descriptions with a "|" get the parser that reads them.
_md_tables = MarkdownIt("zero", {"html": True}).enable(
    [rule for chain in _md.get_active_rules().values() for rule in chain] + ["table"]
)


@dataclass
class Block:
    """A paragraph, list item or sub-heading of a section, as plain text."""

    text: str
    bullet: int | None = None  # 1-based position among the section's top-level bullets
    parts: dict[str, str] | None = None  # a criteria table row: criterion, baseline, current, target, date


@dataclass
class Section:
    """Everything under one ``##`` heading, up to the next one."""

    heading: str
    blocks: list[Block] = field(default_factory=list)
    # How the author wrote it: "## Summary" is the template's form; anything else is looser.
    form: str = ""

    @property
    def exact(self) -> bool:
        return self.form in ("", f"## {self.heading}")

    @property
    def text(self) -> str:
        return "\n".join(block.text for block in self.blocks)

    @property
    def bullets(self) -> list[Block]:
        return [block for block in self.blocks if block.bullet is not None]

    def placeholders(self) -> list[str]:
        return _PLACEHOLDER.findall(self.text)


@dataclass
class Description:
    """A parsed description: sections by lower-cased heading, and what sits before them."""

    sections: dict[str, Section]
    preamble: str
    full_text: str

    def section(self, names: list[str]) -> Section | None:
        """The first section whose heading is one of *names* (case-insensitive, colon ignored)."""
        for name in names:
            found = self.sections.get(_key(name))
            if found is not None:
                return found
        return None

    def has_owner_line(self) -> bool:
        return _OWNER.search(self.full_text) is not None

    def names_an_owner(self) -> bool:
        """An ``Owner:`` line, with or without an @mention."""
        return _OWNER_NAMED.search(self.full_text) is not None


def _key(name: str) -> str:
    return name.strip().rstrip(":").strip().lower()


def _table_blocks(header: list[str], rows: list[list[str]], start: int) -> list[Block]:
    """Criteria from a table: one per row, its parts kept, its text a sentence the checks read."""
    columns: dict[str, int] = {}
    for n, title in enumerate(header):
        for part, pattern in _COLUMNS.items():
            if part not in columns and pattern.search(title):
                columns[part] = n
                break
    columns.setdefault("criterion", 0)
    blocks = []
    for row in rows:
        parts = {part: row[n].strip() for part, n in columns.items() if n < len(row) and row[n].strip()}
        if not parts.get("criterion") and not parts.get("target"):
            continue
        text = parts.get("criterion", "")
        if parts.get("baseline"):
            text += f" from {parts['baseline']}"
        if parts.get("current"):
            text += f" (currently {parts['current']})"
        if parts.get("target"):
            text += f" to {parts['target']}"
        if parts.get("date"):
            text += f" by {parts['date']}"
        start += 1
        blocks.append(Block(text.strip(), bullet=start, parts=parts))
    return blocks


def strip_placeholders(text: str) -> str:
    return _PLACEHOLDER.sub(" ", text).strip()


def _inline_text(token: Token) -> str:
    """Plain text of an inline token; HTML comments and tags are dropped, code kept."""
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
    return "".join(parts).strip()


def _label(token: Token, known: frozenset[str]) -> tuple[str, str, str] | None:
    """A paragraph that opens with a section label — ``**Summary:**`` or ``Summary:`` — as
    ``(heading, form, rest of the paragraph)``; only for the section names the config knows."""
    children = [c for c in token.children or [] if not (c.type == "text" and not c.content)]
    if len(children) >= 3 and children[0].type == "strong_open" and children[2].type == "strong_close":
        label = children[1].content
        rest = "".join(c.content for c in children[3:] if c.type in ("text", "code_inline", "softbreak"))
        labelled = label.rstrip().endswith(":") or rest.lstrip().startswith(":")
        if labelled and _key(label) in known:
            return (
                label.strip().rstrip(":").strip(),
                f"**{label.strip()}**",
                rest.lstrip().lstrip(":").strip(),
            )
        return None
    first = children[0].content if children and children[0].type == "text" else ""
    head, colon, rest = first.partition(":")
    if colon and _key(head) in known and len(head) <= 40:
        return head.strip(), f"{head.strip()}:", (rest + "".join(c.content for c in children[1:])).strip()
    return None


def parse(markdown: str, known: frozenset[str] = frozenset()) -> Description:
    """Parse *markdown* with a CommonMark parser; HTML comments never count as content.

    ``## Heading`` opens a section, as the template writes it. So do ``#`` and ``###`` headings,
    a trailing colon, and a bold or plain ``Label:`` paragraph, when the label is one of the
    *known* section names (lower case): the section then keeps the *form* it was found in.
    """
    tokens = (_md_tables if "|" in (markdown or "") else _md).parse(markdown or "")
    sections: dict[str, Section] = {}
    preamble: list[str] = []
    current: Section | None = None
    list_depth = 0
    bullet_count = 0
    item_open_at_top = False
    pending_heading: int | None = None
    texts: list[str] = []
    table: list[list[str]] | None = None
    for token in tokens:
        if token.type == "heading_open":
            pending_heading = int(token.tag[1])
            continue
        if token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
            continue
        if token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
            continue
        if token.type == "list_item_open" and list_depth == 1:
            bullet_count += 1
            item_open_at_top = True
            continue
        if token.type == "table_open":
            table = []
            continue
        if token.type == "tr_open" and table is not None:
            table.append([])
            continue
        if token.type == "table_close" and table is not None:
            if current is not None and len(table) > 1:
                rows = _table_blocks(table[0], table[1:], bullet_count)
                bullet_count += len(rows)
                current.blocks += rows
            texts += [" ".join(row) for row in table]
            table = None
            continue
        if token.type != "inline":
            continue
        text = _inline_text(token)
        if table is not None:
            table[-1].append(text)
            continue
        if pending_heading is not None:
            level, pending_heading = pending_heading, None
            name = text.rstrip(":").strip()
            if level == 2 or (level <= 3 and _key(text) in known):
                current = Section(heading=name, form=f"{'#' * level} {text}")
                sections.setdefault(_key(text), current)
                bullet_count = 0
                texts.append(text)
                continue
        if not text:
            continue
        if not item_open_at_top and list_depth == 0 and known:
            label = _label(token, known)
            if label is not None:
                heading, form, rest = label
                current = Section(heading=heading, form=form)
                sections.setdefault(_key(heading), current)
                bullet_count = 0
                texts.append(text)
                if rest:
                    current.blocks.append(Block(rest))
                continue
        texts.append(text)
        if current is None:
            preamble.append(text)
        elif item_open_at_top:
            current.blocks.append(Block(text, bullet=bullet_count))
            item_open_at_top = False
        elif list_depth > 1 and current.blocks and current.blocks[-1].bullet is not None:
            # A nested bullet belongs to the criterion above it.
            last = current.blocks[-1]
            last.text = f"{last.text}\n{text}"
        else:
            current.blocks.append(Block(text))
    return Description(sections, "\n".join(preamble), "\n".join(texts))


def dated_entries(section: Section) -> list[dt.date]:
    """Dates that open an entry of ``## Updates`` (bullet, paragraph or sub-heading)."""
    return [when for when, _ in dated_blocks(section)]


def newest(blocks: list[tuple[dt.date, str]]) -> tuple[dt.date, str] | None:
    """The newest of ``dated_blocks`` (the first of those on the same day), or None."""
    return max(blocks, key=lambda pair: pair[0]) if blocks else None


def latest_entry(section: Section) -> str:
    """The text of the newest dated entry of ``## Updates``, or an empty string."""
    found = newest(dated_blocks(section))
    return found[1] if found else ""


def dated_blocks(section: Section) -> list[tuple[dt.date, str]]:
    """``(date, text)`` for each dated line of a section."""
    dates: list[tuple[dt.date, str]] = []
    for block in section.blocks:
        for line in block.text.splitlines():
            match = _ISO_DATE.search(line[:40])
            if match is None:
                continue
            try:
                dates.append((dt.date(int(match[1]), int(match[2]), int(match[3])), block.text))
            except ValueError:
                continue
    return dates
