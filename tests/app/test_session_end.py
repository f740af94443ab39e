"""A session that ends between two clicks: what the screen shows in the seconds before it notices."""

from __future__ import annotations

from sqlmodel import Session, select

from qms import db, users
from qms.models import User
from tests.app.conftest import sign_in


def test_a_refusal_right_after_a_deactivation_is_the_sign_in_not_a_traceback(writable_demo_url):
    at = sign_in("viewer")
    at.switch_page("pages/dashboard.py").run()
    assert not at.exception
    with Session(db.get_engine(writable_demo_url)) as s:
        users.set_active(s, None, s.exec(select(User.id).where(User.username == "viewer")).one(), False)
    at.run()  # within the screen's 2 s check: the domain, which always checks, refuses first
    assert not at.exception, at.exception[0].message if at.exception else ""
