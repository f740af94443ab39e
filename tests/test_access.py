"""Issue 10's observations about who may do what: deactivated users, users with two roles, reads without a check."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from qms import actions, attachments, auth, clock, inbox, permissions, reminders, responses, users
from qms.errors import NotFound, PermissionDenied
from qms.models import Response, Role


def _first_item(session, unit: int) -> int:
    return responses.sheet(session, unit)[0]["id"]


def test_a_deactivated_auditor_can_no_longer_save_an_answer(session, org):
    from qms import planning
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    item = _first_item(session, unit)
    users.set_active(session, org["admin"], org["lead"], False)
    with pytest.raises(PermissionDenied):
        responses.save(session, org["lead"], unit, item, {"result": "conform"}, 0)
    assert session.exec(select(Response).where(Response.audit_unit_id == unit)).all() == []
    assert permissions.roles_of(session, org["lead"]) == set()


@pytest.mark.parametrize("how", ["set_active", "update_user"])
def test_deactivation_ends_every_session_for_good(session, org, how):
    tokens = [auth.redeem_ticket(session, auth.issue_ticket(session, org["auditee"])) for _ in range(2)]
    assert [auth.user_for_token(session, t) for t in tokens] == [org["auditee"]] * 2
    if how == "set_active":
        users.set_active(session, org["admin"], org["auditee"], False)
    else:
        users.update_user(session, org["admin"], org["auditee"], "Auditee", [Role.auditee], [org["a"]], active=False)
    users.set_active(session, org["admin"], org["auditee"], True)  # coming back needs a new sign-in
    assert [auth.user_for_token(session, t) for t in tokens] == [None, None]


def _plan(session, actor: int, finding: int) -> None:
    actions.save_plan(session, actor, finding, "Sửa ngay", "Bà B", None, "Thiếu người", [], "people",
                      [{"action": "Bổ sung", "owner_name": "Bà B", "due_date": date(2026, 12, 30)}])


@pytest.mark.parametrize("second_role", [Role.viewer, Role.auditor])
def test_a_unit_head_with_a_second_role_keeps_their_own_unit(session, org, issued, second_role):
    head = users.create_user(session, None, "truong.phong", "Trưởng phòng", "Mật-khẩu-dài-2026",
                             [Role.auditee, second_role], [org["a"]], email="tp@so.example")
    assert actions.next_steps(session, head, issued["nc"]) == ["plan", "submit"]
    _plan(session, head, issued["nc"])
    actions.submit_plan(session, head, issued["nc"])
    work = inbox.waiting_for(session, head, clock.today())
    assert work["plans_to_submit"]["total"] == 0
    actions.accept_plan(session, org["rep"], issued["nc"])
    work = inbox.waiting_for(session, head, clock.today())
    assert work["actions_to_implement"]["total"] == 1
    mailed = reminders.collect(session, date(2026, 12, 29))
    assert "tp@so.example" in mailed


def test_a_second_role_never_widens_the_unit_head_to_other_units(session, org, issued):
    head = users.create_user(session, None, "truong.b", "Trưởng phòng B", "Mật-khẩu-dài-2026",
                             [Role.auditee, Role.viewer], [org["b"]])
    with pytest.raises(PermissionDenied):
        _plan(session, head, issued["nc"])
    assert actions.next_steps(session, head, issued["nc"]) == []


def test_files_and_the_action_chain_are_read_only_within_scope(session, org, issued):
    _plan(session, org["auditee"], issued["nc"])
    stored = attachments.add(session, org["rep"], "bien-ban.txt", b"bien ban", finding_id=issued["nc"])
    outsider = users.create_user(session, None, "khac.don.vi", "Đơn vị khác", "Mật-khẩu-dài-2026", [Role.auditee],
                                 [org["b"]])
    assert attachments.content(session, org["auditee"], stored["id"])[0] == "bien-ban.txt"
    assert actions.chain(session, org["auditee"], issued["nc"])["action"]["correction"] == "Sửa ngay"
    with pytest.raises((PermissionDenied, NotFound)):
        attachments.content(session, outsider, stored["id"])
    with pytest.raises((PermissionDenied, NotFound)):
        attachments.list_for(session, outsider, finding_id=issued["nc"])
    with pytest.raises((PermissionDenied, NotFound)):
        actions.chain(session, outsider, issued["nc"])
    with pytest.raises(PermissionDenied):
        attachments.add(session, outsider, "x.txt", b"x", finding_id=issued["nc"])
