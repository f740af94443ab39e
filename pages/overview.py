"""Agency overview: each agency's QMS status this year, the counts of the annual status report, its downloads."""

import streamlit as st

from qms.ui import session
from qms.ui.i18n import t
from qms.ui.overview_view import screen
from qms.ui.widgets import show_flash

me = session.require_user()
show_flash()
st.title(t("overview.title"))
screen(me)
