"""Findings & actions: the register of findings within my scope, filtered and paged."""

import streamlit as st

from qms import audits, clock, db, findings
from qms.models import FindingStatus, Grade
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.widgets import date_text, label, labeler

PAGE_SIZE = 50
me = session.require_user()
st.title(t("findings.title"))
with db.session_scope(session.engine()) as s:
    years = audits.programme_years(s)

cols = st.columns(4)
flt = findings.RegisterFilter(
    year=cols[0].selectbox(t("field.year"), [None, *years], format_func=lambda y, everything=t("common.all"): everything if y is None else str(y),
                           key="reg_year"),
    grade=cols[1].selectbox(t("field.grade"), [None, *[g.value for g in Grade]],
                            format_func=labeler("grade"), key="reg_grade"),
    status=cols[2].selectbox(t("field.status"), [None, *[x.value for x in FindingStatus]],
                             format_func=labeler("status"), key="reg_status"),
    overdue_only=cols[3].toggle(t("findings.overdue_only"), key="reg_overdue"))

page = st.session_state.get("reg_page", 0)
with db.session_scope(session.engine()) as s:
    rows, total = findings.register(s, me["id"], flt, clock.today(), page, PAGE_SIZE)
pages = max(1, -(-total // PAGE_SIZE))
if page >= pages:
    st.session_state["reg_page"] = page = 0
    with db.session_scope(session.engine()) as s:
        rows, total = findings.register(s, me["id"], flt, clock.today(), 0, PAGE_SIZE)

st.caption(t("findings.count", total=total, page=page + 1, pages=pages))
st.dataframe([{t("field.code"): r["code"] or t("finding.draft_code"), t("field.audit"): r["audit"],
               t("field.unit"): r["unit"], t("field.clause"): r["clause"], t("field.grade"): label("grade", r["grade"]),
               t("field.status"): label("status", r["status"]), t("field.statement"): r["statement"],
               t("field.due"): date_text(r["due"]), t("field.overdue"): "⚠" if r["overdue"] else ""} for r in rows],
             hide_index=True, width="stretch")
prev_col, next_col, _ = st.columns([1, 1, 6])
if prev_col.button(t("common.previous"), disabled=page == 0, key="reg_prev"):
    st.session_state["reg_page"] = page - 1
    st.rerun()
if next_col.button(t("common.next"), disabled=page + 1 >= pages, key="reg_next"):
    st.session_state["reg_page"] = page + 1
    st.rerun()
