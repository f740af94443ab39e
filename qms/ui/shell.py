"""Behaviour every screen shares in the browser: on a tablet the sidebar closes once a page is chosen."""

from __future__ import annotations

import streamlit as st

# Our own script, no user text: a tap on a page link in the sidebar closes the sidebar when the screen is too
# narrow for both (a 768 px tablet keeps it open otherwise and the page is squeezed beside it).
_SCRIPT = """<script>
(() => {
  const doc = window.parent.document;
  if (doc.__qmsSidebarShell) return;
  doc.__qmsSidebarShell = true;
  doc.addEventListener("click", (event) => {
    if (!event.target.closest('[data-testid="stSidebarNavLink"]')) return;
    if (window.parent.innerWidth >= 1024) return;
    setTimeout(() => {
      const close = doc.querySelector('[data-testid="stSidebarCollapseButton"] button');
      if (close) close.click();
    }, 150);
  }, true);
})();
</script>"""


def install() -> None:
    st.html(_SCRIPT, unsafe_allow_javascript=True)
