"""Tables several screens share."""

from __future__ import annotations

import streamlit as st

from qms.ui.i18n import t
from qms.ui.widgets import date_text, label


def finding_table(rows: list[dict], key: str) -> None:
    """Findings as a table whose row opens the finding's page (a tap, as in the register); user text is shown as
    plain cells, never as HTML."""
    table = [{t("field.code"): r["code"] or t("finding.draft_code"), t("field.unit"): r["unit"],
              t("field.clause"): r["clause"], t("field.grade"): label("grade", r["grade"]),
              t("field.status"): label("status", r["status"]), t("field.due"): date_text(r["due"]),
              t("field.overdue"): "⚠" if r["overdue"] else ""} for r in rows]
    picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key=key)
    if picked.selection.rows:
        st.switch_page("pages/findings.py", query_params={"finding": str(rows[picked.selection.rows[0]]["id"])})
