from datetime import date

import pytest
from sqlmodel import select

from qms import planning, responses
from qms.errors import NotFound, PermissionDenied, ValidationError
from qms.models import Audit, AuditUnit, ChangeLog, ChecklistItem


def test_audit_codes_follow_the_year(session, org):
    assert session.get(Audit, org["audit"]).code == "ĐGNB-2026-01"
    second = planning.create_audit(session, org["rep"], 2026, "Đợt 2", org["checklist"], date(2026, 12, 1),
                                   date(2026, 12, 5), org["lead"], [org["lead"]])
    assert session.get(Audit, second).code == "ĐGNB-2026-02"


def test_impartiality_refusal_names_auditor_and_unit(session, org):
    with pytest.raises(ValidationError) as err:
        planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["second"]])
    assert err.value.key == "error.impartiality"
    assert err.value.params == {"auditor": "Second", "unit": "Sở Khoa học và Công nghệ"}
    with pytest.raises(ValidationError):  # a sub-unit of one's own department is not impartial either
        planning.plan_unit(session, org["rep"], org["audit"], org["a_div"], date(2026, 11, 5), [org["second"]])
    assert session.exec(select(AuditUnit)).all() == []
    au = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    assert session.get(AuditUnit, au).unit_id == org["a"]


def test_plan_unit_checks(session, org):
    with pytest.raises(ValidationError) as err:
        planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [])
    assert err.value.key == "error.auditors_required"
    with pytest.raises(ValidationError) as err:
        planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2027, 1, 5), [org["second"]])
    assert err.value.key == "error.date_outside_audit"
    with pytest.raises(PermissionDenied):
        planning.plan_unit(session, org["lead"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])
    with pytest.raises(NotFound):
        planning.create_audit(session, org["rep"], 2030, "x", org["checklist"], date(2030, 1, 1),
                              date(2030, 1, 2), org["lead"], [])


def test_copy_last_year_resets_everything_but_the_plan(session, org):
    au = planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])
    item = session.exec(select(ChecklistItem).where(ChecklistItem.checklist_id == org["checklist"])).first()
    responses.save(session, org["second"], au, item.id, {"result": "conform"}, 0)
    planning.copy_programme(session, org["rep"], 2026, 2027)
    copy = session.exec(select(Audit).where(Audit.code == "ĐGNB-2027-01")).one()
    assert (copy.status, copy.planned_start, copy.title) == ("planned", date(2027, 11, 1), "Đánh giá nội bộ 2027")
    unit = session.exec(select(AuditUnit).where(AuditUnit.audit_id == copy.id)).one()
    assert unit.audit_date == date(2027, 11, 5)
    assert responses.sheet(session, unit.id)[0]["answer"]["version"] == 0
    with pytest.raises(ValidationError):
        planning.copy_programme(session, org["rep"], 2026, 2027)


def test_coverage_grid(session, org):
    au = planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])
    item = session.exec(select(ChecklistItem).where(ChecklistItem.checklist_id == org["checklist"],
                                                    ChecklistItem.clause == "7.5.3")).first()
    responses.save(session, org["second"], au, item.id, {"result": "conform"}, 0)
    cells = {(c["unit"], c["group"]): c["state"] for c in planning.coverage(session, 2026)}
    assert cells[("SNV", "7")] == "audited" and cells[("SNV", "4")] == "planned"
    assert not any(unit == "SKHCN" for unit, _ in cells)
    clauses = planning.coverage_of_unit(session, 2026, org["b"])
    assert clauses["7.5.3"] == "audited" and clauses["4.1"] == "planned" and "8.3.1" not in clauses
    assert planning.coverage_of_unit(session, 2026, org["a"]) == {}
    assert session.exec(select(ChangeLog).where(ChangeLog.entity == "auditunit")).all()
