from datetime import date

import pytest

from qms import planning, tailoring
from qms.errors import PermissionDenied, ValidationError
from qms.models import Audit, AuditStatus, ChangeLog, Role
from sqlmodel import select


@pytest.fixture
def audit(session, org):
    """The org's 2026 audit with one unit planned; returns (audit id, audit-unit id)."""
    au = planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])
    return org["audit"], au


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
