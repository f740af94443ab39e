"""Audit programme: the year's audits with their lead auditors, checklists and units."""

import streamlit as st

from qms import audits, clock, db
from qms.models import Role
from qms.ui import session
from qms.ui.tailoring_panel import tailoring_panel
from qms.ui.i18n import t
from qms.ui.widgets import date_text, empty, label, show_flash

me = session.require_user()
show_flash()
st.title(t("programme.title"))
with db.session_scope(session.engine()) as s:
    years = audits.programme_years(s)
    if not years:
        empty("programme.none")
        st.stop()
    default = years.index(clock.today().year) if clock.today().year in years else 0
    year = st.selectbox(t("field.year"), years, index=default, key="programme_year")
    plan = audits.programme(s, me["id"], year)

st.markdown(f"**{t('programme.objectives')}:**")
st.text(plan["objectives"] or "—")
st.dataframe([{t("field.code"): a["code"], t("field.title"): a["title"], t("field.status"): label("audit_status", a["status"]),
               t("programme.start"): date_text(a["planned_start"]), t("programme.end"): date_text(a["planned_end"]),
               t("field.lead"): a["lead"] or "", t("field.checklist"): a["checklist"], t("programme.units"): a["units"]}
              for a in plan["audits"]], hide_index=True, width="stretch")

if plan["audits"] and {Role.admin, Role.iso_rep} & set(me["roles"]):
    st.subheader(t("tailoring.title"))
    by_id = {a["id"]: a for a in plan["audits"]}
    audit_id = st.selectbox(t("field.audit"), list(by_id), key="tailor_audit",
                            format_func=lambda i: f"{by_id[i]['code']} – {by_id[i]['title']}")
    tailoring_panel(me, by_id[audit_id])
