"""Checklists: the loaded checklists and their versions, and the questions of one version by clause."""

import streamlit as st

from qms import checklists, db
from qms.ui import session
from qms.ui.i18n import lang, t

me = session.require_user()
st.title(t("checklists.title"))
with db.session_scope(session.engine()) as s:
    versions = checklists.list_checklists(s)
if not versions:
    st.caption(t("checklists.none"))
    st.stop()
title = f"title_{lang()}"
st.dataframe([{t("field.code"): v["code"], t("checklists.version"): v["version"], t("field.title"): v[title] or v["title_vi"],
               t("checklists.questions"): v["questions"], t("checklists.audits"): v["audits"]} for v in versions],
             hide_index=True, width="stretch")
by_id = {v["id"]: v for v in versions}
chosen = st.selectbox(t("checklists.pick"), list(by_id), key="checklist_pick",
                      format_func=lambda i: f"{by_id[i]['code']} v{by_id[i]['version']}")
with db.session_scope(session.engine()) as s:
    clause_rows = checklists.clauses(s, chosen)
    item_rows = checklists.items(s, chosen)
field = lang() if lang() in by_id[chosen]["languages"].split(",") else "vi"
for clause in clause_rows:
    questions = [i for i in item_rows if i["clause"] == clause["clause"]]
    with st.expander(f"{clause['clause']} {clause[f'title_{field}']} ({len(questions)})"):
        if clause["na_default"]:
            st.info(f"{t('checklists.na_default')}: {clause[f'na_justification_{field}']}")
        for q in questions:
            st.markdown(f"**{q['item_key']}** ")
            st.text(q[f"text_{field}"])
            if q[f"guidance_{field}"]:
                st.caption(q[f"guidance_{field}"])
