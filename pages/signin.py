"""Sign in; on an empty database, create the first administrator; in demo mode, list demo accounts."""

import streamlit as st

from qms import auth, db, demo, users
from qms.ui import browser, session
from qms.ui.i18n import t
from qms.ui.sidebar import language_switch
from qms.ui.widgets import attempt
from qms.ui.tables import widths

_, middle, _ = st.columns([1, 2, 1])
with middle:
    language_switch("lang_signin")
    st.title(t("signin.title"))
    st.caption(t("app.tagline"))
    with db.session_scope(session.engine()) as s:
        first_run = not users.has_users(s)
        accounts = demo.demo_accounts(s)
        demo_password = demo.DEMO_PASSWORD if accounts else None

    if first_run:
        st.info(t("signin.first_run"), icon=":material/admin_panel_settings:")
        with st.form("first_admin"):
            full_name = st.text_input(t("field.full_name"))
            username = st.text_input(t("field.username"))
            password = st.text_input(t("field.password"), type="password")
            confirm = st.text_input(t("field.password_confirm"), type="password")
            if st.form_submit_button(t("signin.create_admin"), type="primary"):
                if password != confirm:
                    st.error(t("error.password_mismatch"))
                else:
                    with db.session_scope(session.engine()) as s:
                        ok, _ = attempt(users.create_first_admin, s, username, full_name, password)
                    if ok:
                        st.success(t("signin.admin_created"))
    else:
        with st.form("signin"):
            username = st.text_input(t("field.username"), key="signin_username")
            password = st.text_input(t("field.password"), type="password", key="signin_password")
            submitted = st.form_submit_button(t("signin.submit"), type="primary", width="stretch")
        if submitted:
            # The connection's address (uvicorn puts a local proxy's X-Forwarded-For here); None is this machine,
            # and so is anything but text (the test harness's stand-in).
            address = st.context.ip_address if isinstance(st.context.ip_address, str) else None
            with db.session_scope(session.engine()) as s:
                ok, user_id = attempt(auth.authenticate, s, username, password, address)
                if ok:
                    me = users.profile(s, user_id)
                    ticket = auth.issue_ticket(s, user_id) if session.cookie_routes() else None
            if ok:
                session.sign_in(me)
                if ticket:
                    browser.go(f"/auth/session?ticket={ticket}")
                st.rerun()

    if accounts:
        with st.container(border=True):
            st.markdown(f"**{t('signin.demo_accounts')}** — {t('field.password')}: `{demo_password}`")
            st.dataframe([{t("field.username"): a["username"],
                           t("field.roles"): ", ".join(t(f"role.{r}") for r in a["roles"])} for a in accounts],
                         hide_index=True, width="stretch",
                         column_config=widths({t("field.username"): 140}, [t("field.roles")]))
