"""The sidebar every signed-in screen shares: who I am, language, sign out."""

from __future__ import annotations

import streamlit as st

from qms.config import LANGUAGES
from qms.ui import browser, session
from qms.ui.i18n import lang, t
from qms.ui.widgets import md_escape


def language_switch(key: str) -> None:
    names = {"vi": "Tiếng Việt", "en": "English"}
    choice = st.segmented_control(t("common.language"), LANGUAGES, format_func=names.get, default=lang(),
                                  key=key, label_visibility="collapsed")
    if choice and choice != lang():
        session.set_language(choice)
        st.rerun()


def sidebar(me: dict) -> None:
    with st.sidebar:
        st.markdown(f"**{md_escape(me['full_name'])}**")
        st.caption(" · ".join(t(f"role.{r}") for r in me["roles"]))
        language_switch("lang_switch")
        if st.button(t("common.sign_out"), icon=":material/logout:", key="sign_out", width="stretch"):
            session.sign_out()
            if session.cookie_routes():
                browser.go("/auth/logout")
            st.rerun()
