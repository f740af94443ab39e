"""Behaviour every screen shares in the browser: on a tablet the sidebar closes once a page is chosen; Streamlit's
own English widget texts are replaced in the user's language."""

from __future__ import annotations

import json

import streamlit as st

from qms.ui.i18n import t

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


# Streamlit (1.67) offers no parameter for these texts: the uploader's button ("Upload") and its line "200MB per file
# • YAML" (its limit is said in our own caption where it matters), and "Press Enter to submit form" under a form's
# field (the form's button says what to do). Selected by data-testid, which Streamlit's own tests rely on; the
# browser test that reads every page for English words fails if an upgrade renames them.
_STYLE = """<style>
[data-testid="stFileUploaderDropzoneInstructions"], [data-testid="InputInstructions"] { display: none; }
[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"] { display: none; }
[data-testid="stFileUploaderDropzone"] button > div::after { content: UPLOAD; margin-left: 0.5rem; }
</style>"""


def styles() -> None:
    """On every run, signed in or not (the sign-in form has fields too). A CSS string is not a JSON one: the
    label goes in as it is (our own catalog text, no quotes in it), not as \\u escapes CSS would print."""
    st.html(_STYLE.replace("UPLOAD", json.dumps(t("common.upload"), ensure_ascii=False)))
