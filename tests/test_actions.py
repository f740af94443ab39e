"""The ISO 9001 10.2 chain: every gate, every refusal, and the history of every step."""

from datetime import timedelta

import pytest
from sqlmodel import select

from qms import actions, changelog, clock
from qms.errors import NotFound, PermissionDenied, ValidationError
from qms.models import ActionItem, Finding


def plan(session, org, finding_id, **overrides):
    values = {"correction": "Đã gọi điện xin lỗi và trả kết quả cho 2 công dân",
              "correction_by": "Trưởng phòng", "correction_date": clock.today(),
              "root_cause": "", "why_steps": ["Không có phiếu xin lỗi", "Công chức mới không biết mẫu"],
              "cause_category": "people",
              "rows": [{"action": "Tập huấn quy trình cho công chức Một cửa", "owner_name": "Trưởng phòng",
                        "due_date": clock.today() + timedelta(days=30)}]}
    values.update(overrides)
    actions.save_plan(session, org["auditee"], finding_id, **values)


def status(session, finding_id):
    session.expire_all()
    return session.get(Finding, finding_id).status


def test_whole_chain_with_a_return_and_a_reopen(session, org, issued):
    nc = issued["nc"]
    plan(session, org, nc)
    actions.submit_plan(session, org["auditee"], nc)
    actions.return_plan(session, org["rep"], nc, "Nguyên nhân chưa đến gốc")
    assert status(session, nc) == "issued"
    actions.submit_plan(session, org["auditee"], nc)
    actions.accept_plan(session, org["rep"], nc)
    item = session.exec(select(ActionItem)).one()
    actions.report_done(session, org["auditee"], item.id, clock.today(), "Biên bản tập huấn ngày 20/11")
    actions.mark_implemented(session, org["auditee"], nc)
    actions.verify(session, org["rep"], nc, False, "Tháng sau vẫn có hồ sơ trễ không có phiếu")
    assert status(session, nc) == "plan_accepted"
    assert actions.chain(session, None, nc)["action"]["reopen_count"] == 1
    plan(session, org, nc, rows=[{"action": "Cài nhắc hạn trên phần mềm một cửa", "owner_name": "CNTT",
                                  "due_date": clock.today() + timedelta(days=10)}])
    for row in actions.chain(session, None, nc)["rows"]:
        if row["done_date"] is None:
            actions.report_done(session, org["auditee"], row["id"], clock.today(), "Ảnh chụp cấu hình")
    actions.mark_implemented(session, org["auditee"], nc)
    actions.verify(session, org["rep"], nc, True, "Kiểm tra 10 hồ sơ tháng 12: đúng hạn")
    actions.close(session, org["rep"], nc)
    assert status(session, nc) == "closed"
    steps = [(c["field"], c["old"], c["new"]) for c in changelog.history(session, "finding", nc)
             if c["field"] == "status"]
    assert [s[2] for s in steps] == ["draft", "issued", "plan_submitted", "issued", "plan_submitted",
                                      "plan_accepted", "implemented", "plan_accepted", "implemented",
                                      "verified_effective", "closed"]
    assert changelog.history(session, "correctiveaction", actions.chain(session, None, nc)["action"]["id"])


@pytest.mark.parametrize("override,key", [
    ({"correction": ""}, "error.gate_correction"),
    ({"why_steps": [], "root_cause": ""}, "error.gate_root_cause"),
    ({"rows": []}, "error.gate_action"),
    ({"rows": [{"action": "Không có hạn", "owner_name": "A", "due_date": None}]}, "error.gate_action"),
])
def test_submission_gates(session, org, issued, override, key):
    plan(session, org, issued["nc"], **override)
    with pytest.raises(ValidationError) as err:
        actions.submit_plan(session, org["auditee"], issued["nc"])
    assert err.value.key == key and status(session, issued["nc"]) == "issued"


def test_no_verification_before_implementation_and_no_closure_without_note(session, org, issued):
    nc = issued["nc"]
    plan(session, org, nc)
    actions.submit_plan(session, org["auditee"], nc)
    actions.accept_plan(session, org["rep"], nc)
    with pytest.raises(ValidationError) as err:
        actions.verify(session, org["rep"], nc, True, "Sớm quá")
    assert err.value.key == "error.wrong_step"
    with pytest.raises(ValidationError) as err:
        actions.mark_implemented(session, org["auditee"], nc)
    assert err.value.key == "error.gate_actions_done"
    item = session.exec(select(ActionItem)).one()
    with pytest.raises(ValidationError):
        actions.report_done(session, org["auditee"], item.id, clock.today() + timedelta(days=1), "Tương lai")
    actions.report_done(session, org["auditee"], item.id, clock.today(), "Biên bản")
    actions.mark_implemented(session, org["auditee"], nc)
    with pytest.raises(ValidationError) as err:
        actions.verify(session, org["rep"], nc, True, "  ")
    assert err.value.key == "error.gate_verification_note"
    with pytest.raises(ValidationError):
        actions.close(session, org["rep"], nc)


def test_observation_closes_with_a_note_and_no_plan(session, org, issued):
    with pytest.raises(ValidationError):
        plan(session, org, issued["obs"])
    with pytest.raises(ValidationError) as err:
        actions.close(session, org["rep"], issued["obs"], "")
    assert err.value.key == "error.gate_close_note"
    actions.close(session, org["rep"], issued["obs"], "Đơn vị đã ghi nhận")
    assert status(session, issued["obs"]) == "closed"


def test_only_the_right_role_and_scope_can_act(session, org, issued, make_user):
    nc = issued["nc"]
    other_head = make_user("khac", "auditee", unit_ids=[org["b"]])
    for user in (org["rep"], org["lead"], org["viewer"], other_head):
        with pytest.raises(PermissionDenied):
            plan(session, {**org, "auditee": user}, nc)
    plan(session, org, nc)
    actions.submit_plan(session, org["auditee"], nc)
    for user in (org["auditee"], org["lead"], org["admin"], org["viewer"]):
        with pytest.raises(PermissionDenied):
            actions.accept_plan(session, user, nc)
    assert actions.next_steps(session, org["rep"], nc) == ["accept", "return"]
    assert actions.next_steps(session, org["auditee"], nc) == []
    with pytest.raises(NotFound):
        actions.submit_plan(session, org["auditee"], 999_999)


def test_return_needs_a_comment(session, org, issued):
    plan(session, org, issued["nc"])
    actions.submit_plan(session, org["auditee"], issued["nc"])
    with pytest.raises(ValidationError) as err:
        actions.return_plan(session, org["rep"], issued["nc"], " ")
    assert err.value.key == "error.comment_required"
