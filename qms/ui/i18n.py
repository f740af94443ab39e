"""The current language and the `t` lookup bound to it."""

from __future__ import annotations

import streamlit as st

from qms import config
from qms.i18n import message, t as lookup


def lang() -> str:
    if "lang" not in st.session_state:
        st.session_state["lang"] = config.default_language()
    return st.session_state["lang"]


def t(key: str, /, **params: object) -> str:
    return lookup(key, lang(), **params)


def error_text(error: Exception) -> str:
    return message(error, lang())
