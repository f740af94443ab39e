"""The Agency overview screen's parts: filters, the year's counts, one row an agency, the downloads, and the ISO
secretary's record of what an agency reported (decisions, management review)."""

from __future__ import annotations

import streamlit as st

from qms import audits, clock, db, exports, filetypes, overview, permissions, report_data
from qms.models import UnitType
from qms.reports import agency_status
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.pickers import unit_picker
from qms.ui.tables import widths
from qms.ui.widgets import attempt, date_text, download, empty, flash, form_key, labeler, later, reset_form

SHOWN = 300  # rows on screen; the workbook and the report hold every agency


def _report(s, actor_id: int, year: int, language: str, filters: dict) -> bytes:
    return agency_status.build(overview.status_report(s, actor_id, year, clock.today(), **filters), language,
                               report_data.letterhead(s, language))


def screen(me: dict) -> None:
    today = clock.today()
    with db.session_scope(session.engine()) as s:
        years = sorted(set(audits.programme_years(s)) | {today.year}, reverse=True)
        manage = permissions.allowed(s, me["id"], "overview:manage")
    cols = st.columns([1, 2, 2, 2])
    year = cols[0].selectbox(t("field.year"), years, key="ov_year")
    unit_type = cols[1].selectbox(t("field.type"), [None, *[u.value for u in UnitType]], key="ov_type",
                                  format_func=labeler("unit_type"), placeholder=t("common.choose"))
    sort = cols[2].selectbox(t("overview.sort"), list(overview.SORTS), key="ov_sort",
                             format_func=labeler("overview.sort_by"))
    term = cols[3].text_input(t("common.search"), key="ov_search", placeholder=t("overview.search_hint"))
    filters = {"unit_type": unit_type, "term": term, "sort": sort}
    with db.session_scope(session.engine()) as s:
        ok, rows = attempt(overview.overview, s, me["id"], year, today, **filters)
    if not ok:
        return
    counts = overview.counts(rows)
    for line in (overview.COUNTS[:3], overview.COUNTS[3:]):
        columns = st.columns(3)
        for column, key in zip(columns, line):
            column.metric(t(f"overview.count.{key}"), counts[key])
    if not rows:
        empty("overview.none")
    else:
        if len(rows) > SHOWN:
            st.caption(t("overview.first_n", n=SHOWN, total=len(rows)))
        st.dataframe([{t("overview.agency"): f"{r['code']} – {r['name']}",
                       t("overview.qms_status"): t(f"overview.state.{overview.qms_state(r)}",
                                                   day=date_text(r["announced_on"])),
                       t("overview.audit_col"): t(f"overview.audit.{r['audit']}"),
                       t("overview.review_col"): date_text(r["review"]) if r["review"] else "—",
                       t("overview.nc_col"): f"{r['major']} / {r['minor']}", t("overview.overdue_col"): r["overdue"],
                       t("overview.share_short"): None if r["share"] is None else r["share"]}
                      for r in rows[:SHOWN]], hide_index=True, width="stretch", key="ov_table",
                     column_config=widths({t("overview.qms_status"): 190, t("overview.audit_col"): 110,
                                           t("overview.review_col"): 96, t("overview.nc_col"): 64,
                                           t("overview.overdue_col"): 64, t("overview.share_short"): 80},
                                          [t("overview.agency")])
                     | {t("overview.share_short"): st.column_config.ProgressColumn(
                         t("overview.share_short"), min_value=0, max_value=100, format="%d%%", width=80)})
        st.caption(t("overview.help"))
    left, right = st.columns(2)
    download(t("overview.excel"), later(exports.overview_file, me["id"], year, lang(), **filters),
             f"tinh-hinh-ap-dung-{year}.xlsx", where=left, mime=filetypes.XLSX, icon=":material/table_view:", key="ov_xlsx",
             width="stretch")
    download(t("overview.pdf"), later(_report, me["id"], year, lang(), filters), f"bao-cao-iso-{year}.pdf",
             where=right, mime="application/pdf", icon=":material/picture_as_pdf:", key="ov_pdf", width="stretch")
    if manage:
        with st.expander(t("overview.record"), icon=":material/edit_note:"):
            _record(me, {r["unit_id"]: r for r in rows})


def _record(me: dict, rows: dict[int, dict]) -> None:
    st.caption(t("overview.record_help"))
    unit_id = unit_picker(t("overview.agency"), "ov_agency")
    if unit_id is None:
        return
    row = rows.get(unit_id) or {"must_apply": True, "built_decision": "", "built_on": None, "announced_decision": "",
                                "announced_on": None, "version": 0}
    with st.form(form_key(f"ov_status_{unit_id}")):
        must = st.toggle(t("overview.must_apply"), value=row["must_apply"])
        cols = st.columns(2)
        built_decision = cols[0].text_input(t("overview.built_decision"), row["built_decision"])
        built_on = cols[1].date_input(t("overview.built_on"), row["built_on"], format="DD/MM/YYYY")
        announced_decision = cols[0].text_input(t("overview.announced_decision"), row["announced_decision"])
        announced_on = cols[1].date_input(t("overview.announced_on"), row["announced_on"], format="DD/MM/YYYY")
        if st.form_submit_button(t("common.save"), type="primary"):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(overview.record_status, s, me["id"], unit_id, expected_version=row["version"],
                                must_apply=must, built_decision=built_decision, built_on=built_on,
                                announced_decision=announced_decision, announced_on=announced_on)
            if ok:
                reset_form(f"ov_status_{unit_id}")
                flash(t("common.saved"))
                st.rerun()
    with st.form(form_key(f"ov_review_{unit_id}")):
        cols = st.columns([1, 2])
        held_on = cols[0].date_input(t("overview.review_on"), None, format="DD/MM/YYYY")
        note = cols[1].text_input(t("overview.review_note"))
        if st.form_submit_button(t("overview.add_review")):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(overview.record_review, s, me["id"], unit_id, held_on=held_on, note=note)
            if ok:
                reset_form(f"ov_review_{unit_id}")
                flash(t("overview.review_saved"))
                st.rerun()
