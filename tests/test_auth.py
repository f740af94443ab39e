from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from qms import auth, clock, passwords, users
from qms.errors import AuthError, PermissionDenied
from qms.models import AuthToken, Role
from sqlmodel import Session, select

ATTACKER, VICTIM, ELSEWHERE = "203.0.113.66", "198.51.100.7", "192.0.2.15"


@pytest.fixture(autouse=True)
def quick_unknown_names(monkeypatch):
    """An unknown name is checked against a dummy hash made at full cost; these tests try hundreds of them."""
    monkeypatch.setattr(passwords, "_DUMMY_HASH", passwords._hasher.hash("not-a-real-password"))


@pytest.fixture
def uid(session):
    return users.create_user(session, None, "hoa", "Hoa", "correct-horse", [Role.viewer])


@pytest.fixture
def advance(monkeypatch):
    """Move the clock forward by some seconds (the throttle reads clock.now)."""
    real, offset = clock.now, [timedelta(0)]
    monkeypatch.setattr(clock, "now", lambda: real() + offset[0])

    def move(seconds: float) -> None:
        offset[0] += timedelta(seconds=seconds)
    return move


def outcome(session, username, password, address) -> tuple[str, dict] | int:
    """What one attempt gets: the user id, or the refusal's key and parameters."""
    try:
        return auth.authenticate(session, username, password, address)
    except AuthError as err:
        return err.key, err.params


def test_valid_credentials(session, uid):
    assert auth.authenticate(session, " HOA ", "correct-horse") == uid


def test_wrong_password_and_unknown_user_get_the_same_message(session, uid):
    keys = set()
    for username in ("hoa", "nobody"):
        with pytest.raises(AuthError) as err:
            auth.authenticate(session, username, "wrong")
        keys.add(err.value.key)
    assert keys == {"error.signin_failed"}


def test_failures_slow_the_attacker_but_not_the_owner_elsewhere(session, uid, advance):
    for _ in range(50):  # ten times the old lock-out threshold, a minute apart, from one address
        advance(auth.MAX_ADDRESS_DELAY)
        assert outcome(session, "hoa", "wrong-guess", ATTACKER)[0] in ("error.signin_failed", "error.signin_wait")
    assert outcome(session, "hoa", "correct-horse", ATTACKER)[0] == "error.signin_wait"  # the attacker's address waits
    wait = outcome(session, "hoa", "correct-horse", VICTIM)  # a new address waits the name's short delay at most
    assert wait[0] == "error.signin_wait" and 0 < wait[1]["seconds"] <= auth.MAX_USER_DELAY
    advance(wait[1]["seconds"])
    assert outcome(session, "hoa", "correct-horse", VICTIM) == uid


def test_an_address_the_owner_used_before_is_not_held_by_the_name_delay(session, uid, advance):
    assert auth.authenticate(session, "hoa", "correct-horse", VICTIM) == uid
    for _ in range(auth.USER_FREE + 5):
        outcome(session, "hoa", "wrong-guess", ATTACKER)
    assert outcome(session, "hoa", "correct-horse", ELSEWHERE)[0] == "error.signin_wait"
    assert outcome(session, "hoa", "correct-horse", VICTIM) == uid


def test_delay_grows_doubling_to_its_cap_and_waiting_is_not_a_failure(session, uid, advance):
    seen = []
    for n in range(auth.USER_FREE + 8):
        refused = outcome(session, "hoa", "wrong-guess", f"10.0.0.{n}")  # a new address each time
        seen.append(refused[1].get("seconds", 0))
        for _ in range(3 if seen[-1] else 0):  # knocking while told to wait changes nothing
            assert outcome(session, "hoa", "correct-horse", "10.1.0.1") == refused
        advance(seen[-1])
    assert seen == [0] * (auth.USER_FREE - 1) + [1, 2, 4, 8, 16, 30, 30, 30, 30]
    assert auth.MAX_USER_DELAY == 30


