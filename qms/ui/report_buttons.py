"""Building a long PDF from a screen: progress while it builds, kept for the session so a rerun does not rebuild."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from qms.ui.widgets import download
from qms.ui.i18n import t


# Built PDFs a session keeps (the newest): a report of a large audit is megabytes, and an ISO secretary may build
# one for every audit of the year in one sitting; an older one is rebuilt on request.
KEPT = 2


def pdf_button(label: str, key: str, version: object, build: Callable[[Callable[[float], None]], bytes],
               file_name: str) -> None:
    """A build button, then a download button; the bytes are reused while `version` (the data's state) holds."""
    store = st.session_state.setdefault("_built_pdfs", {})
    cached = store.get(key)
    if cached is None or cached[0] != version:
        slot = st.empty()
        if slot.button(label, icon=":material/picture_as_pdf:", key=f"build_{key}"):
            bar = slot.progress(0.0, text=t("report.building"))  # the button gives way: it was clicked once
            data = build(lambda fraction: bar.progress(min(max(fraction, 0.0), 1.0), text=t("report.building")))
            slot.empty()
            store.pop(key, None)
            store[key] = cached = (version, data)
            while len(store) > KEPT:
                del store[next(iter(store))]
    if cached is not None and cached[0] == version:
        download(t("report.save"), cached[1], file_name, mime="application/pdf", type="primary",
                 key=f"download_{key}", icon=":material/download:")
