"""Tailoring an audit on the programme screen: clauses in scope and not-applicable clauses with justification."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from qms import db, tailoring
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.pickers import audit_unit_picker
from qms.ui.widgets import attempt, flash


def tailoring_panel(me: dict, audit: dict) -> None:
    target = audit_unit_picker(t("tailoring.target"), f"tailor_target_{audit['id']}", audit["id"],
                               none_label=t("tailoring.whole_audit"))
    with db.session_scope(session.engine()) as s:
        current = tailoring.scope(s, audit["id"], target)
    titles = {c["clause"]: c[f"title_{lang()}"] or c["title_vi"] for c in current["clauses"]}
    with st.form(f"tailor_{audit['id']}_{target}"):
        in_scope = current["in_scope"]
        if target is not None:
            in_scope = st.multiselect(t("tailoring.in_scope"), list(titles), current["in_scope"],
                                      format_func=lambda c, names=titles: f"{c} {names[c]}",
                                      filter_mode="contains",
                                      placeholder=t("common.choose_many"))  # "7.5.1" must not match 7.1.5.1 first
        st.markdown(f"**{t('tailoring.not_applicable')}**")
        st.caption(t("tailoring.na_help"))
        if current["inherited"]:
            st.caption(t("tailoring.inherited", clauses=md_escape(", ".join(current["inherited"]))))
        own = {c: j for c, j in current["exclusions"].items() if c not in current["inherited"]}
        edited = st.data_editor(
            pd.DataFrame({"clause": list(own), "justification": list(own.values())}, dtype="string"),
            num_rows="dynamic", hide_index=True, width="stretch", key=f"tailor_na_{audit['id']}_{target}",
            column_config={"clause": st.column_config.SelectboxColumn(t("field.clause"), options=list(titles),
                                                                      required=True, width=110),
                           "justification": st.column_config.TextColumn(t("tailoring.justification"), width=560)})
        if st.form_submit_button(t("common.save"), type="primary"):
            exclusions = {str(r.clause): ("" if pd.isna(r.justification) else str(r.justification))
                          for r in edited.itertuples() if not pd.isna(r.clause)}
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(tailoring.save, s, me["id"], audit["id"], target,
                                [c for c in in_scope if c not in exclusions], exclusions)
            if ok:
                flash(t("common.saved"))
                st.rerun()
