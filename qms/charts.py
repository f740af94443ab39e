"""Altair chart builders: plain rows in, chart out (no database, no Streamlit).

Charts with a `pick` field carry a point selection named "pick", so a click can narrow the dashboard.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

HEIGHT = 260
# Fewer bars or months than this say nothing a sentence or a table row does not (a printed page once held a
# half-page chart of one bar): documents show them as a table instead.
MIN_POINTS = 3
ROOM_HEIGHT = 430  # a chart on the meeting-room screen, under the title and the figures of a 1080-pixel screen


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)


def stacked_bars(rows: list[dict], x: str, color: str, value: str, x_title: str, color_title: str,
                 value_title: str, x_order: list[str] | None = None) -> alt.Chart:
    data = _frame(rows, [x, color, value])
    return alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{x}:N", title=x_title, sort=x_order),
        y=alt.Y(f"{value}:Q", title=value_title),
        color=alt.Color(f"{color}:N", title=color_title),
        tooltip=[x, color, value],
    ).properties(height=HEIGHT)


def ranked_bars(rows: list[dict], label: str, value: str, label_title: str, value_title: str,
                pick: str | None = None) -> alt.Chart:
    """Horizontal bars, largest first; with `pick`, clicking a bar selects its `pick` value."""
    data = _frame(rows, [label, value] + ([pick] if pick and pick not in (label, value) else []))
    chart = alt.Chart(data).mark_bar().encode(
        # The labels name themselves (units, people) and the chart's heading says what they are: a rotated title beside
        # a chart of one or two bars was cut ("Người phụ trác") and crossed long labels.
        y=alt.Y(f"{label}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240, labelOverlap=False)),
        x=alt.X(f"{value}:Q", title=value_title, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[label, value],
    ).properties(height=max(HEIGHT // 2, 24 * len(rows)))
    if pick:
        selection = alt.selection_point(fields=[pick], name="pick")
        chart = chart.add_params(selection).encode(
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.45)))
    return chart


def ranked_stacks(rows: list[dict], label: str, color: str, value: str, value_title: str, color_title: str,
                  color_order: list[str]) -> alt.Chart:
    """Horizontal bars split by `color` (in `color_order`), the largest total first (lag flags by unit and kind)."""
    data = _frame(rows, [label, color, value])
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y(f"{label}:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240, labelOverlap=False)),
        x=alt.X(f"sum({value}):Q", title=value_title, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color(f"{color}:N", title=color_title, sort=color_order,
                        legend=alt.Legend(orient="bottom", direction="vertical", labelLimit=400)),
        order=alt.Order("color_rank:Q"),
        tooltip=[label, color, value],
    ).transform_calculate(color_rank=f"indexof({color_order!r}, datum['{color}'])").properties(
        # Streamlit fits the legend and the axis inside this height: the bars get what is left.
        height=max(HEIGHT // 2, 36 * len({r[label] for r in rows})) + 110)


def columns(rows: list[dict], label: str, value: str, label_title: str, value_title: str,
            order: list[str] | None = None, pick: str | None = None) -> alt.Chart:
    """Vertical bars in a fixed order (grades, age buckets)."""
    data = _frame(rows, [label, value] + ([pick] if pick and pick not in (label, value) else []))
    chart = alt.Chart(data).mark_bar().encode(
        x=alt.X(f"{label}:N", title=label_title, sort=order, axis=alt.Axis(labelAngle=-25, labelLimit=180, labelOverlap=False)),
        y=alt.Y(f"{value}:Q", title=value_title, axis=alt.Axis(tickMinStep=1, format="d")),
        tooltip=[label, value],
    ).properties(height=HEIGHT)
    if pick:
        selection = alt.selection_point(fields=[pick], name="pick")
        chart = chart.add_params(selection).encode(
            opacity=alt.condition(selection, alt.value(1.0), alt.value(0.45)))
    return chart


def pareto(rows: list[dict], clause_title: str, count_title: str, share_title: str) -> alt.Chart:
    """Clauses by open nonconformities, largest first, with the cumulative share as a line."""
    data = _frame(rows, ["clause", "count", "cumulative"])
    order = list(data["clause"])
    base = alt.Chart(data).encode(x=alt.X("clause:N", title=clause_title, sort=order))
    bars = base.mark_bar().encode(y=alt.Y("count:Q", title=count_title), tooltip=["clause", "count", "cumulative"])
    line = base.mark_line(point=True, color="#b22222").encode(
        y=alt.Y("cumulative:Q", title=share_title, scale=alt.Scale(domain=[0, 100])))
    return alt.layer(bars, line).resolve_scale(y="independent").properties(height=HEIGHT)


def monthly_lines(rows: list[dict], month_title: str, count_title: str, labels: dict[str, str]) -> alt.Chart:
    """Opened and closed per month, one line each (labels: series name → legend text). Every month between the
    first and the last is drawn, a month without findings at zero: a line jumping from October to January would
    read as two months of the same figures."""
    data = _frame(rows, ["month", "opened", "closed"])
    if len(data):
        months = pd.period_range(min(data["month"]), max(data["month"]), freq="M").strftime("%Y-%m")
        data = data.set_index("month").reindex(months, fill_value=0).rename_axis("month").reset_index()
    data = data.melt("month", var_name="series", value_name="count")
    data["series"] = data["series"].map(labels)
    return alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("month:T", title=month_title, timeUnit="yearmonth",
                axis=alt.Axis(format="%m/%Y", tickCount={"interval": "month", "step": 1}, labelAngle=-45)),
        y=alt.Y("count:Q", title=count_title, axis=alt.Axis(tickMinStep=1, format="d")),
        color=alt.Color("series:N", title=None, legend=alt.Legend(orient="bottom"),
                        sort=[labels["opened"], labels["closed"]]),  # opened first in every language
        tooltip=[alt.Tooltip("month:T", timeUnit="yearmonth", format="%m/%Y", title=month_title), "series", "count"],
    ).properties(height=HEIGHT)


def conformity(rows: list[dict], unit_title: str, rate_title: str) -> alt.Chart:
    """Conformity rate per unit, one bar per audit side by side (rates do not add up), on a 0–100 scale."""
    data = _frame(rows, ["audit", "unit", "rate", "answers"])
    bands = max(1, len(data))
    return alt.Chart(data).mark_bar().encode(
        y=alt.Y("unit:N", title=None, sort="-x", axis=alt.Axis(labelLimit=240, labelOverlap=False)),
        yOffset=alt.YOffset("audit:N"),
        x=alt.X("rate:Q", title=rate_title, stack=None, scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("audit:N", title=None, legend=alt.Legend(orient="bottom")),
        tooltip=["audit", "unit", "rate", "answers"],
    ).properties(height=max(HEIGHT // 2, 20 * bands))


def for_room(chart: alt.TopLevelMixin, bars: int = 0) -> alt.TopLevelMixin:
    """The same chart for a meeting-room screen: taller (34 px a bar when it has `bars` horizontal bars), its labels
    and legend readable from the back of the room."""
    return chart.properties(height=max(ROOM_HEIGHT, 34 * bars)).configure_axis(
        labelFontSize=18, titleFontSize=20, labelLimit=360).configure_legend(
        labelFontSize=20, symbolSize=220, labelLimit=400)
