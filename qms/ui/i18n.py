"""The current language and the `t` lookup bound to it."""

from __future__ import annotations

import streamlit as st

from qms import config
from qms.i18n import error_params
from qms.i18n import t as lookup
from qms.ui.markdown import md_escape


def lang() -> str:
    value = st.session_state.get("lang")  # one lookup: a page with a large table asks once per cell
    if value is None:
        value = st.session_state["lang"] = config.default_language()
    return value


def t(key: str, /, **params: object) -> str:
    return lookup(key, lang(), **params)


def error_text(error: Exception) -> str:
    """A refusal in the user's language, for st.error: the names and codes it quotes are shown as typed."""
    key = getattr(error, "key", None)
    if key is None:
        return md_escape(error)
    return t(key, **{name: md_escape(value) for name, value in error_params(error, lang()).items()})
