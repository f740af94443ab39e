"""Altair chart builders: plain data in, chart out (no database, no Streamlit)."""

from __future__ import annotations

import altair as alt
import pandas as pd


def stacked_bars(rows: list[dict], x: str, color: str, value: str, x_title: str, color_title: str,
                 value_title: str, x_order: list[str] | None = None) -> alt.Chart:
    data = pd.DataFrame(rows, columns=[x, color, value])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{x}:N", title=x_title, sort=x_order),
        y=alt.Y(f"{value}:Q", title=value_title),
        color=alt.Color(f"{color}:N", title=color_title),
        tooltip=[x, color, value],
    )
