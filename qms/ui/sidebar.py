"""The sidebar every signed-in screen shares: who I am, language, sign out."""

from __future__ import annotations

import streamlit as st

from qms.config import LANGUAGES
from qms.ui import browser, nav, session, shell
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.widgets import labeler


@session.guarded
def _switched(key: str) -> None:
    if st.session_state.get(key):
        session.set_language(st.session_state[key])
        st.session_state["lang_chosen"] = True


def language_switch(key: str) -> None:
    """Vietnamese / English; the choice follows the user to every screen and is saved as their preference."""
    st.session_state[key] = lang()  # the language may have changed elsewhere (sign-in, preference)
    st.segmented_control(t("common.language"), LANGUAGES, format_func=labeler("lang"), key=key,
                         label_visibility="collapsed", on_change=_switched, args=(key,))


def sidebar(me: dict) -> None:
    with st.sidebar:
        st.markdown(f"**{md_escape(me['full_name'])}**")
        st.caption(" · ".join(t(f"role.{r}") for r in me["roles"]))
        st.page_link(nav.ACCOUNT, label=t("nav.account"), icon=":material/account_circle:")
        language_switch("lang_switch")
        shell.install()
        if st.button(t("common.sign_out"), icon=":material/logout:", key="sign_out", width="stretch"):
            session.sign_out()
            if session.cookie_routes():
                browser.post("/auth/logout")
            st.rerun()
