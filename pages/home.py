"""My work: who I am, my roles and units, and what waits for me."""

import streamlit as st

from qms import clock, db, inbox
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.markdown import md_escape
from qms.ui.procedures_view import flag_table
from qms.ui.tables import finding_table, widths
from qms.ui.widgets import date_text, empty, show_flash

me = session.require_user()
show_flash()
st.title(t("home.title"))
st.subheader(md_escape(me["full_name"]))
left, right = st.columns(2)
left.markdown(f"**{t('field.roles')}:** " + ", ".join(t(f"role.{r}") for r in me["roles"]))
units = ", ".join(f"{u['code']} – {u['name']}" for u in me["units"])
right.markdown(f"**{t('field.units')}:** " + (md_escape(units) if units else t("home.no_units")))

with db.session_scope(session.engine()) as s:
    work = inbox.waiting_for(s, me["id"], clock.today())

waiting = {kind: found for kind, found in work.items() if kind not in inbox.FOLLOWED}
followed = {kind: found for kind, found in work.items() if kind in inbox.FOLLOWED}


def lists(found_by_kind: dict) -> None:
    for kind, found in found_by_kind.items():
        rows = found["rows"]
        st.subheader(f"{t(f'home.{kind}')} ({found['total']})")
        if len(rows) < found["total"]:
            st.caption(t("home.first_n", n=len(rows)))
        if not rows:
            empty("home.none")
        elif kind == "answers":
            st.dataframe([{t("field.audit"): r["audit"], t("field.date"): date_text(r["date"]),
                           t("home.progress"): f"{r['answered']}/{r['total']}", t("field.unit"): r["unit"]}
                          for r in rows], hide_index=True, width="stretch",
                         column_config=widths({t("field.audit"): 120, t("field.date"): 104, t("home.progress"): 96},
                                              [t("field.unit")]))
        elif kind == "process_lag":
            flag_table(rows, key="home_process_lag")
            if st.button(t("dashboard.open_procedures"), icon=":material/open_in_new:", key="home_to_procedures"):
                st.session_state.update(proc_view="flags")
                st.switch_page("pages/procedures.py")
        else:
            finding_table(rows, key=f"home_{kind}")
            st.caption(t("findings.marks"))


st.header(t("home.waiting"))
if not any(w["total"] for w in waiting.values()):
    empty("home.nothing_waiting")
lists(waiting)
if followed:
    st.header(t("home.following"))
    lists(followed)
