"""The findings register: filters, sorting, SQL paging, Excel export; a click opens a finding."""

from __future__ import annotations

import streamlit as st

from qms import audits, clock, db, exports, filetypes, findings, standards
from qms.models import FindingStatus, Grade
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.pickers import unit_picker
from qms.ui.tables import code_cell, due_cell, finding_widths
from qms.ui.widgets import date_text, download, label, labeler

PAGE_SIZE = 50


def _filters(me: dict) -> tuple[findings.RegisterFilter, str]:
    with db.session_scope(session.engine()) as s:
        years = audits.programme_years(s)
        audit_rows = [a for y in years for a in (audits.programme(s, me["id"], y) or {"audits": []})["audits"]]
    everything = t("common.all")
    audit_names = {a["id"]: f"{a['code']} – {a['title']}" for a in audit_rows}
    clauses = [c for c in standards.clauses()]
    search = st.text_input(t("common.search"), placeholder=t("findings.search_hint"), key="reg_search")
    cols = st.columns(4)
    flt = findings.RegisterFilter(
        search=search,
        year=cols[0].selectbox(t("field.year"), [None, *years], key="reg_year",
                               format_func=lambda y: everything if y is None else str(y),
                               placeholder=t("common.choose")),
        audit_id=cols[1].selectbox(t("field.audit"), [None, *audit_names], key="reg_audit",
                                   format_func=lambda i: everything if i is None else audit_names[i],
                                   placeholder=t("common.choose")),
        unit_id=unit_picker(t("findings.unit_tree"), "reg_unit", none_label=everything, where=cols[2]),
        clause=cols[3].selectbox(t("findings.clause_filter"), [None, *clauses], key="reg_clause",
                                 format_func=lambda c: everything if c is None else c, placeholder=t("common.choose")),
    )
    cols = st.columns(4)
    flt.grade = cols[0].selectbox(t("field.grade"), [None, *[g.value for g in Grade]], format_func=labeler("grade"),
                                  key="reg_grade", placeholder=t("common.choose"))
    flt.status = cols[1].selectbox(t("field.status"), [None, *[x.value for x in FindingStatus]],
                                   format_func=labeler("status"), key="reg_status", placeholder=t("common.choose"))
    flt.owner = cols[2].text_input(t("findings.owner"), key="reg_owner")
    sort = cols[3].selectbox(t("findings.sort"), list(findings.SORTS), format_func=labeler("findings.sort_by"),
                             key="reg_sort", placeholder=t("common.choose"))
    left, middle, right = st.columns(3)  # three across: a quarter of a tablet cuts "…lặp lại"
    flt.open_only = left.toggle(t("findings.open_only"), key="reg_open")
    flt.overdue_only = middle.toggle(t("findings.overdue_only"), key="reg_overdue")
    flt.recurring_only = right.toggle(t("findings.recurring_only"), key="reg_recurring")
    issued = st.session_state.get("reg_issued")  # the dashboard's period, brought here by its button
    if issued:
        flt.issued = issued
        note, clear = st.columns([3, 1])
        note.caption(t("findings.issued_between", start=date_text(issued[0]), end=date_text(issued[1])))
        if clear.button(t("findings.issued_clear"), key="reg_issued_clear", icon=":material/close:"):
            st.session_state.pop("reg_issued", None)
            st.rerun()
    return flt, sort


def register(me: dict) -> None:
    flt, sort = _filters(me)
    key = repr((flt, sort))
    if st.session_state.get("_reg_key") != key:  # new filters start again at page 1
        st.session_state["_reg_key"], st.session_state["reg_page"] = key, 0
    page = st.session_state.get("reg_page", 0)
    with db.session_scope(session.engine()) as s:
        rows, total = findings.register(s, me["id"], flt, clock.today(), page, PAGE_SIZE, sort)
    pages = max(1, -(-total // PAGE_SIZE))
    st.caption(t("findings.count", total=total, page=page + 1, pages=pages))
    # The clause leads the statement: a tablet has room for one more short column, not two.
    table = [{t("field.code"): code_cell(r), t("field.status"): label("status", r["status"]),
              t("field.grade"): label("grade_short", r["grade"]), t("field.due"): due_cell(r),
              t("field.unit"): r["unit"], t("field.statement"): f"{r['clause']} — {r['statement']}"} for r in rows]
    picked = st.dataframe(table, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key=f"reg_table_{page}", column_config=finding_widths(t("field.statement")))
    if picked.selection.rows:
        st.query_params["finding"] = str(rows[picked.selection.rows[0]]["id"])
        st.rerun()
    st.caption(t("findings.marks"))
    prev_col, next_col, export_col = st.columns([1, 1, 2])
    if prev_col.button(t("common.previous"), disabled=page == 0, key="reg_prev", width="stretch"):
        st.session_state["reg_page"] = page - 1
        st.rerun()
    if next_col.button(t("common.next"), disabled=page + 1 >= pages, key="reg_next", width="stretch"):
        st.session_state["reg_page"] = page + 1
        st.rerun()
    if export_col.button(t("findings.export"), icon=":material/table_view:", key="reg_export", width="stretch"):
        with db.session_scope(session.engine()) as s:
            every = findings.export_rows(s, me["id"], flt, clock.today(), sort)
        download(t("findings.download", n=len(every)), exports.findings_workbook(every, lang()),
                 f"phat-hien-{clock.today():%Y%m%d}.xlsx", key="reg_download", type="primary",
                 mime=filetypes.XLSX, where=export_col)