def test_one_address_spraying_many_names_is_slowed(session, uid, advance):
    for n in range(auth.ADDRESS_FREE - 1):
        assert outcome(session, f"guess{n}", "wrong-guess", ATTACKER) == ("error.signin_failed", {})
    assert outcome(session, "last.guess", "wrong-guess", ATTACKER) == ("error.signin_wait", {"seconds": 1})
    assert outcome(session, "hoa", "correct-horse", ATTACKER) == ("error.signin_wait", {"seconds": 1})
    assert outcome(session, "hoa", "correct-horse", VICTIM) == uid


def test_addresses_of_one_ipv6_network_count_as_one(session, uid):
    """Anyone holding an IPv6 /64 can change address at every attempt; the network is what is counted."""
    for n in range(auth.ADDRESS_FREE):
        outcome(session, f"guess{n}", "wrong-guess", f"2001:db8:1:2::{n + 1:x}")
    assert outcome(session, "hoa", "correct-horse", "2001:db8:1:2:aaaa::1")[0] == "error.signin_wait"
    assert outcome(session, "hoa", "correct-horse", "2001:db8:1:3::1") == uid


def test_failures_are_forgiven_with_time(session, uid, advance):
    for _ in range(auth.USER_FREE + 3):
        outcome(session, "hoa", "wrong-guess", ATTACKER)
        advance(auth.MAX_ADDRESS_DELAY)
    advance(auth.FORGIVE_SECONDS * (auth.USER_FREE + 3))
    assert auth.throttle_state(session, "hoa") == {"failures": 0, "wait": 0}
    assert outcome(session, "hoa", "correct-horse", ATTACKER) == uid


def test_every_failure_reads_the_same_for_a_real_and_an_unknown_name(session, uid, make_user, advance):
    gone = make_user("gone", Role.viewer)
    users.set_active(session, None, gone, False)
    runs = {}
    for n, (username, password) in enumerate([("hoa", "wrong-guess"), ("nobody", "wrong-guess"),
                                              ("gone", "test-pass-2026")]):
        runs[username] = [outcome(session, username, password, f"10.2.{n}.{i % 2}") for i in range(auth.USER_FREE + 3)]
    assert runs["hoa"] == runs["nobody"] == runs["gone"]
    assert {r[0] for r in runs["hoa"]} == {"error.signin_failed", "error.signin_wait"}


def test_the_throttle_lives_in_the_database(engine, session, uid):
    """Several app server processes share it: another connection sees the failures."""
    for _ in range(auth.USER_FREE):
        outcome(session, "hoa", "wrong-guess", ATTACKER)
    with Session(engine) as other:
        assert auth.throttle_state(other, "hoa")["failures"] == auth.USER_FREE
        assert outcome(other, "hoa", "correct-horse", ELSEWHERE)[0] == "error.signin_wait"


def test_failures_counted_at_the_same_moment_are_all_counted(engine, session, uid):
    """Several server processes record failures from one address at once: none of the counts is lost."""
    def fail(n: int) -> str:
        with Session(engine) as own:
            return outcome(own, f"guess{n}", "wrong-guess", ATTACKER)[0]
    with ThreadPoolExecutor(max_workers=6) as pool:
        assert set(pool.map(fail, range(12))) == {"error.signin_failed"}
    for n in range(12, auth.ADDRESS_FREE - 1):
        assert outcome(session, f"guess{n}", "wrong-guess", ATTACKER) == ("error.signin_failed", {})
    assert outcome(session, "last.guess", "wrong-guess", ATTACKER) == ("error.signin_wait", {"seconds": 1})


def test_admin_unlock_clears_the_delay(session, uid, admin_id, make_user):
    for _ in range(auth.USER_FREE + 4):
        outcome(session, "hoa", "wrong-guess", ATTACKER)
    with pytest.raises(PermissionDenied):
        users.unlock(session, make_user("rep", Role.iso_rep), uid)
    users.unlock(session, admin_id, uid)
    assert auth.throttle_state(session, "hoa") == {"failures": 0, "wait": 0}
    assert outcome(session, "hoa", "correct-horse", VICTIM) == uid


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
    # One character in the middle of the signature, changed for sure ("xx" at the end failed when it was already
    # there, and the last character carries bits the decoder ignores).
    middle = len(signed) - 6
    tampered = signed[:middle] + ("A" if signed[middle] != "A" else "B") + signed[middle + 1:]
    assert auth.unsign(session, tampered) is None
    assert auth.unsign(session, None) is None
