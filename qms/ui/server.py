"""The ASGI entry point: the Streamlit app, the two routes that set and clear the session cookie, and /healthz.

Run with `python -m qms serve` (or `streamlit run qms/ui/server.py`). Every route lives under the base path
(QMS_BASE_PATH, e.g. /qms, which `serve` also gives Streamlit as server.baseUrlPath), so the app works behind a
web server on a sub-path.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from qms import auth, bootstrap, config, db
from qms.ui import legacy_pages
from qms.ui.upload_cap import UploadCap

# Tells app.py that the cookie routes exist, so sign-in may hand the browser a ticket.
os.environ["QMS_COOKIE_ROUTES"] = "1"
APP = Path(__file__).resolve().parents[2] / "app.py"
SETTINGS = config.settings()  # a bad setting stops the server here, with its message
BASE = SETTINGS.base_path
HOME = f"{BASE}/"
legacy_pages.disable()

# Sent with every response of the app server; the shipped nginx configuration sends them too.
SECURITY_HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
                    (b"content-security-policy", b"frame-ancestors 'self'"), (b"x-frame-options", b"SAMEORIGIN")]


def _secure(request: Request) -> bool:
    return SETTINGS.secure_cookies or request.url.scheme == "https" \
        or request.headers.get("x-forwarded-proto") == "https"


async def start_session(request: Request) -> RedirectResponse:
    """Redeem a one-use sign-in ticket for a session cookie, then go to the app."""
    response = RedirectResponse(HOME, status_code=303)
    with db.session_scope() as session:
        token = auth.redeem_ticket(session, request.query_params.get("ticket", ""))
        if token is not None:
            response.set_cookie(auth.COOKIE_NAME, auth.sign(session, token), httponly=True, samesite="strict",
                                secure=_secure(request), max_age=int(SETTINGS.session_hours * 3600), path=HOME)
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
    response = RedirectResponse(HOME, status_code=303)
    response.delete_cookie(auth.COOKIE_NAME, path=HOME)
    return response


async def health(_request: Request) -> JSONResponse:
    """200 only when the database answers, with the schema revision it holds (for the web server and operators)."""
    try:
        revision = bootstrap.require_current()  # reads the revision: the database answered
    except bootstrap.SchemaBehind as behind:
        return JSONResponse({"status": "schema behind", "revision": behind.found, "needed": behind.needed},
                            status_code=503)
    except Exception as exc:  # any failure to reach the database is "not healthy", said without details
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    return JSONResponse({"status": "ok", "revision": revision})


class SecurityHeaders:
    """Adds SECURITY_HEADERS to every HTTP response (an app page cannot be framed by another site, nor sniffed)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message) -> None:
            if message["type"] == "http.response.start":
                names = {name for name, _value in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []),
                                      *((name, value) for name, value in SECURITY_HEADERS if name not in names)]
            await send(message)
        await self.app(scope, receive, with_headers)


# Signing out changes state, so it takes POST only: a Markdown image or another site's link cannot reach it.
app = st.App(str(APP), routes=[Route(f"{BASE}/auth/session", start_session),
                               Route(f"{BASE}/auth/logout", end_session, methods=["POST"]),
                               Route(f"{BASE}/healthz", health)],
             middleware=[Middleware(SecurityHeaders), Middleware(UploadCap)])
