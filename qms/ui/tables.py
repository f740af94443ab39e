"""Tables several screens share."""

from __future__ import annotations

import streamlit as st

from qms.ui.i18n import t
from qms.ui.widgets import date_text, label


def finding_table(rows: list[dict]) -> None:
    """Findings as a read-only table; user text is shown as plain cells, never as HTML."""
    st.dataframe([{t("field.code"): r["code"] or t("finding.draft_code"), t("field.unit"): r["unit"],
                   t("field.clause"): r["clause"], t("field.grade"): label("grade", r["grade"]),
                   t("field.status"): label("status", r["status"]), t("field.due"): date_text(r["due"]),
                   t("field.overdue"): "⚠" if r["overdue"] else ""} for r in rows],
                 hide_index=True, width="stretch")
