"""Router: page config, sign-in gate, navigation from the user's roles, language switch."""

import streamlit as st

from qms import logs
from qms.ui import nav, session, shell
from qms.ui.i18n import t
from qms.ui.sidebar import sidebar

st.set_page_config(page_title="QMS – ISO 9001", page_icon=":material/verified:", layout="wide")
logs.configure()
shell.styles()
started = False
with session.refusals("start"):  # an unreachable database, say, is a message with a reference, not a traceback
    session.engine()
    me = session.current_user()
    started = True
if not started:
    st.stop()

if me is None:
    if st.session_state.pop(session.ENDED_KEY, False) or st.query_params.get(session.ENDED_PARAM):
        st.warning(t("error.session_ended"), icon=":material/lock_clock:")
    # The sign-in page shares the home page's address, so the rerun after sign-in lands on "My work".
    page = st.navigation([st.Page("pages/signin.py", title=t("nav.signin"), icon=":material/login:",
                                  url_path="home")], position="hidden")
elif me.get("must_change_password"):
    # After an administrator's reset, choosing one's own password is the only screen; it takes the home address
    # so the rerun after the change lands on "My work".
    page = st.navigation([nav.account_page(url_path="home")], position="hidden")
else:
    page = st.navigation(nav.pages_for(me["roles"]))
if me is not None:
    with session.refusals("sidebar"):
        sidebar(me)  # after the navigation: its link to the account page needs that page registered
with session.refusals(page.url_path or "home"):
    page.run()
