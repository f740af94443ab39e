"""Audit day: my units today first, then walk a unit's checklist; every answer is saved as it is entered."""

import streamlit as st

from qms import clock, db, responses
from qms.models import Role
from qms.text import record_id
from qms.ui import session
from qms.ui.audit_panels import findings_panel, meetings_panel, progress_panel, report_panel
from qms.ui.audit_walk import walk
from qms.ui.offline_panel import offline_panel
from qms.ui.i18n import t
from qms.ui.widgets import date_text, empty, show_flash

me = session.require_user()
show_flash()
st.title(t("audit_day.title"))
with db.session_scope(session.engine()) as s:
    mine = responses.my_units(s, me["id"])
follows = bool({Role.iso_rep, Role.admin} & set(me["roles"])) or any(u["lead"] for u in mine)
if not mine:
    if follows:
        progress_panel()
    else:
        empty("audit_day.none")
    st.stop()

today = clock.today()
mine.sort(key=lambda u: (u["date"] != today, u["date"] or today, u["audit"], u["unit_code"]))
by_id = {u["audit_unit_id"]: u for u in mine}
wanted = record_id(st.query_params.get("unit"))
au = wanted if wanted in by_id else next(iter(by_id))
today_word = t("audit_day.today_word")
unit_names = {i: f"{u['audit']} · {u['unit']} · {today_word if u['date'] == today else date_text(u['date'])}"
              for i, u in by_id.items()}  # formatted in this run's language


@session.guarded
def _unit_picked() -> None:
    if st.session_state["audit_unit"] in by_id:  # not a label left over from before a language switch
        st.query_params.clear()
        st.query_params["unit"] = str(st.session_state["audit_unit"])


if st.session_state.get("audit_unit") != au:
    st.session_state["audit_unit"] = au
st.selectbox(t("audit_day.pick_unit"), list(by_id), key="audit_unit", on_change=_unit_picked,
             format_func=lambda i: unit_names.get(i, str(i)), placeholder=t("common.choose"))
st.query_params["unit"] = str(au)
unit = by_id[au]
status = unit["status"]
editable = status in responses.OPEN
if not editable:
    st.info(t("audit_day.locked"), icon=":material/lock:")

names = [t("audit_day.walk"), t("audit_day.findings"), t("audit_day.meetings"), t("audit_day.offline")]
names += [t("audit_day.report")] if unit["lead"] else []
names += [t("audit_day.live")] if follows else []
walk_tab, found_tab, meeting_tab, offline_tab, *more = st.tabs(names)
with walk_tab:
    walk(au, editable)
with found_tab:
    findings_panel(au, editable)
with meeting_tab:
    meetings_panel(au, editable)
with offline_tab:
    offline_panel(unit, editable, sum(1 for u in mine if u["audit_id"] == unit["audit_id"]))
if unit["lead"]:
    with more.pop(0):
        report_panel(unit["audit_id"], status)
if follows:
    with more.pop(0):
        progress_panel()
