"""Management review: the record, decisions tracked as actions, and the next review reporting on them."""

from datetime import date, timedelta

import pytest

from qms import clock, reviews
from qms.errors import PermissionDenied, ValidationError


def test_decisions_become_actions_that_the_next_review_reports(session, org, issued):
    first = reviews.create(session, org["rep"], date(2026, 1, 15), "Phó Chủ tịch UBND tỉnh")
    reviews.save_record(session, org["rep"], first, date(2026, 1, 15), "Phó Chủ tịch UBND tỉnh",
                        "Ban chỉ đạo ISO; thủ trưởng các sở", {"satisfaction": "Chỉ số hài lòng 92%"},
                        "Duy trì HTQLCL; bổ sung nguồn lực cho Trung tâm PVHCC")
    done = reviews.add_decision(session, org["rep"], first, "Cập nhật 25 quy trình theo danh mục TTHC mới",
                                "Thư ký ISO", date(2026, 3, 31))
    reviews.add_decision(session, org["rep"], first, "Khảo sát hài lòng quý II", "Trung tâm PVHCC", date(2026, 6, 30))
    reviews.complete_decision(session, org["rep"], done, date(2026, 3, 20), "Quyết định ban hành quy trình số 12")
    record = reviews.get(session, org["viewer"], first)
    assert record["status"] == "held" and record["inputs"]["satisfaction"] == "Chỉ số hài lòng 92%"
    second = reviews.create(session, org["rep"], clock.today(), "Chủ tịch UBND tỉnh")
    live = reviews.live_inputs(session, org["viewer"], reviews.get(session, org["viewer"], second), clock.today())
    states = {(a["action"], a["done_date"] is not None, a["overdue"]) for a in live["previous_actions"]}
    assert states == {("Cập nhật 25 quy trình theo danh mục TTHC mới", True, False),
                      ("Khảo sát hài lòng quý II", False, True)}
    assert live["overdue"] >= 0 and any(a["code"] == "ĐGNB-2026-01" for a in live["audits"])
    assert sum(r["count"] for r in live["status_grade"]) == 2
    assert reviews.list_reviews(session, org["viewer"])[1]["open"] == 1


def test_only_the_iso_rep_records_and_leaders_read(session, org):
    with pytest.raises(PermissionDenied):
        reviews.create(session, org["viewer"], clock.today(), "x")
    with pytest.raises(PermissionDenied):
        reviews.list_reviews(session, org["auditee"])
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch")
    with pytest.raises(ValidationError) as err:
        reviews.add_decision(session, org["rep"], review, "Tăng cường tập huấn", "", None)
    assert err.value.key == "error.decision_owner_due"
    with pytest.raises(ValidationError):
        reviews.save_record(session, org["rep"], review, clock.today(), " ", "", {}, "")
    assert reviews.decisions(session, review, clock.today() + timedelta(days=1)) == []


def test_a_decision_recorded_twice_is_refused(session, org):
    """Seen: the same decision accepted silently a second time (a double click, or typed again with other case)."""
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch")
    reviews.add_decision(session, org["rep"], review, "Tăng cường tập huấn ISO", "Thư ký ISO", clock.today())
    with pytest.raises(ValidationError) as err:
        reviews.add_decision(session, org["rep"], review, "  tăng cường  tập huấn iso ", "Văn phòng",
                             clock.today() + timedelta(days=30))
    assert err.value.key == "error.decision_duplicate"
    assert [d["action"] for d in reviews.decisions(session, review, clock.today())] == ["Tăng cường tập huấn ISO"]
    other = reviews.create(session, org["rep"], clock.today() - timedelta(days=1), "Chủ tịch")
    reviews.add_decision(session, org["rep"], other, "Tăng cường tập huấn ISO", "Thư ký ISO", clock.today())


def _open_findings(live: dict) -> int:
    return sum(r["count"] for r in live["status_grade"] if r["status"] not in ("closed", "draft"))


def test_a_held_review_keeps_the_figures_it_was_held_with(session, org, issued):
    from qms.models import Finding, FindingStatus
    today = clock.today()
    held = reviews.create(session, org["rep"], today, "Chủ tịch UBND tỉnh")
    reviews.save_record(session, org["rep"], held, today, "Chủ tịch UBND tỉnh", "Ban chỉ đạo ISO", {}, "")
    review = reviews.get(session, org["viewer"], held)
    assert review["figures_at"] is not None
    kept = reviews.live_inputs(session, org["viewer"], review, today)
    assert kept["frozen"] and _open_findings(kept) == 2
    assert reviews.figures_note(review, kept, today) == "review.figures_frozen"
    # Work goes on after the meeting: a finding is closed.
    finding = session.get(Finding, issued["nc"])
    finding.status, finding.closed_at = FindingStatus.closed, clock.now()
    session.add(finding)
    session.commit()
    later = today + timedelta(days=40)
    again = reviews.live_inputs(session, org["viewer"], reviews.get(session, org["viewer"], held), later)
    assert _open_findings(again) == 2 and again["counted_at"] == review["figures_at"]
    # Saving the record again does not count them again.
    reviews.save_record(session, org["rep"], held, today, "Chủ tịch UBND tỉnh", "Ban chỉ đạo ISO; Thư ký", {}, "")
    assert _open_findings(reviews.live_inputs(session, org["viewer"], reviews.get(session, org["viewer"], held),
                                              later)) == 2
    # A meeting still to come shows today's figures.
    coming = reviews.create(session, org["rep"], today + timedelta(days=7), "Chủ tịch UBND tỉnh")
    reviews.save_record(session, org["rep"], coming, today + timedelta(days=7), "Chủ tịch UBND tỉnh",
                        "Ban chỉ đạo ISO", {}, "")
    upcoming = reviews.get(session, org["viewer"], coming)
    live = reviews.live_inputs(session, org["viewer"], upcoming, today)
    assert upcoming["figures"] is None and not live["frozen"] and _open_findings(live) == 1
    assert reviews.figures_note(upcoming, live, today) == "review.figures_live"


def test_a_review_held_before_figures_were_kept_says_its_figures_are_current(session, org):
    from qms.models import ManagementReview
    session.add(ManagementReview(held_on=date(2025, 12, 15), chair="Phó Chủ tịch", status="held", inputs={}))
    session.commit()
    review = reviews.list_reviews(session, org["viewer"])[0]
    review = reviews.get(session, org["viewer"], review["id"])
    live = reviews.live_inputs(session, org["viewer"], review, clock.today())
    assert reviews.figures_note(review, live, clock.today()) == "review.figures_not_kept"
