"""The ASGI entry point: the Streamlit app plus two routes that set and clear the session cookie.

Run with `python -m qms serve` (or `streamlit run qms/ui/server.py`).
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from qms import auth, db
from qms.ui.upload_cap import UploadCap
from qms.ui import legacy_pages

# Tells app.py that the cookie routes exist, so sign-in may hand the browser a ticket.
os.environ["QMS_COOKIE_ROUTES"] = "1"
APP = Path(__file__).resolve().parents[2] / "app.py"
legacy_pages.disable()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


async def start_session(request: Request) -> RedirectResponse:
    """Redeem a one-use sign-in ticket for a session cookie, then go to the app."""
    response = RedirectResponse("/", status_code=303)
    with db.session_scope() as session:
        token = auth.redeem_ticket(session, request.query_params.get("ticket", ""))
        if token is not None:
            response.set_cookie(auth.COOKIE_NAME, auth.sign(session, token), httponly=True, samesite="strict",
                                secure=_secure(request), max_age=int(auth.config.session_hours() * 3600), path="/")
    return response


def _same_origin(request: Request) -> bool:
    """Whether a POST comes from a page of this app, not from another site or another port of this host."""
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("origin")
    # Browsers send Origin with every POST; without it the sender is no browser, so holds no victim's cookie.
    return origin is None or urlsplit(origin).netloc in {request.headers.get("host"),
                                                          request.headers.get("x-forwarded-host")}


async def end_session(request: Request) -> RedirectResponse | PlainTextResponse:
    """Revoke the session behind the cookie and clear it (POST from the app's own pages only)."""
    if not _same_origin(request):
        return PlainTextResponse("Forbidden", status_code=403)
    with db.session_scope() as session:
        auth.revoke(session, auth.unsign(session, request.cookies.get(auth.COOKIE_NAME)))
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path="/")
    return response


# Signing out changes state, so it takes POST only: a Markdown image or another site's link cannot reach it.
app = st.App(str(APP), routes=[Route("/auth/session", start_session),
                               Route("/auth/logout", end_session, methods=["POST"])],
             middleware=[Middleware(UploadCap)])
