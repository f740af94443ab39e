"""Administration – units: the unit tree, create, edit, deactivate, delete."""

import streamlit as st

from qms import db, units
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.markdown import md_escape
from qms.ui.widgets import attempt, flash, form_key, reset_form, label, labeler, show_flash

me = session.require_user()
show_flash()
st.title(t("units.title"))
with db.session_scope(session.engine()) as s:
    tree = units.list_units(s)
by_id = {u["id"]: u for u in tree}


no_parent = t("units.no_parent")
unit_type_label = labeler("unit_type")


def unit_label(unit_id):
    return no_parent if unit_id is None else f"{by_id[unit_id]['code']} – {by_id[unit_id]['name']}"


term = st.text_input(t("common.search"), placeholder=t("units.search_hint"), key="unit_search")
shown = units.search(tree, term)
st.dataframe([{t("field.code"): u["code"], t("field.name"): "    " * u["depth"] + u["name"],
               t("field.type"): label("unit_type", u["type"]),
               t("field.active"): "✓" if u["active"] else "—"} for u in shown],
             hide_index=True, width="stretch", height=min(35 * len(shown) + 40, 420))
st.caption(t("units.count", shown=len(shown), total=len(tree)))

create_tab, edit_tab = st.tabs([t("units.create"), t("units.edit")])
with create_tab:
    with st.form(form_key("unit_create")):
        code = st.text_input(t("field.code"))
        name = st.text_input(t("field.name"))
        unit_type = st.selectbox(t("field.type"), units.UNIT_TYPES, format_func=unit_type_label)
        parent = st.selectbox(t("field.parent"), [None, *by_id], format_func=unit_label)
        if st.form_submit_button(t("common.create"), type="primary"):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(units.create_unit, s, me["id"], code, name, unit_type, parent)
            if ok:
                reset_form("unit_create")
                flash(t("units.created", code=md_escape(code.upper())))
                st.rerun()

with edit_tab:
    chosen = st.selectbox(t("units.pick"), list(by_id), format_func=unit_label, index=None,
                          placeholder=t("units.pick"), key="unit_pick")
    if chosen is not None:
        unit = by_id[chosen]
        with st.form(f"unit_edit_{chosen}"):
            code = st.text_input(t("field.code"), unit["code"])
            name = st.text_input(t("field.name"), unit["name"])
            unit_type = st.selectbox(t("field.type"), units.UNIT_TYPES, index=units.UNIT_TYPES.index(unit["type"]),
                                     format_func=unit_type_label)
            parents = [None, *[i for i in by_id if i != chosen]]
            parent = st.selectbox(t("field.parent"), parents, index=parents.index(unit["parent_id"]),
                                  format_func=unit_label)
            active = st.checkbox(t("field.active"), unit["active"])
            if st.form_submit_button(t("common.save"), type="primary"):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(units.update_unit, s, me["id"], chosen, code, name, unit_type,
                                    parent, active)
                if ok:
                    flash(t("common.saved"))
                    st.rerun()
        st.caption(t("units.delete_hint"))
        if st.button(t("common.delete"), icon=":material/delete:", key=f"unit_delete_{chosen}"):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(units.delete_unit, s, me["id"], chosen)
            if ok:
                flash(t("units.deleted", code=md_escape(unit["code"])))
                st.rerun()
