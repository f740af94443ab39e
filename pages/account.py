"""My account: who I am, and changing my own password (the only screen until a reset password is replaced)."""

import streamlit as st

from qms import auth, db, users
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.widgets import attempt, flash, form_key, reset_form, show_flash

me = session.require_user()
show_flash()
st.title(t("account.title"))
if me.get("must_change_password"):
    st.warning(t("account.must_change"), icon=":material/key:")
left, right = st.columns(2)
left.text_input(t("field.full_name"), me["full_name"], disabled=True)
right.text_input(t("field.username"), me["username"], disabled=True)

st.subheader(t("account.change_password"))
with st.form(form_key("own_password")):
    current = st.text_input(t("account.current_password"), type="password")
    new = st.text_input(t("account.new_password"), type="password", help=t("users.password_help"))
    confirm = st.text_input(t("account.confirm"), type="password")
    submitted = st.form_submit_button(t("account.submit"), type="primary")
if submitted:
    if new != confirm:
        st.error(t("error.password_mismatch"), icon=":material/error:")
    else:
        with db.session_scope(session.engine()) as s:
            # This browser's session survives the change; every other one ends.
            token = auth.unsign(s, st.context.cookies.get(auth.COOKIE_NAME)) if session.cookie_routes() else None
            ok, _ = attempt(users.change_own_password, s, me["id"], current, new, token)
        if ok:
            reset_form("own_password")
            session.refresh()
            flash(t("account.changed"))
            st.rerun()
