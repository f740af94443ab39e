"""Findings & actions: the register within my scope, and a finding's page with its corrective-action chain."""

import streamlit as st

from qms.ui import session
from qms.ui.finding_view import finding_page
from qms.ui.i18n import t
from qms.ui.register_view import register
from qms.ui.widgets import show_flash

me = session.require_user()
show_flash()
st.title(t("findings.title"))
chosen = st.query_params.get("finding")
if chosen and chosen.isdigit():
    finding_page(me, int(chosen))
else:
    register(me)
