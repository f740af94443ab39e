"""Findings & actions: the register within my scope, and a finding's page with its corrective-action chain."""

import streamlit as st

from qms.text import record_id
from qms.ui import session
from qms.ui.finding_view import finding_page
from qms.ui.i18n import t
from qms.ui.register_view import register
from qms.ui.widgets import show_flash

me = session.require_user()
show_flash()
st.title(t("findings.title"))
chosen = record_id(st.query_params.get("finding"))
if chosen is not None:
    finding_page(me, chosen)
else:
    register(me)
