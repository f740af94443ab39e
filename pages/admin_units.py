"""Administration – units: the unit tree, create, edit, deactivate, delete."""

import streamlit as st

from qms import db, units
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.markdown import md_escape
from qms.ui.pickers import unit_picker
from qms.ui.widgets import attempt, flash, form_key, reset_form, label, labeler, show_flash
from qms.ui.tables import widths

me = session.require_user()
show_flash()
st.title(t("units.title"))
SHOWN = 200
no_parent = t("units.no_parent")
unit_type_label = labeler("unit_type")

term = st.text_input(t("common.search"), placeholder=t("units.search_hint"), key="unit_search")
with db.session_scope(session.engine()) as s:
    shown, matching = units.page(s, term, limit=SHOWN)
st.dataframe([{t("field.code"): u["code"], t("field.name"): "    " * u["depth"] + u["name"],
               t("field.type"): label("unit_type", u["type"]),
               t("field.active"): "✓" if u["active"] else "—"} for u in shown],
             hide_index=True, width="stretch", height=min(35 * len(shown) + 40, 420),
             column_config=widths({t("field.code"): 120, t("field.type"): 190, t("field.active"): 120}, [t("field.name")]))
st.caption(t("units.count", shown=len(shown), total=matching))

create_tab, edit_tab = st.tabs([t("units.create"), t("units.edit")])
with create_tab:
    search = st.container()
    with st.form(form_key("unit_create")):
        code = st.text_input(t("field.code"))
        name = st.text_input(t("field.name"))
        unit_type = st.selectbox(t("field.type"), units.UNIT_TYPES, format_func=unit_type_label,
                                 placeholder=t("common.choose"))
        parent = unit_picker(t("field.parent"), "unit_create_parent", none_label=no_parent, search_where=search)
        if st.form_submit_button(t("common.create"), type="primary"):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(units.create_unit, s, me["id"], code, name, unit_type, parent)
            if ok:
                reset_form("unit_create")
                flash(t("units.created", code=md_escape(code.upper())))
                st.rerun()

with edit_tab:
    chosen = unit_picker(t("units.pick"), "unit_pick")
    if chosen is not None:
        with db.session_scope(session.engine()) as s:
            unit = units.unit(s, chosen)
        search = st.container()
        parent_key = f"unit_edit_parent_{chosen}"
        if parent_key not in st.session_state:
            st.session_state[parent_key] = unit["parent_id"]
        with st.form(f"unit_edit_{chosen}"):
            code = st.text_input(t("field.code"), unit["code"])
            name = st.text_input(t("field.name"), unit["name"])
            unit_type = st.selectbox(t("field.type"), units.UNIT_TYPES, index=units.UNIT_TYPES.index(unit["type"]),
                                     format_func=unit_type_label, placeholder=t("common.choose"))
            parent = unit_picker(t("field.parent"), parent_key, none_label=no_parent, search_where=search)
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
