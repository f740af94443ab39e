"""Router: page config, sign-in gate, navigation from the user's roles, language switch."""

import streamlit as st

from qms.ui import nav, session
from qms.ui.i18n import t
from qms.ui.sidebar import sidebar

st.set_page_config(page_title="QMS – ISO 9001", page_icon=":material/verified:", layout="wide")
session.engine()
me = session.current_user()

if me is None:
    # The sign-in page shares the home page's address, so the rerun after sign-in lands on "My work".
    page = st.navigation([st.Page("pages/signin.py", title=t("nav.signin"), icon=":material/login:",
                                  url_path="home")], position="hidden")
else:
    sidebar(me)
    page = st.navigation(nav.pages_for(me["roles"]))
page.run()
