"""Who is signed in: kept in session state, restored from the signed cookie after a reload."""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from qms import auth, bootstrap, db, logs, users
from qms.errors import QMSError
from qms.ui import browser
from qms.ui.i18n import error_text, lang, t

USER_KEY = "user"
_CHECKED_KEY = "_session_checked_at"
ENDED_KEY = "session_ended"  # tells the sign-in screen why it is showing
CHECK_SECONDS = 2.0


@st.cache_resource(show_spinner=False)
def ensure_database(url: str) -> None:
    """Check once per process and database that the schema is current (a refusal is not remembered: once
    `python -m qms init` has run, the next page works). The app server never migrates on its own."""
    bootstrap.require_current(db.get_engine(url))


def engine():
    url = db.get_engine().url.render_as_string(hide_password=False)
    ensure_database(url)
    return db.get_engine()


def cookie_routes() -> bool:
    return os.environ.get("QMS_COOKIE_ROUTES") == "1"


def _load(user_id: int) -> dict | None:
    with db.session_scope(engine()) as session:
        me = users.profile(session, user_id)
    return me if me["active"] else None


def _still_signed_in(me: dict) -> bool:
    """Whether the browser's session token is live and its user active: one indexed query.

    Deactivation, a password reset and signing out in another tab all end the session here, at the next
    interaction. The answer is kept for CHECK_SECONDS so the several domain calls of one run cost one query.
    """
    now = time.monotonic()
    if now - st.session_state.get(_CHECKED_KEY, -CHECK_SECONDS) < CHECK_SECONDS:
        return True
    with db.session_scope(engine()) as session:
        if cookie_routes():
            token = auth.unsign(session, st.context.cookies.get(auth.COOKIE_NAME))
            alive = auth.user_for_token(session, token) == me["id"]
        else:
            alive = auth.is_active(session, me["id"])
    if alive:
        st.session_state[_CHECKED_KEY] = now
    return alive


def current_user() -> dict | None:
    """The signed-in user's profile, restoring it from the session cookie when needed."""
    me = st.session_state.get(USER_KEY)
    if me is not None:
        if _still_signed_in(me):
            return me
        sign_out()
        st.session_state[ENDED_KEY] = True
        return None
    if cookie_routes():
        with db.session_scope(engine()) as session:
            token = auth.unsign(session, st.context.cookies.get(auth.COOKIE_NAME))
            user_id = auth.user_for_token(session, token)
        if user_id is not None:
            me = _load(user_id)
            if me is not None:
                sign_in(me)
    return me


def sign_in(me: dict) -> None:
    """Remember the user; a language picked on the sign-in screen wins over (and updates) the saved one."""
    st.session_state[USER_KEY] = me
    if st.session_state.get("lang_chosen"):
        set_language(lang())
    else:
        st.session_state["lang"] = me["language"]


def refresh() -> None:
    """Reload the profile after an edit that may change roles or units."""
    me = st.session_state.get(USER_KEY)
    if me is not None:
        st.session_state[USER_KEY] = _load(me["id"])


def set_language(value: str) -> None:
    st.session_state["lang"] = value
    me = st.session_state.get(USER_KEY)
    if me is not None:
        with db.session_scope(engine()) as session:
            users.set_language(session, me["id"], value)
        me["language"] = value


def sign_out() -> None:
    """Forget the user here; the logout route revokes the cookie's session in the browser."""
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(_CHECKED_KEY, None)


class SessionEnded(QMSError):
    """The session ended (signed out elsewhere, password reset, account deactivated) since the page was drawn."""

    def __init__(self) -> None:
        super().__init__("error.session_ended")


def actor_id() -> int:
    """The signed-in user's id; SessionEnded once the session has ended (callbacks leave the work unsaved)."""
    me = current_user()
    if me is None:
        raise SessionEnded()
    return me["id"]


ENDED_PARAM = "ended"


@contextmanager
def refusals(where: str = "page") -> Iterator[None]:
    """Draw a screen; a refusal or an unexpected error that escapes it is shown as a message, never a traceback.

    Within CHECK_SECONDS of a deactivation the domain (which always checks) may refuse before the session check
    notices: a fresh check then sends the person to the sign-in. An unexpected error is logged with a reference the
    person can quote; st.stop() and st.rerun() are BaseExceptions and pass through.
    """
    refused, crashed = st.session_state.pop(_REFUSAL_KEY, None), st.session_state.pop(_CRASH_KEY, None)
    if refused:
        st.error(refused, icon=":material/error:")
    if crashed:
        _show_crash(crashed)
    try:
        yield
    except QMSError as exc:
        st.session_state.pop(_CHECKED_KEY, None)
        try:
            ended = current_user() is None
        except Exception as check_failed:  # the database went away between the refusal and this check
            _show_crash(_log_crash(check_failed, where))
            return
        if ended:
            browser.go(f"/?{ENDED_PARAM}=1")
        st.error(error_text(exc), icon=":material/error:")
    except Exception as exc:
        _show_crash(_log_crash(exc, where))


def _show_crash(reference: str) -> None:
    st.error(t("error.unexpected", ref=reference), icon=":material/error:")


_CRASH_KEY, _REFUSAL_KEY = "_crash_ref", "_callback_refusal"  # from a callback, shown by the next refusals()


def _log_crash(exc: Exception, where: str) -> str:
    me = st.session_state.get(USER_KEY) or {}
    return logs.crash(exc, where=where, user=me.get("id"))


def guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """A widget callback: Streamlit runs it before the page, outside refusals(), so its errors are caught here and
    shown at the top of the page it leads to."""
    @functools.wraps(callback)
    def run(*args, **kwargs) -> None:
        try:
            callback(*args, **kwargs)
        except QMSError as exc:
            st.session_state[_REFUSAL_KEY] = error_text(exc)
        except Exception as exc:
            st.session_state[_CRASH_KEY] = _log_crash(exc, callback.__qualname__)
    return run


def keep_signed_in() -> None:
    """For fragments, which rerun without the router: an ended session reloads the page, which shows the sign-in.

    A reload, not st.rerun(scope="app"): after a fragment rerun started by a tap, the whole-app rerun's page was
    computed but never shown (only what the router drew before it), leaving a blank screen under load.
    """
    if current_user() is None:
        browser.go(f"/?{ENDED_PARAM}=1")


def require_user() -> dict:
    """The signed-in user, or stop the page: a page never renders for nobody, however it was reached."""
    me = current_user()
    if me is None:
        st.stop()
    return me


