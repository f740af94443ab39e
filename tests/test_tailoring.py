from datetime import date

import pytest

from qms import checklists, tailoring
from qms.errors import PermissionDenied, ValidationError
from qms.models import Audit, AuditProgramme, AuditStatus, AuditUnit, ChangeLog, Role, Unit
from sqlmodel import select


@pytest.fixture
def audit(session, admin_id):
    checklists.load_bundled(session)
    checklist = checklists.latest(session, "tcvn-iso-9001-2015")
    programme = AuditProgramme(year=2026)
    unit = Unit(code="SKHCN", name="Sở KH&CN")
    session.add_all([programme, unit])
    session.flush()
    audit = Audit(programme_id=programme.id, code="ĐGNB-2026-01", title="Đợt 1", checklist_id=checklist.id,
                  planned_start=date(2026, 11, 1))
    session.add(audit)
    session.flush()
    au = AuditUnit(audit_id=audit.id, unit_id=unit.id)
    session.add(au)
    session.commit()
    return audit.id, au.id


def test_default_scope_proposes_8_3_not_applicable(session, audit):
    audit_id, _ = audit
    scope = tailoring.scope(session, audit_id)
    assert set(scope["exclusions"]) == {f"8.3.{n}" for n in range(1, 7)}
    assert all(scope["exclusions"].values())
    assert "8.3.1" not in scope["in_scope"] and "4.1" in scope["in_scope"]


def test_not_applicable_needs_a_justification(session, admin_id, audit):
    audit_id, au_id = audit
    with pytest.raises(ValidationError) as err:
        tailoring.save(session, admin_id, audit_id, None, [], {"8.3.1": "  "})
    assert err.value.key == "error.na_justification_required"
    with pytest.raises(ValidationError) as err:
        tailoring.save(session, admin_id, audit_id, au_id, ["4.1", "7.1.5.1"], {"7.1.5.1": "Không có thiết bị đo"})
    assert err.value.key == "error.clause_in_scope_and_na"


def test_unit_scope_and_inherited_exclusions(session, admin_id, audit):
    audit_id, au_id = audit
    tailoring.save(session, admin_id, audit_id, None, [], {"8.3.1": "Không thiết kế dịch vụ"})
    tailoring.save(session, admin_id, audit_id, au_id, ["4.1", "7.5.3"], {"7.1.5.2": "Không dùng thiết bị đo"})
    scope = tailoring.scope(session, audit_id, au_id)
    assert scope["in_scope"] == ["4.1", "7.5.3"]
    assert scope["exclusions"] == {"8.3.1": "Không thiết kế dịch vụ", "7.1.5.2": "Không dùng thiết bị đo"}
    assert scope["inherited"] == ["8.3.1"]
    assert session.exec(select(ChangeLog).where(ChangeLog.entity == "auditunit")).all()


def test_only_iso_rep_tailors_and_not_after_the_report(session, make_user, admin_id, audit):
    audit_id, au_id = audit
    auditor = make_user("kiemtra", Role.auditor)
    with pytest.raises(PermissionDenied):
        tailoring.save(session, auditor, audit_id, None, [], {})
    row = session.get(Audit, audit_id)
    row.status = AuditStatus.report_issued
    session.add(row)
    session.commit()
    with pytest.raises(ValidationError) as err:
        tailoring.save(session, admin_id, audit_id, au_id, ["4.1"], {})
    assert err.value.key == "error.audit_locked"
