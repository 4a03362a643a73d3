"""The PPTX package the deck starts from: python-pptx's blank template in the deck's colours.

Also names new parts by counting: python-pptx finds a free part name by walking every part.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pptx as pptx_package
from pptx import Presentation
from pptx.opc.packuri import PackURI
from pptx.presentation import Presentation as PresentationType

# The theme's colours, so PowerPoint's own table style and colour pickers use the deck's palette.
THEME_COLORS = {"dk2": "1D2733", "accent1": "4B3A8F", "hlink": "4B3A8F"}


def _base() -> io.BytesIO:
    """python-pptx's blank template with the deck's colours in its theme (edited in the zip)."""
    template = Path(pptx_package.__file__).parent / "templates" / "default.pptx"
    out = io.BytesIO()
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "ppt/theme/theme1.xml":
                text = data.decode("utf-8")
                for slot, color in THEME_COLORS.items():
                    text = re.sub(
                        rf"<a:{slot}>.*?</a:{slot}>",
                        f'<a:{slot}><a:srgbClr val="{color}"/></a:{slot}>',
                        text,
                        count=1,
                    )
                data = text.encode("utf-8")
            dst.writestr(item, data)
    out.seek(0)
    return out


def _number_parts_in_order(prs: PresentationType) -> None:
    """Name new parts (notes slides) by counting instead of walking the whole package each time.

    python-pptx finds the next free part name by visiting every part, so a deck of n objective
    slides with notes costs O(n^2); this builder is the package's only writer, so after the first
    look-up per name template a counter gives the same names.
    """
    package = prs.part.package
    lookup = package.next_partname
    last: dict[str, int] = {}

    def next_partname(tmpl: str) -> PackURI:
        if tmpl not in last:
            name = lookup(tmpl)
            last[tmpl] = int(name[len(tmpl.split("%d")[0]) :].split(".")[0])
            return name
        last[tmpl] += 1
        return PackURI(tmpl % last[tmpl])

    package.next_partname = next_partname  # type: ignore[method-assign]


def new_presentation() -> PresentationType:
    """A blank presentation with the deck's theme colours and counter-named parts."""
    prs = Presentation(_base())
    _number_parts_in_order(prs)
    return prs
