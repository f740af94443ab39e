from sqlmodel import func, select

from qms import clock, demo, inbox
from qms.models import (ActionItem, AuditUnit, AuditUnitAuditor, Finding, FindingStatus, Response, Role, Unit,
                        UserRole, UserUnit)


def test_demo_organisation(session):
    counts = demo.build(session, years=2)
    assert counts["units"] == len(demo.ORGANISATION) and counts["answers"] > 3000
    assert {r for r in session.exec(select(UserRole.role)).all()} == {r.value for r in Role}
    statuses = set(session.exec(select(Finding.status)).all())
    assert statuses == {s.value for s in FindingStatus}
    assert session.exec(select(func.count()).select_from(Response)).one() == counts["answers"]
    types = set(session.exec(select(Unit.type)).all())
    assert {"ward", "commune", "service_centre", "department"} <= types
    accounts = demo.demo_accounts(session)
    assert {a["username"] for a in accounts} >= {"admin", "isorep", "auditor", "auditee", "viewer"}


def test_demo_has_overdue_work_and_respects_impartiality(session):
    demo.build(session)
    today = clock.today()
    assert inbox.overdue(session, None, today)["total"] > 0
    late_actions = session.exec(select(func.count()).select_from(ActionItem).where(
        ActionItem.done_date.is_(None), ActionItem.due_date < today)).one()
    assert late_actions > 0
    own = session.exec(select(func.count()).select_from(AuditUnitAuditor)
                       .join(AuditUnit, AuditUnit.id == AuditUnitAuditor.audit_unit_id)
                       .join(UserUnit, (UserUnit.user_id == AuditUnitAuditor.user_id)
                             & (UserUnit.unit_id == AuditUnit.unit_id))).one()
    assert own == 0


def test_demo_scales_with_extra_units(session):
    counts = demo.build(session, units=30, years=1, seed=7)
    assert counts["units"] == len(demo.ORGANISATION) + 30
    assert session.exec(select(func.count()).select_from(Unit).where(Unit.code.like("X-%"))).one() >= 20


def test_demo_refuses_a_database_with_data(session, admin_id):
    from qms import units
    import pytest
    from qms.errors import ValidationError
    units.create_unit(session, admin_id, "A", "A")
    with pytest.raises(ValidationError):
        demo.build(session)
