"""Reads an objective's Markdown description: sections, criteria bullets, dated updates, placeholders."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token

# The template's instructions are bracketed text such as "[What is the customer trying…]".
# A task-list box ("[ ]", "[x]") is not one, nor is a link, which the parser consumes.
_PLACEHOLDER = re.compile(r"\[(?!\s*[xX ]?\s*\])[^\[\]]*[A-Za-z][^\[\]]*\]")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")
_OWNER = re.compile(r"^\W*owner\W*:.*?(?<![\w.])@[A-Za-z0-9_][\w.-]*", re.IGNORECASE | re.MULTILINE)

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


@dataclass
class Block:
    """A paragraph, list item or sub-heading of a section, as plain text."""

    text: str
    bullet: int | None = None  # 1-based position among the section's top-level bullets


@dataclass
class Section:
    """Everything under one ``##`` heading, up to the next one."""

    heading: str
    blocks: list[Block] = field(default_factory=list)

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
        """The first section whose heading is one of *names* (case-insensitive)."""
        for name in names:
            found = self.sections.get(name.strip().lower())
            if found is not None:
                return found
        return None

    def has_owner_line(self) -> bool:
        return _OWNER.search(self.full_text) is not None


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


def parse(markdown: str) -> Description:
    """Parse *markdown* with a CommonMark parser; HTML comments never count as content."""
    tokens = _md.parse(markdown or "")
    sections: dict[str, Section] = {}
    preamble: list[str] = []
    current: Section | None = None
    list_depth = 0
    bullet_count = 0
    item_open_at_top = False
    pending_heading: int | None = None
    texts: list[str] = []
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
        if token.type != "inline":
            continue
        text = _inline_text(token)
        if pending_heading is not None:
            level, pending_heading = pending_heading, None
            if level == 2:
                current = Section(heading=text)
                sections.setdefault(text.lower(), current)
                bullet_count = 0
                texts.append(text)
                continue
        if not text:
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


def latest_entry(section: Section) -> str:
    """The text of the newest dated entry of ``## Updates``, or an empty string."""
    blocks = dated_blocks(section)
    return max(blocks, key=lambda pair: pair[0])[1] if blocks else ""


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
