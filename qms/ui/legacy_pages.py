"""Keep Streamlit from treating pages/ as a legacy (v1) multipage folder.

Streamlit runs a session's first script through its v1 multipage path while a pages/ folder exists
and no st.navigation call has been seen yet in the process. A deep link opened first on a freshly
started server would then run pages/<name>.py directly, without the router in app.py. Our pages
are only ever reached through st.navigation, so the v1 path is switched off before any session runs.
"""

from __future__ import annotations

from streamlit.runtime.pages_manager import PagesManager


def disable() -> None:
    PagesManager.uses_pages_directory = False
