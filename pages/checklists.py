"""Checklists: browse a version by clause, search without accents, versions and their audits, import, export."""

import streamlit as st

from qms import checklists, db, filetypes, standards
from qms.models import Role
from qms.ui import session
from qms.ui.checklist_import import import_panel, problem_table
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.widgets import datetime_text, download, later, show_flash
from qms.ui.tables import widths

me = session.require_user()
show_flash()
st.title(t("checklists.title"))
for source, problems in checklists.file_problems():
    with st.expander(t("checklists.bad_file", source=md_escape(source)), icon=":material/warning:"):
        problem_table(source, problems)

with db.session_scope(session.engine()) as s:
    stored = checklists.list_checklists(s)
can_import = bool({Role.admin, Role.iso_rep} & set(me["roles"]))
if not stored:
    st.caption(t("checklists.none"))
    if can_import:
        import_panel(me)
    st.stop()

codes = list(dict.fromkeys(v["code"] for v in stored))
title_of = {v["code"]: v[f"title_{lang()}"] or v["title_vi"] for v in stored}
left, right = st.columns([3, 1])
code = left.selectbox(t("checklists.pick"), codes, format_func=lambda c, names=title_of: f"{names[c]} ({c})",
                      key="checklist_code", placeholder=t("common.choose"))
own = [v for v in stored if v["code"] == code]
version_id = right.selectbox(t("checklists.version"), [v["id"] for v in reversed(own)], key="checklist_version",
                             format_func=lambda i, by={v["id"]: v for v in own}: by[i]["version"],
                             placeholder=t("common.choose"))
chosen = next(v for v in own if v["id"] == version_id)
field = lang() if lang() in chosen["languages"].split(",") else chosen["languages"].split(",")[0]

tab_names = [t("checklists.browse"), t("checklists.versions"), t("checklists.export")]
if can_import:
    tab_names.append(t("checklists.import"))
tabs = st.tabs(tab_names)

with tabs[0]:
    term = st.text_input(t("common.search"), placeholder=t("checklists.search_hint"), key="checklist_search")
    with db.session_scope(session.engine()) as s:
        clause_rows = checklists.clauses(s, version_id)
        item_rows = checklists.search(s, version_id, term) if term.strip() else checklists.items(s, version_id)
    st.caption(t("checklists.summary", questions=len(item_rows), clauses=len({i["clause"] for i in item_rows})))
    reference = standards.clauses()
    for group in sorted({standards.group_of(c["clause"]) for c in clause_rows}, key=int):
        in_group = [c for c in clause_rows if standards.group_of(c["clause"]) == group]
        questions = [i for i in item_rows if standards.group_of(i["clause"]) == group]
        if term.strip() and not questions:
            continue
        st.subheader(f"{md_escape(f'{group}. ' + reference[group][f'title_{lang()}'])} ({len(questions)})")
        for clause in in_group:
            mine = [q for q in questions if q["clause"] == clause["clause"]]
            if term.strip() and not mine:
                continue
            title = md_escape(f"{clause['clause']} {clause[f'title_{field}']}")
            with st.expander(f"{title} ({len(mine)})", expanded=bool(term.strip())):
                if clause["na_default"]:
                    st.info(f"{t('checklists.na_default')}: {md_escape(clause[f'na_justification_{field}'])}",
                            icon=":material/block:")
                for q in mine:
                    st.markdown(f"**{md_escape(q['item_key'])}**")
                    st.text(q[f"text_{field}"])
                    if q[f"guidance_{field}"]:
                        with st.popover(t("checklists.guidance"), icon=":material/lightbulb:"):
                            st.text(q[f"guidance_{field}"])

with tabs[1]:
    with db.session_scope(session.engine()) as s:
        history = checklists.versions(s, code)
    st.dataframe([{t("checklists.version"): h["version"], t("checklists.loaded_at"): datetime_text(h["loaded_at"]),
                   t("checklists.source"): h["source"], t("checklists.used_by"): ", ".join(h["audits"]) or "—"}
                  for h in history], hide_index=True, width="stretch",
                 column_config=widths({t("checklists.version"): 84, t("checklists.loaded_at"): 140},
                                      [t("checklists.source"), t("checklists.used_by")]))

with tabs[2]:
    name = f"{code}-{chosen['version']}"
    left, right = st.columns(2)
    download(t("checklists.download_xlsx"), later(checklists.export, version_id, "xlsx"), f"{name}.xlsx",
             icon=":material/table_view:", key="dl_xlsx",
             mime=filetypes.XLSX, where=left)
    download(t("checklists.download_yaml"), later(checklists.export, version_id, "yaml"), f"{name}.yaml",
             icon=":material/code:", key="dl_yaml", mime="application/yaml", where=right)

if can_import:
    with tabs[3]:
        import_panel(me)
