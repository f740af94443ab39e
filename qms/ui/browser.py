"""Send the browser to another address (the cookie routes live outside Streamlit's websocket)."""

from __future__ import annotations

import json

import streamlit as st

from qms import config


def url(path: str) -> str:
    """An address of this app (`/auth/logout`, `/?ended=1`) under its base path, as the browser must ask for it."""
    return config.settings().base_path + path


def go(path: str) -> None:
    """Navigate the whole page to `path`, a same-origin address we built (never user text)."""
    st.html(f"<script>window.location.replace({json.dumps(url(path))});</script>", unsafe_allow_javascript=True)
    st.stop()


def post(path: str) -> None:
    """Submit an empty form to `path` from the whole page, for routes that change state (they take POST only)."""
    st.html("<script>(() => { const form = document.createElement('form'); form.method = 'POST'; "
            f"form.action = {json.dumps(url(path))}; document.body.appendChild(form); form.submit(); }})();</script>",
            unsafe_allow_javascript=True)
    st.stop()
