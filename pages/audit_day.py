"""Audit day: the units I audit in open audits, today's first, with progress."""

import streamlit as st

from qms import audits, clock, db
from qms.models import Role
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.widgets import date_text, empty, label

me = session.require_user()
st.title(t("audit_day.title"))
show_all = Role.iso_rep in me["roles"] and st.toggle(t("audit_day.show_all"), key="audit_day_all")
with db.session_scope(session.engine()) as s:
    rows = audits.assignments(s, me["id"], include_all=show_all or Role.auditor not in me["roles"])

today = clock.today()
todays = [r for r in rows if r["date"] == today]
st.subheader(t("audit_day.today", date=date_text(today)))
if not todays:
    empty("audit_day.none_today")


def show(rows):
    st.dataframe([{t("field.audit"): r["audit"], t("field.status"): label("audit_status", r["status"]),
                   t("field.unit"): f"{r['unit_code']} – {r['unit']}", t("field.date"): date_text(r["date"]),
                   t("home.progress"): r["answered"] / r["total"] if r["total"] else 0.0} for r in rows],
                 hide_index=True, width="stretch",
                 column_config={t("home.progress"): st.column_config.ProgressColumn(format="percent", min_value=0,
                                                                                     max_value=1)})


if todays:
    show(todays)
st.subheader(t("audit_day.all"))
if rows:
    show(rows)
else:
    empty("audit_day.none")
