from datetime import timedelta

import pytest

from qms import auth, clock, users
from qms.errors import AuthError
from qms.models import AuthToken, Role, User
from sqlmodel import select


@pytest.fixture
def uid(session):
    return users.create_user(session, None, "hoa", "Hoa", "correct-horse", [Role.viewer])


def test_valid_credentials(session, uid):
    assert auth.authenticate(session, " HOA ", "correct-horse") == uid


def test_wrong_password_and_unknown_user_get_the_same_message(session, uid):
    keys = set()
    for username in ("hoa", "nobody"):
        with pytest.raises(AuthError) as err:
            auth.authenticate(session, username, "wrong")
        keys.add(err.value.key)
    assert keys == {"error.signin_failed"}


def test_lockout_after_repeated_failures(session, uid):
    for _ in range(auth.MAX_FAILURES):
        with pytest.raises(AuthError):
            auth.authenticate(session, "hoa", "wrong")
    with pytest.raises(AuthError) as err:
        auth.authenticate(session, "hoa", "correct-horse")
    assert err.value.key == "error.signin_locked"
    user = session.get(User, uid)
    user.locked_until = clock.now() - timedelta(seconds=1)
    session.add(user)
    session.commit()
    assert auth.authenticate(session, "hoa", "correct-horse") == uid


def test_inactive_user_cannot_sign_in(session, uid):
    users.set_active(session, None, uid, False)
    with pytest.raises(AuthError):
        auth.authenticate(session, "hoa", "correct-horse")


def test_ticket_is_single_use_and_gives_a_session(session, uid):
    ticket = auth.issue_ticket(session, uid)
    token = auth.redeem_ticket(session, ticket)
    assert token and auth.user_for_token(session, token) == uid
    assert auth.redeem_ticket(session, ticket) is None
    assert auth.user_for_token(session, ticket) is None  # a ticket is not a session
    stored = session.exec(select(AuthToken.token_hash)).all()
    assert token not in stored and ticket not in stored


def test_expired_ticket_and_session_refused(session, uid):
    ticket = auth.issue_ticket(session, uid)
    row = session.exec(select(AuthToken)).one()
    row.expires_at = clock.now() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    assert auth.redeem_ticket(session, ticket) is None
    token = auth.redeem_ticket(session, auth.issue_ticket(session, uid))
    for row in session.exec(select(AuthToken).where(AuthToken.kind == "session")).all():
        row.expires_at = clock.now() - timedelta(seconds=1)
        session.add(row)
    session.commit()
    assert auth.user_for_token(session, token) is None


def test_revoke_and_deactivation_end_sessions(session, uid):
    token = auth.redeem_ticket(session, auth.issue_ticket(session, uid))
    auth.revoke(session, token)
    assert auth.user_for_token(session, token) is None
    token = auth.redeem_ticket(session, auth.issue_ticket(session, uid))
    users.set_active(session, None, uid, False)
    assert auth.user_for_token(session, token) is None


def test_cookie_signature(session, uid):
    signed = auth.sign(session, "abc")
    assert auth.unsign(session, signed) == "abc"
    assert auth.unsign(session, signed[:-2] + "xx") is None
    assert auth.unsign(session, None) is None
