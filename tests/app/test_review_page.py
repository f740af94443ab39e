"""The management review screen works on the meeting picked, even when two meetings read the same."""

from __future__ import annotations

from sqlmodel import Session, select

from qms import clock, db, reviews
from qms.models import User
from tests.app.conftest import no_errors, sign_in


def test_two_meetings_on_one_day_with_one_chair_each_get_their_own_work(writable_demo_url):
    """Seen: with two such meetings the record and the decision went into the older one (Streamlit sends a pick
    back as its label, and took the first option with that label)."""
    engine = db.get_engine(writable_demo_url)
    with Session(engine) as s:
        rep = s.exec(select(User.id).where(User.username == "isorep")).one()
        older = reviews.create(s, rep, clock.today(), "Chủ tịch UBND tỉnh")
        newer = reviews.create(s, rep, clock.today(), "Chủ tịch UBND tỉnh")
    at = sign_in("isorep")
    at.switch_page("pages/review.py").run()
    picker = at.selectbox(key="review_pick")
    labels = picker.options
    assert len(set(labels)) == len(labels)  # every meeting told apart
    picker.set_value(newer).run()
    no_errors(at)
    assert at.session_state["review_id"] == newer
    picker = at.selectbox(key="review_pick")
    picker.set_value(older).run()
    assert at.session_state["review_id"] == older


def test_a_saved_notice_does_not_follow_onto_the_meeting_screen(writable_demo_url):
    """Seen: the secretary's "saved" stayed on the slide the room was looking at."""
    engine = db.get_engine(writable_demo_url)
    with Session(engine) as s:
        rep = s.exec(select(User.id).where(User.username == "isorep")).one()
        review = reviews.create(s, rep, clock.today(), "Chủ tịch UBND tỉnh")
    at = sign_in("isorep")
    at.switch_page("pages/review.py").run()
    at.selectbox(key="review_pick").set_value(review).run()
    at.session_state["_flash"] = "Đã lưu."  # what a save leaves for the next run
    at.session_state["review_present"] = True
    at.run()
    no_errors(at)
    assert not at.toast and "_flash" not in at.session_state
    assert at.session_state["review_present"]
