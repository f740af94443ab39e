"""Tables several screens share, and the one rule for their column widths."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from qms.ui.i18n import t
from qms.ui.widgets import date_text, label


# A table's width on a 768-pixel tablet, the sidebar folded (Chromium, measured): every table fits it, so no column
# is cut or scrolled out of sight there, nor at 1366 pixels.
TABLET_WIDTH = 720  # 734 measured, less the frame and a scroll bar's edge
PICK_WIDTH = 34  # the row-picking column of a table whose row opens an item


def widths(short: dict[str, int], text: Sequence[str] = (), clickable: bool = False) -> dict:
    """Column widths for st.dataframe: `short` columns (codes, states, dates, marks) get theirs in pixels, enough for
    their longest value in either language; `text` columns (names, statements) share what is left on a tablet
    (at least 100 pixels each) and end in "…" when longer: the whole text is a click away."""
    left = TABLET_WIDTH - sum(short.values()) - (PICK_WIDTH if clickable else 0)
    each = max(100, left // len(text)) if text else 0
    return {title: st.column_config.Column(width=width) for title, width in
            [*short.items(), *((title, each) for title in text)]}


def finding_table(rows: list[dict], key: str) -> None:
    """Findings as a table whose row opens the finding's page (a tap, as in the register); user text is shown as
    plain cells, never as HTML."""
    table = [{t("field.code"): code_cell(r), t("field.status"): label("status", r["status"]),
              t("field.grade"): label("grade_short", r["grade"]), t("field.due"): due_cell(r),
              t("field.clause"): r["clause"], t("field.unit"): r["unit"]} for r in rows]
    picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key=key, column_config=finding_widths(t("field.clause")))
    if picked.selection.rows:
        st.switch_page("pages/findings.py", query_params={"finding": str(rows[picked.selection.rows[0]]["id"])})


def code_cell(row: dict) -> str:
    """A finding's code, or that it is a draft; ↻ when the same clause was found at the unit before."""
    code = row["code"] or t("finding.draft_code")
    return f"{code} ↻" if row.get("recurring") else code


def due_cell(row: dict) -> str:
    """The due date, ⚠ when overdue (the mark beside the date it concerns, not in a column of its own)."""
    due = date_text(row["due"])
    return f"{due} ⚠" if row["overdue"] else due


def finding_widths(last: str) -> dict:
    """A list of findings: code, status, grade, due date, then the unit and `last` (the clause, or the clause and
    statement)."""
    short = {t("field.code"): 108, t("field.status"): 168, t("field.grade"): 96, t("field.due"): 108}
    if last == t("field.clause"):
        return widths(short | {last: 84}, [t("field.unit")], clickable=True)
    return widths(short, [t("field.unit"), last], clickable=True)
