"""Administration – organisation settings: names for documents, deadline defaults, upload limit; backup."""

import streamlit as st

from qms import backup, db
from qms import settings as org_settings
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.markdown import md_escape
from qms.ui.widgets import attempt, flash, show_flash

me = session.require_user()
show_flash()
st.title(t("settings.title"))
with db.session_scope(session.engine()) as s:
    values = org_settings.all_settings(s)

def bounded_number(key: str) -> int:
    low, high = org_settings.INT_LIMITS[key]
    return st.number_input(t(f"settings.{key}"), min_value=low, max_value=high, value=min(max(int(values[key]), low), high),
                           step=1)


with st.form("settings"):
    st.subheader(t("settings.documents"))
    new = {"org_name_vi": st.text_input(t("settings.org_name_vi"), values["org_name_vi"]),
           "org_name_en": st.text_input(t("settings.org_name_en"), values["org_name_en"]),
           "org_place": st.text_input(t("settings.org_place"), values["org_place"]),
           "org_parent_vi": st.text_input(t("settings.org_parent_vi"), values["org_parent_vi"]),
           "org_parent_en": st.text_input(t("settings.org_parent_en"), values["org_parent_en"]),
           "report_symbol": st.text_input(t("settings.report_symbol"), values["report_symbol"]),
           "doc_national_header": st.toggle(t("settings.doc_national_header"), bool(values["doc_national_header"])),
           "doc_serif": st.toggle(t("settings.doc_serif"), bool(values["doc_serif"]), help=t("settings.doc_serif_help"))}
    st.subheader(t("settings.deadlines"))
    for key in ("plan_due_days", "action_due_days", "recurrence_months", "process_allowance_days"):
        new[key] = bounded_number(key)
    st.subheader(t("settings.uploads"))
    new["upload_limit_mb"] = bounded_number("upload_limit_mb")
    if st.form_submit_button(t("common.save"), type="primary"):
        with db.session_scope(session.engine()) as s:
            ok, _ = attempt(org_settings.update, s, me["id"], new)
        if ok:
            flash(t("common.saved"))
            st.rerun()

st.subheader(t("backup.title"))
st.caption(t("backup.intro"))
if st.button(t("backup.build"), icon=":material/backup:"):
    with db.session_scope(session.engine()) as s:
        ok, built = attempt(backup.download, s, me["id"])
    if ok:
        st.caption(t("backup.ready", rows=f"{int(built['rows']):,}", size=f"{len(built['data']) / 1e6:.1f}"))
        # "ignore": the click must not rerun the page, which would drop the button and its bytes.
        st.download_button(t("backup.download", name=md_escape(built["name"])), built["data"], file_name=built["name"],
                           mime="application/zip", on_click="ignore", type="primary", icon=":material/download:")
