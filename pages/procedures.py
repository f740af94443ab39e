"""Procedures & processes: where processes lag behind the procedure lists, the register, processes and their
issues, and the import of a newly announced list."""

import streamlit as st

from qms.ui import session
from qms.ui.i18n import t
from qms.ui.procedures_view import flags_view, import_view, may_manage, procedures_view, processes_view
from qms.ui.widgets import labeler, show_flash

me = session.require_user()
show_flash()
st.title(t("procedures.title"))
manage = may_manage(me)
views = ["flags", "procedures", "processes"] + (["import"] if manage else [])
# One part drawn at a time (not tabs, which draw every part on every run): the screen stays fast on a tablet.
if st.session_state.get("proc_view") not in views:  # set, not defaulted: My work and the dashboard set it too
    st.session_state["proc_view"] = "flags"
view = st.segmented_control(t("procedures.view_label"), views, key="proc_view",
                            format_func=labeler("procedures.view"), label_visibility="collapsed") or "flags"
if view == "flags":
    flags_view(me)
elif view == "procedures":
    procedures_view(me)
elif view == "processes":
    processes_view(me, manage)
else:
    import_view(me)
