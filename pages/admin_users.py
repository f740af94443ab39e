"""Administration – users: create, edit roles and units, deactivate, reset password, clear a sign-in delay."""

import streamlit as st

from qms import db, users
from qms.config import LANGUAGES
from qms.permissions import ROLES
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.markdown import md_escape
from qms.ui.pickers import units_picker
from qms.ui.widgets import attempt, flash, form_key, reset_form, label, labeler, show_flash
from qms.ui.tables import widths

me = session.require_user()
show_flash()
st.title(t("users.title"))
with db.session_scope(session.engine()) as s:
    accounts = users.list_users(s, me["id"])
by_id = {u["id"]: u for u in accounts}
role_label = labeler("role")

st.dataframe([{t("field.username"): u["username"], t("field.full_name"): u["full_name"],
               t("field.roles"): ", ".join(label("role", r) for r in u["roles"]),
               t("field.units"): ", ".join(x["code"] for x in u["units"]),
               t("field.active"): "✓" if u["active"] else "—"} for u in accounts],
             hide_index=True, width="stretch",
             column_config=widths({t("field.username"): 140, t("field.active"): 120},
                                  [t("field.full_name"), t("field.roles"), t("field.units")]))

create_tab, edit_tab = st.tabs([t("users.create"), t("users.edit")])
with create_tab:
    search = st.container()
    with st.form(form_key("user_create")):
        username = st.text_input(t("field.username"), help=t("users.username_help"))
        full_name = st.text_input(t("field.full_name"))
        email = st.text_input(t("field.email"), help=t("users.email_help"))
        password = st.text_input(t("field.password"), type="password", help=t("users.password_help"))
        roles = st.multiselect(t("field.roles"), ROLES, format_func=role_label, placeholder=t("common.choose_many"))
        unit_ids = units_picker(t("field.units"), form_key("user_create_units"), search_where=search)
        language = st.selectbox(t("common.language"), LANGUAGES, format_func=labeler("lang"),
                                placeholder=t("common.choose"))
        if st.form_submit_button(t("common.create"), type="primary"):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(users.create_user, s, me["id"], username, full_name, password, roles,
                                unit_ids, language, email)
            if ok:
                reset_form("user_create")
                flash(t("users.created", username=md_escape(username)))
                st.rerun()

with edit_tab:
    chosen = st.selectbox(t("users.pick"), list(by_id), index=None, placeholder=t("users.pick"),
                          format_func=lambda i: f"{by_id[i]['username']} – {by_id[i]['full_name']}", key="user_pick")
    if chosen is not None:
        user = by_id[chosen]
        search = st.container()
        units_key = f"user_edit_units_{chosen}"
        if units_key not in st.session_state:
            st.session_state[units_key] = [u["id"] for u in user["units"]]
        with st.form(f"user_edit_{chosen}"):
            full_name = st.text_input(t("field.full_name"), user["full_name"])
            email = st.text_input(t("field.email"), user["email"], help=t("users.email_help"))
            roles = st.multiselect(t("field.roles"), ROLES, user["roles"], format_func=role_label,
                                   placeholder=t("common.choose_many"))
            unit_ids = units_picker(t("field.units"), units_key, include_inactive=True, search_where=search)
            active = st.checkbox(t("field.active"), user["active"])
            if st.form_submit_button(t("common.save"), type="primary"):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(users.update_user, s, me["id"], chosen, full_name, roles, unit_ids, active,
                                    email)
                if ok:
                    if chosen == me["id"]:
                        session.refresh()
                    flash(t("common.saved"))
                    st.rerun()
        with st.form(f"user_password_{chosen}", clear_on_submit=True):
            new_password = st.text_input(t("users.new_password"), type="password", help=t("users.password_help"))
            if st.form_submit_button(t("users.reset_password")):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(users.reset_password, s, me["id"], chosen, new_password)
                if ok:
                    flash(t("users.password_reset", username=md_escape(user["username"])))
                    st.rerun()
        with db.session_scope(session.engine()) as s:
            failures = users.signin_failures(s, me["id"], chosen)
        if failures:
            st.caption(t("users.signin_failures", failures=failures))
            if st.button(t("users.unlock"), icon=":material/lock_open:", key=f"user_unlock_{chosen}"):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(users.unlock, s, me["id"], chosen)
                if ok:
                    flash(t("users.unlocked", username=md_escape(user["username"])))
                    st.rerun()
