"""A session keeps only its newest built PDFs: building one for every audit of the year in one sitting does not grow
the app server's memory by a document each."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from qms.ui import report_buttons


def _screen():
    import streamlit as st

    from qms.ui.report_buttons import pdf_button

    key = st.session_state.get("audit", "a0")
    pdf_button("Build", key, 1, lambda progress: b"%PDF-" + key.encode() * 100_000, f"{key}.pdf")


def test_only_the_newest_built_pdfs_are_kept():
    at = AppTest.from_function(_screen, default_timeout=30)
    built = []
    for n in range(6):
        at.session_state["audit"] = f"a{n}"
        at.run()
        at.button(key=f"build_a{n}").click().run()
        built.append(f"a{n}")
        assert not at.exception
        kept = at.session_state["_built_pdfs"]
        assert list(kept) == built[-report_buttons.KEPT:]
        assert kept[f"a{n}"][1].startswith(b"%PDF-a" + str(n).encode())
    # Back on a kept report: no rebuild needed, the save button is there at once.
    at.session_state["audit"] = "a5"
    at.run()
    assert len(at.get("download_button")) == 1 and "build_a5" not in [b.key for b in at.button]


def test_after_one_click_only_the_save_button_is_left():
    # The build button stayed beside the new save button until the next run: a click that seemed to do nothing.
    at = AppTest.from_function(_screen, default_timeout=30)
    at.run()
    at.button(key="build_a0").click().run()
    assert [b.key for b in at.button] == [] and len(at.get("download_button")) == 1
