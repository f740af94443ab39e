"""Sign-in: password checks slowed by a growing delay, one-use tickets, browser sessions behind a signed cookie.

The browser gets a session through a short ticket: the sign-in form (a Streamlit widget, which cannot set
cookies) issues a ticket; the /auth/session route redeems it for a session token and sets an http-only
cookie holding the token signed with the server secret. Only SHA-256 hashes of tokens are stored.

Failed sign-ins are counted per username (known or not) and per client address. After a few free failures the
next attempt waits 1 s, then 2, 4, 8 ... up to a cap; an attempt made while told to wait is refused unchecked and
not counted. The name's cap is short and does not hold addresses the user signed in from before, so a guesser
slows down without locking the owner out. A lock-out per account was a weapon: five wrong passwords kept anyone,
the only administrator included, out for as long as the attacker kept typing.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import secrets
from datetime import timedelta

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, delete, or_, update
from sqlmodel import Session, select

from qms import clock, config, db, logs, passwords
from qms import settings as org_settings
from qms.errors import AuthError
from qms.models import AuthToken, SigninCounter, User
from qms.text import nfc

USER_FREE = 5  # failures of one username before it waits
ADDRESS_FREE = 20  # more from one address: an office behind one NAT address shares it
MAX_USER_DELAY = 30  # seconds: the longest a correct password from a new address waits behind a guesser
MAX_ADDRESS_DELAY = 60
FORGIVE_SECONDS = 300  # one failure forgotten per five quiet minutes
TRUST = timedelta(days=30)  # an address the user signed in from within this is not held by the name's delay
LOCAL = "local"  # Streamlit gives no address for a connection from this machine
TICKET_SECONDS = 60
COOKIE_NAME = "qms_session"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _key(kind: str, *parts: str) -> str:
    # Hashed: people type their password into the username field, and it must not be kept.
    return f"{kind}:{_hash(chr(0).join(parts))}"


def _username(username: str | None) -> str:
    return nfc(username).strip().lower()


def _network(address: str | None) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64, which a single host may roam across."""
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or LOCAL
    if ip.version == 6:
        return str(ip.ipv4_mapped or ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def _delay(count: int, free: int, cap: int) -> int:
    return 0 if count < free else min(2 ** (count - free), cap)


def _counters(session: Session, keys: list[str]) -> dict[str, tuple[int, object]]:
    # Plain columns, not ORM rows: the session's identity map would hand back counts from before an UPDATE.
    rows = session.exec(select(SigninCounter.key, SigninCounter.count, SigninCounter.last_at)
                        .where(SigninCounter.key.in_(keys))).all()
    return {key: (count, last_at) for key, count, last_at in rows}


def _left(row, free: int, cap: int, now) -> float:
    """Seconds still to wait after the failures in `row`."""
    if row is None:
        return 0.0
    count, last_at = row
    delay = _delay(count, free, cap)
    # Bounded by the delay: a concurrent attempt may have stamped a time a little after this one's `now`.
    return min(float(delay), max(0.0, (last_at + timedelta(seconds=delay) - now).total_seconds()))


def _forgiven(row, now) -> int:
    if row is None:
        return 0
    count, last_at = row
    # A concurrent attempt may have stamped a time a little after this one's `now`: that is no time passed.
    return max(0, count - int(max(0.0, (now - last_at).total_seconds()) // FORGIVE_SECONDS))


def _bump(session: Session, key: str, free: int, cap: int, now) -> int:
    """Count one more failure under `key`, safely when several servers count at once; the new count."""
    for _ in range(10):
        row = _counters(session, [key]).get(key)
        # The count stops where the delay stops growing, so the forgetting after an attack takes an hour, not days.
        count = min(_forgiven(row, now) + 1, free + math.ceil(math.log2(cap)))
        if row is None:
            done = session.connection().execute(
                db.insert(session, SigninCounter).values(key=key, count=count, last_at=now)
                .on_conflict_do_nothing(index_elements=["key"]).returning(SigninCounter.key)).first() is not None
        else:
            done = session.connection().execute(
                update(SigninCounter).where(SigninCounter.key == key, SigninCounter.count == row[0],
                                            SigninCounter.last_at == row[1])
                .values(count=count, last_at=now)).rowcount == 1
        if done:
            return count
    # Ten lost races in a row: count it plainly rather than keep an attacker's request spinning.
    session.exec(update(SigninCounter).where(SigninCounter.key == key)
                 .values(count=SigninCounter.count + 1, last_at=now))
    return count


class _Attempt:
    """The three counters one sign-in attempt reads: its username, its address, and the pair's past success."""

    def __init__(self, username: str, address: str | None) -> None:
        address = _network(address)
        self.user, self.address, self.known = (_key("user", username), _key("addr", address),
                                               _key("good", username, address))

    def wait(self, session: Session, now) -> float:
        rows = _counters(session, [self.user, self.address, self.known])
        known = self.known in rows and now - rows[self.known][1] < TRUST
        return max(_left(rows.get(self.address), ADDRESS_FREE, MAX_ADDRESS_DELAY, now),
                   0.0 if known else _left(rows.get(self.user), USER_FREE, MAX_USER_DELAY, now))

    def failed(self, session: Session, now) -> None:
        _bump(session, self.user, USER_FREE, MAX_USER_DELAY, now)
        _bump(session, self.address, ADDRESS_FREE, MAX_ADDRESS_DELAY, now)

    def succeeded(self, session: Session, now) -> None:
        session.exec(delete(SigninCounter).where(SigninCounter.key == self.user))
        session.connection().execute(db.insert(session, SigninCounter).values(key=self.known, count=1, last_at=now)
                                     .on_conflict_do_update(index_elements=["key"], set_={"last_at": now}))
        # Old rows go here, on the path every working day takes; failures are long forgiven after a day.
        session.exec(delete(SigninCounter).where(or_(
            SigninCounter.last_at < now - TRUST,
            and_(~SigninCounter.key.startswith("good:"), SigninCounter.last_at < now - timedelta(days=1)))))


def _refuse(wait: float) -> AuthError:
    return AuthError("error.signin_wait", seconds=math.ceil(wait)) if wait > 0 else AuthError("error.signin_failed")


def _logged_name(username: str, known: bool) -> str:
    """A name that is no account is often a password typed in the wrong box: the log gets a fingerprint of it,
    enough to see one name tried a hundred times, not the text."""
    return username if known else "unknown:" + _hash(username)[:10]


def authenticate(session: Session, username: str, password: str, address: str | None = None) -> int:
    """The user id for valid credentials; otherwise AuthError, the same for a known and an unknown name.

    `address` is the client's (None for this machine). A wrong password, an unknown name and a deactivated
    account are one failure, counted alike; an attempt made while told to wait is refused without a check.
    """
    username, now = _username(username), clock.now()
    attempt = _Attempt(username, address)
    wait = attempt.wait(session, now)
    if wait > 0:
        known = session.exec(select(User.id).where(User.username == username)).first() is not None
        logs.event("signin_refused", logging.WARNING, username=_logged_name(username, known), address=address,
                   wait=math.ceil(wait))
        raise _refuse(wait)
    user = session.exec(select(User).where(User.username == username)).first()
    ok = passwords.verify(user.password_hash if user else None, password)  # an unknown name costs the same
    if user is None or not ok or not user.active:
        attempt.failed(session, now)
        session.commit()
        reason = "unknown_user" if user is None else "wrong_password" if not ok else "inactive"
        logs.event("signin_failed", logging.WARNING, username=_logged_name(username, user is not None),
                   address=address, reason=reason)
        raise _refuse(attempt.wait(session, now))
    attempt.succeeded(session, now)
    logs.event("signin", username=username, user=user.id, address=address)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.rehash(password)
        session.add(user)
    session.commit()
    return user.id


def check_own_password(session: Session, user: User, password: str) -> bool:
    """Whether a signed-in user typed their own password (to change it): held and counted like a sign-in by name,
    so a borrowed session cannot guess it faster than the sign-in form could."""
    key, now = _key("user", user.username), clock.now()
    wait = _left(_counters(session, [key]).get(key), USER_FREE, MAX_USER_DELAY, now)
    if wait > 0:
        raise _refuse(wait)
    if passwords.verify(user.password_hash, password):
        return True
    _bump(session, key, USER_FREE, MAX_USER_DELAY, now)
    session.commit()
    return False


def throttle_state(session: Session, username: str) -> dict:
    """A username's recent failures (after forgiving) and the seconds a new address must still wait."""
    key, now = _key("user", _username(username)), clock.now()
    row = _counters(session, [key]).get(key)
    return {"failures": _forgiven(row, now), "wait": math.ceil(_left(row, USER_FREE, MAX_USER_DELAY, now))}


def unlock(session: Session, username: str) -> None:
    """Forget a username's failures (an administrator's unlock); the caller commits."""
    session.exec(delete(SigninCounter).where(SigninCounter.key == _key("user", _username(username))))


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
    """The active user a live session token belongs to: one indexed query, run on every page run."""
    if not token:
        return None
    return session.exec(select(AuthToken.user_id).join(User, User.id == AuthToken.user_id)
                        .where(AuthToken.token_hash == _hash(token), AuthToken.kind == "session",
                               AuthToken.used_at.is_(None), AuthToken.expires_at > clock.now(), User.active)).first()


def is_active(session: Session, user_id: int) -> bool:
    """For servers without the cookie routes (tests): the account still exists and is active."""
    return bool(session.exec(select(User.active).where(User.id == user_id)).first())


def revoke(session: Session, token: str | None) -> None:
    """Sign out: the token stops working even if the cookie survives somewhere."""
    if token:
        session.exec(update(AuthToken).where(AuthToken.token_hash == _hash(token)).values(used_at=clock.now()))
        session.commit()


def revoke_all(session: Session, user_id: int, keep: str | None = None) -> None:
    """End every session and ticket of a user (deactivation, password reset), but the session token `keep` (the
    browser that changed its own password); the caller commits."""
    query = update(AuthToken).where(AuthToken.user_id == user_id, AuthToken.used_at.is_(None))
    if keep:
        query = query.where(AuthToken.token_hash != _hash(keep))
    session.exec(query.values(used_at=clock.now()))


_KEYS: dict[str, str] = {}


def secret_key(session: Session) -> str:
    """QMS_SECRET_KEY, or a random key generated once and kept in the database (read once per process)."""
    if config.settings().secret_key:
        return config.settings().secret_key
    url = session.get_bind().engine.url.render_as_string(hide_password=False)
    if url not in _KEYS:
        key = org_settings.get(session, "_secret_key")
        if not key:
            key = secrets.token_urlsafe(48)
            org_settings.put(session, "_secret_key", key)
            session.commit()
        _KEYS[url] = key
    return _KEYS[url]


def sign(session: Session, token: str) -> str:
    return URLSafeSerializer(secret_key(session), salt="qms-session").dumps(token)


def unsign(session: Session, cookie: str | None) -> str | None:
    if not cookie:
        return None
    try:
        return URLSafeSerializer(secret_key(session), salt="qms-session").loads(cookie)
    except BadSignature:
        return None
