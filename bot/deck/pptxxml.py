"""DrawingML written as text: shapes, tables, slides and notes added to the package as finished parts.

python-pptx builds each shape element by element (a 200-objective deck spent most of its time
there); the deck's shapes are few and fixed, so each is one formatted string and each slide and
notes page is one part, written as it is. Lengths are EMU; the package still comes from
python-pptx's template (``pptxbase``) and is saved by it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from pptx.opc.constants import CONTENT_TYPE as CT
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import Part
from pptx.opc.packuri import PackURI
from pptx.presentation import Presentation

from bot.deck.pptxbase import THEME_COLORS

EMU_PER_INCH, EMU_PER_POINT = 914400, 12700
# A text box's default insets (PowerPoint's): 0.1 in left and right, 0.05 in top and bottom.
INSET_X, INSET_Y = 91440, 45720
# PowerPoint's "Medium Style 2 - Accent 1", drawn from the theme's accent colour.
TABLE_STYLE = "{5C22544A-7EE6-4342-B048-85BDC9FD1C3A}"
_NS = (
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"'
)
# Characters XML 1.0 cannot hold (C0 controls but tab and newline, lone surrogates, U+FFFE/F).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def inches(value: float) -> int:
    return round(value * EMU_PER_INCH)


def points(emu: int) -> float:
    return emu / EMU_PER_POINT


def emu(pt: float) -> int:
    return round(pt * EMU_PER_POINT)


def text_xml(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


@dataclass(frozen=True)
class Run:
    text: str
    size: float
    bold: bool = False
    color: str = THEME_COLORS["dk2"]  # the deck's ink


def _run(run: Run) -> str:
    bold = ' b="1"' if run.bold else ""
    return (
        f'<a:r><a:rPr lang="en-US" sz="{round(run.size * 100)}"{bold} dirty="0">'
        f'<a:solidFill><a:srgbClr val="{run.color}"/></a:solidFill></a:rPr>'
        f"<a:t>{text_xml(run.text)}</a:t></a:r>"
    )


def paragraph(runs: list[Run], *, align: str = "l", after: float = 0.0) -> str:
    spacing = f'<a:spcAft><a:spcPts val="{round(after * 100)}"/></a:spcAft>' if after else ""
    size = round(max((r.size for r in runs), default=12) * 100)
    return (
        f'<a:p><a:pPr algn="{align}">{spacing}</a:pPr>'
        + "".join(_run(r) for r in runs)
        + f'<a:endParaRPr lang="en-US" sz="{size}" dirty="0"/></a:p>'
    )


def _xfrm(x: int, y: int, w: int, h: int) -> str:
    return f'<a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{w}" cy="{h}"/></a:xfrm>'


@dataclass
class Shapes:
    """One slide's shapes, in drawing order; ids are unique on the slide."""

    parts: list[str] = field(default_factory=list)
    next_id: int = 2

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id - 1

    def title(self, x: int, y: int, w: int, h: int, paragraphs: list[str]) -> None:
        """The slide's title placeholder: the outline, accessibility checkers and screen readers read it."""
        n = self._id()
        self.parts.append(
            f'<p:sp><p:nvSpPr><p:cNvPr id="{n}" name="Title {n}"/><p:cNvSpPr><a:spLocks noGrp="1"/>'
            f'</p:cNvSpPr><p:nvPr><p:ph type="title"/></p:nvPr></p:nvSpPr><p:spPr>{_xfrm(x, y, w, h)}'
            '</p:spPr><p:txBody><a:bodyPr vert="horz" wrap="square" lIns="91440" tIns="45720" rIns="91440"'
            ' bIns="45720" anchor="t"><a:noAutofit/></a:bodyPr><a:lstStyle/>'
            + "".join(paragraphs)
            + "</p:txBody></p:sp>"
        )

    def text(self, x: int, y: int, w: int, h: int, paragraphs: list[str], *, name: str = "Text") -> None:
        n = self._id()
        self.parts.append(
            f'<p:sp><p:nvSpPr><p:cNvPr id="{n}" name="{name} {n}"/><p:cNvSpPr txBox="1"/><p:nvPr/>'
            f'</p:nvSpPr><p:spPr>{_xfrm(x, y, w, h)}<a:prstGeom prst="rect"><a:avLst/></a:prstGeom>'
            '<a:noFill/></p:spPr><p:txBody><a:bodyPr wrap="square" lIns="91440" tIns="45720" rIns="91440"'
            ' bIns="45720" anchor="t"><a:noAutofit/></a:bodyPr><a:lstStyle/>'
            + ("".join(paragraphs) or '<a:p><a:endParaRPr lang="en-US"/></a:p>')
            + "</p:txBody></p:sp>"
        )

    def rect(self, x: int, y: int, w: int, h: int, color: str, *, shape: str = "rect") -> None:
        """A filled shape without outline: ``rect``, ``roundRect`` or ``diamond``."""
        n = self._id()
        self.parts.append(
            f'<p:sp><p:nvSpPr><p:cNvPr id="{n}" name="Shape {n}"/><p:cNvSpPr/><p:nvPr/></p:nvSpPr>'
            f'<p:spPr>{_xfrm(x, y, w, h)}<a:prstGeom prst="{shape}"><a:avLst/></a:prstGeom>'
            f'<a:solidFill><a:srgbClr val="{color}"/></a:solidFill><a:ln><a:noFill/></a:ln></p:spPr></p:sp>'
        )

    def line(self, x: int, y: int, w: int, h: int, color: str, *, dashed: bool = False) -> None:
        n = self._id()
        dash = '<a:prstDash val="dash"/>' if dashed else ""
        self.parts.append(
            f'<p:cxnSp><p:nvCxnSpPr><p:cNvPr id="{n}" name="Line {n}"/><p:cNvCxnSpPr/><p:nvPr/>'
            f'</p:nvCxnSpPr><p:spPr>{_xfrm(x, y, w, h)}<a:prstGeom prst="line"><a:avLst/></a:prstGeom>'
            f'<a:ln w="15875"><a:solidFill><a:srgbClr val="{color}"/></a:solidFill>{dash}</a:ln>'
            "</p:spPr></p:cxnSp>"
        )

    def table(
        self, x: int, y: int, widths: list[int], rows: list[list[str]], heights: list[int], size: float
    ) -> None:
        """A table whose first row is its header, in the theme's table style (the deck's colours)."""
        n = self._id()
        grid = "".join(f'<a:gridCol w="{w}"/>' for w in widths)
        body = "".join(
            f'<a:tr h="{h}">'
            + "".join(
                "<a:tc><a:txBody><a:bodyPr/><a:lstStyle/>"
                + paragraph([Run(cell, size, bold=r == 0, color="FFFFFF" if r == 0 else THEME_COLORS["dk2"])])
                + '</a:txBody><a:tcPr marL="91440" marR="91440" marT="45720" marB="45720"/></a:tc>'
                for cell in row
            )
            + "</a:tr>"
            for r, (row, h) in enumerate(zip(rows, heights, strict=True))
        )
        self.parts.append(
            f'<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{n}" name="Table {n}"/><p:cNvGraphicFramePr>'
            '<a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/></p:nvGraphicFramePr>'
            f'<p:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{sum(widths)}" cy="{sum(heights)}"/></p:xfrm>'
            '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl>'
            f'<a:tblPr firstRow="1" bandRow="1"><a:tableStyleId>{TABLE_STYLE}</a:tableStyleId></a:tblPr>'
            f"<a:tblGrid>{grid}</a:tblGrid>{body}</a:tbl></a:graphicData></a:graphic></p:graphicFrame>"
        )

    def xml(self) -> str:
        return "".join(self.parts)


