"""Sign-in: password checks with lock-out, one-use tickets, browser sessions behind a signed cookie.

The browser gets a session through a short ticket: the sign-in form (a Streamlit widget, which cannot set
cookies) issues a ticket; the /auth/session route redeems it for a session token and sets an http-only
cookie holding the token signed with the server secret. Only SHA-256 hashes of tokens are stored.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import update
from sqlmodel import Session, select

from qms import clock, config, passwords
from qms import settings as org_settings
from qms.errors import AuthError
from qms.models import AuthToken, User

MAX_FAILURES = 5
LOCK_MINUTES = 15
TICKET_SECONDS = 60
COOKIE_NAME = "qms_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def authenticate(session: Session, username: str, password: str) -> int:
    """The user id for valid credentials; otherwise AuthError with one generic message."""
    user = session.exec(select(User).where(User.username == (username or "").strip().lower())).first()
    now = clock.now()
    if user is not None and user.locked_until is not None and user.locked_until > now:
        passwords.verify(None, password)  # same cost as a real check
        minutes = int((user.locked_until - now).total_seconds() // 60) + 1
        raise AuthError("error.signin_locked", minutes=minutes)
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        if user is not None:
            user.failed_logins += 1
            if user.failed_logins >= MAX_FAILURES:
                user.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                user.failed_logins = 0
            session.add(user)
            session.commit()
        raise AuthError("error.signin_failed")
    if user.failed_logins or user.locked_until:
        user.failed_logins, user.locked_until = 0, None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.rehash(password)
    session.add(user)
    session.commit()
    return user.id


def _issue(session: Session, user_id: int, kind: str, lifetime: timedelta) -> str:
    token = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(AuthToken(token_hash=_hash(token), kind=kind, user_id=user_id, created_at=now,
                          expires_at=now + lifetime))
    session.commit()
    return token


def issue_ticket(session: Session, user_id: int) -> str:
    return _issue(session, user_id, "ticket", timedelta(seconds=TICKET_SECONDS))


def redeem_ticket(session: Session, ticket: str) -> str | None:
    """Exchange a fresh, unused ticket for a session token (once)."""
    now = clock.now()
    # A conditional UPDATE makes the ticket single-use even under concurrent requests.
    used = session.exec(update(AuthToken).where(AuthToken.token_hash == _hash(ticket or ""),
                                                AuthToken.kind == "ticket", AuthToken.used_at.is_(None),
                                                AuthToken.expires_at > now).values(used_at=now))
    if used.rowcount != 1:
        session.rollback()
        return None
    user_id = session.exec(select(AuthToken.user_id).where(AuthToken.token_hash == _hash(ticket))).one()
    return _issue(session, user_id, "session", timedelta(hours=config.session_hours()))


def user_for_token(session: Session, token: str | None) -> int | None:
    """The active user a live session token belongs to."""
    if not token:
        return None
    row = session.exec(select(AuthToken).where(AuthToken.token_hash == _hash(token),
                                               AuthToken.kind == "session")).first()
    if row is None or row.used_at is not None or row.expires_at <= clock.now():
        return None
    user = session.get(User, row.user_id)
    return user.id if user is not None and user.active else None


def revoke(session: Session, token: str | None) -> None:
    """Sign out: the token stops working even if the cookie survives somewhere."""
    if token:
        session.exec(update(AuthToken).where(AuthToken.token_hash == _hash(token)).values(used_at=clock.now()))
        session.commit()


def revoke_all(session: Session, user_id: int) -> None:
    """End every session and ticket of a user (deactivation, password reset); the caller commits."""
    session.exec(update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.used_at.is_(None))
                 .values(used_at=clock.now()))


def secret_key(session: Session) -> str:
    """QMS_SECRET_KEY, or a random key generated once and kept in the database."""
    key = os.environ.get("QMS_SECRET_KEY") or org_settings.get(session, "_secret_key")
    if not key:
        key = secrets.token_urlsafe(48)
        org_settings.put(session, "_secret_key", key)
        session.commit()
    return key


def sign(session: Session, token: str) -> str:
    return URLSafeSerializer(secret_key(session), salt="qms-session").dumps(token)


def unsign(session: Session, cookie: str | None) -> str | None:
    if not cookie:
        return None
    try:
        return URLSafeSerializer(secret_key(session), salt="qms-session").loads(cookie)
    except BadSignature:
        return None
