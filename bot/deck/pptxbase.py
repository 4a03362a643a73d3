"""The PPTX package the deck starts from: python-pptx's blank template in the deck's colours."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pptx as pptx_package
from pptx import Presentation
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


def new_presentation() -> PresentationType:
    """A blank presentation with the deck's theme colours."""
    return Presentation(_base())
