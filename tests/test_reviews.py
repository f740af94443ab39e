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