_SLIDE = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f"<p:sld {_NS}><p:cSld><p:spTree>"
    '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
    "{shapes}</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>"
)
_NOTES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f"<p:notes {_NS}><p:cSld><p:spTree>"
    '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>'
    '<p:sp><p:nvSpPr><p:cNvPr id="2" name="Slide Image Placeholder 1"/><p:cNvSpPr><a:spLocks noGrp="1"/>'
    '</p:cNvSpPr><p:nvPr><p:ph type="sldImg" idx="2"/></p:nvPr></p:nvSpPr><p:spPr/></p:sp>'
    '<p:sp><p:nvSpPr><p:cNvPr id="3" name="Notes Placeholder 2"/><p:cNvSpPr><a:spLocks noGrp="1"/>'
    '</p:cNvSpPr><p:nvPr><p:ph type="body" idx="3" sz="quarter"/></p:nvPr></p:nvSpPr><p:spPr/>'
    "<p:txBody><a:bodyPr/><a:lstStyle/>{paragraphs}</p:txBody></p:sp>"
    "</p:spTree></p:cSld><p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:notes>"
)


class Writer:
    """Adds finished slides (and their notes pages) to a presentation, in order."""

    def __init__(self, prs: Presentation, layout: int) -> None:
        self.prs = prs
        self.layout = prs.slide_layouts[layout].part
        self.count = 0
        self._notes_master = prs.part.notes_master_part

    def add(self, shapes: Shapes, notes: list[str] | None = None) -> None:
        self.count += 1
        package = self.prs.part.package
        blob = _SLIDE.format(shapes=shapes.xml()).encode("utf-8")
        slide = Part(PackURI(f"/ppt/slides/slide{self.count}.xml"), CT.PML_SLIDE, package, blob)
        slide.relate_to(self.layout, RT.SLIDE_LAYOUT)
        r_id = self.prs.part.relate_to(slide, RT.SLIDE)
        self.prs.slides._sldIdLst.add_sldId(r_id)
        if notes:
            lines = "".join(
                f'<a:p><a:r><a:rPr lang="en-US" dirty="0"/><a:t>{text_xml(line)}</a:t></a:r></a:p>'
                for line in notes
            )
            page = Part(
                PackURI(f"/ppt/notesSlides/notesSlide{self.count}.xml"),
                CT.PML_NOTES_SLIDE,
                package,
                _NOTES.format(paragraphs=lines).encode("utf-8"),
            )
            page.relate_to(self._notes_master, RT.NOTES_MASTER)
            page.relate_to(slide, RT.SLIDE)
            slide.relate_to(page, RT.NOTES_SLIDE)
