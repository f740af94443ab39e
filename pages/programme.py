"""Audit programme: the year's audits, their units and teams, coverage, tailoring; planning for the ISO rep."""

import streamlit as st

from qms import audits, clock, db, exports, filetypes, formats
from qms.models import Role
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.planning_panel import (audit_report_pdf, audit_units, coverage_grid, new_audit, new_programme, plan_pdf,
                                   planned_units, reopen_form)
from qms.ui.tailoring_panel import tailoring_panel
from qms.ui.widgets import download, empty, label, later, show_flash
from qms.ui.tables import widths

me = session.require_user()
show_flash()
st.title(t("programme.title"))
planner = bool({Role.admin, Role.iso_rep} & set(me["roles"]))
with db.session_scope(session.engine()) as s:
    years = audits.programme_years(s)
if not years:
    empty("programme.none")
    if planner:
        new_programme(me, years)
    st.stop()

this_year = clock.today().year
year = st.selectbox(t("field.year"), years, index=years.index(this_year) if this_year in years else 0,
                    key="programme_year", placeholder=t("common.choose"))
with db.session_scope(session.engine()) as s:
    plan = audits.programme(s, me["id"], year)

st.markdown(f"**{t('programme.objectives')}:**")
st.text(plan["objectives"] or "—")
names = [t("programme.audits"), t("planning.coverage")]
if planner:
    names += [t("tailoring.title"), t("planning.new_audit"), t("planning.new_programme")]
# Right after an audit is created the audits tab opens with it chosen, ready for its units.
opened = st.session_state.pop("programme_opened", None)
if opened:
    st.session_state["plan_audit"] = st.session_state["tailor_audit"] = opened
    st.session_state["programme_tab"] = names[0]
tabs = st.tabs(names, key="programme_tab", on_change="rerun")

with tabs[0]:
    if not plan["audits"]:
        empty("planning.no_audits")
    # The checklist of each audit is on its own panel below: a tablet has room for the period, not for it.
    st.dataframe([{t("field.code"): a["code"], t("field.status"): label("audit_status", a["status"]),
                   t("programme.period"): formats.period(a["planned_start"], a["planned_end"], lang()),
                   t("programme.units"): a["units"], t("field.title"): a["title"], t("field.lead"): a["lead"] or ""}
                  for a in plan["audits"]], hide_index=True, width="stretch",
                 column_config=widths({t("field.code"): 112, t("field.status"): 150, t("programme.period"): 176,
                                       t("programme.units"): 76}, [t("field.title"), t("field.lead")]))
    if plan["audits"]:
        download(t("planning.export"), later(exports.programme_file, me["id"], year, lang()),
                 f"chuong-trinh-danh-gia-{year}.xlsx", icon=":material/table_view:", key="programme_xlsx",
                 mime=filetypes.XLSX)
        by_id = {a["id"]: a for a in plan["audits"]}
        audit_id = st.selectbox(t("planning.audit_units"), list(by_id), key="plan_audit",
                                format_func=lambda i: f"{by_id[i]['code']} – {by_id[i]['title']}",
                                placeholder=t("common.choose"))
        plan_pdf(me, by_id[audit_id])
        audit_report_pdf(me, by_id[audit_id])
        if planner:
            audit_units(me, by_id[audit_id])
        else:
            planned_units(by_id[audit_id])
        if Role.admin in me["roles"] and by_id[audit_id]["status"] in ("completed", "report_issued"):
            reopen_form(me, by_id[audit_id])

with tabs[1]:
    coverage_grid(year)

if planner:
    with tabs[2]:
        if plan["audits"]:
            by_id = {a["id"]: a for a in plan["audits"]}
            audit_id = st.selectbox(t("field.audit"), list(by_id), key="tailor_audit",
                                    format_func=lambda i: f"{by_id[i]['code']} – {by_id[i]['title']}",
                                    placeholder=t("common.choose"))
            tailoring_panel(me, by_id[audit_id])
        else:
            empty("planning.no_audits")
    with tabs[3]:
        new_audit(me, year)
    with tabs[4]:
        new_programme(me, years)
