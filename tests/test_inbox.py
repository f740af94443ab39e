from datetime import timedelta

from sqlmodel import select

from qms import clock, demo, inbox, scope, units
from qms.models import AuditUnit, Finding, FindingStatus, User


def _user(session, username):
    return session.exec(select(User.id).where(User.username == username)).one()


def test_each_role_gets_its_own_lists(session):
    demo.build(session)
    today = clock.today()
    assert set(inbox.waiting_for(session, _user(session, "auditor"), today)) == {"answers"}
    assert set(inbox.waiting_for(session, _user(session, "isorep"), today)) == {
        "plans_to_accept", "verifications_due", "overdue", "process_lag"}
    auditee = inbox.waiting_for(session, _user(session, "auditee"), today)
    assert set(auditee) == {"plans_to_submit", "actions_to_implement", "overdue", "process_lag"}
    # Seen: leadership's "waiting for me" listed 78 overdue findings they have no step to take in; they follow them.
    viewer = inbox.waiting_for(session, _user(session, "viewer"), today)
    assert set(viewer) == {"overdue_followed"} and set(viewer) <= set(inbox.FOLLOWED)
    assert viewer["overdue_followed"]["total"] > 0


def test_auditee_sees_only_own_units_and_sub_units(session):
    demo.build(session)
    auditee = _user(session, "auditee")
    visible = scope.visible_unit_ids(session, auditee)
    skhcn = units.id_for_code(session, "SKHCN")
    assert visible == units.descendant_ids(session, skhcn) and len(visible) == 3
    for kind, found in inbox.waiting_for(session, auditee, clock.today()).items():
        names = {r["unit"].split(" – ", 1)[-1] for r in found["rows"]}  # flags name the unit with its code
        assert names <= {"Sở Khoa học và Công nghệ", "Văn phòng Sở Khoa học và Công nghệ",
                         "Phòng Tiêu chuẩn Đo lường Chất lượng"}, kind


def test_overdue_follows_the_plan_due_date(session):
    demo.build(session)
    today = clock.today()
    finding = session.exec(select(Finding).where(Finding.status == FindingStatus.issued,
                                                 Finding.grade == "minor")).first()
    finding.plan_due = today + timedelta(days=1)
    session.add(finding)
    session.commit()
    ids = {r["id"] for r in inbox.overdue(session, None, today)["rows"]}
    total = inbox.overdue(session, None, today)["total"]
    finding.plan_due = today - timedelta(days=1)
    session.add(finding)
    session.commit()
    assert inbox.overdue(session, None, today)["total"] == total + 1
    assert finding.id not in ids
    au = session.get(AuditUnit, finding.audit_unit_id)
    assert inbox.overdue(session, {au.unit_id}, today)["total"] >= 1


def test_process_lag_waits_for_the_unit_head_of_that_unit_and_the_iso_secretary(session):
    demo.build(session)
    today = clock.today()
    ward = inbox.waiting_for(session, _user(session, "auditee2"), today)["process_lag"]
    assert ward["total"] == 3 and {r["unit"] for r in ward["rows"]} == {"P-HOABINH – UBND phường Hòa Bình"}
    assert {r["kind"] for r in ward["rows"]} == {"no_process", "late", "obsolete"}
    department = inbox.waiting_for(session, _user(session, "auditee"), today)["process_lag"]
    assert {r["unit"] for r in department["rows"]} == {"SKHCN – Sở Khoa học và Công nghệ"}
    assert inbox.waiting_for(session, _user(session, "isorep"), today)["process_lag"]["total"] == \
        ward["total"] + department["total"]
