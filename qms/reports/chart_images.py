"""Altair charts rendered to PNG for the PDFs, with the same Vietnamese-capable font as the text."""

from __future__ import annotations

from functools import lru_cache

import altair as alt
import vl_convert as vlc

from qms.reports.pdf import FONT_DIR

FONT = "Source Sans Pro"


@lru_cache(maxsize=1)
def _fonts() -> None:
    vlc.register_font_directory(str(FONT_DIR))


def png(chart: alt.TopLevelMixin, width: int = 640) -> bytes:
    """The chart as a PNG at twice the resolution (crisp when printed)."""
    _fonts()
    spec = chart.properties(width=width).configure(font=FONT).to_dict()
    return vlc.vegalite_to_png(spec, scale=2)
