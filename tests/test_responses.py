from datetime import date

import pytest
from sqlmodel import Session, select

from qms import planning, responses
from qms.errors import PermissionDenied, ValidationError
from qms.models import Audit, ChangeLog, ChecklistItem


@pytest.fixture
def unit(session, org):
    return planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])


@pytest.fixture
def item(session, org):
    return session.exec(select(ChecklistItem).where(ChecklistItem.checklist_id == org["checklist"])
                        .order_by(ChecklistItem.position)).first().id


def test_save_survives_a_new_session_and_starts_the_audit(session, engine, org, unit, item):
    saved = responses.save(session, org["second"], unit, item, {"result": "nc_minor", "evidence": "Thiếu phiếu"}, 0)
    assert saved["version"] == 1
    with Session(engine) as fresh:  # a reload, another tab or another device
        row = responses.sheet(fresh, unit)[0]["answer"]
        assert (row["result"], row["evidence"], row["version"]) == ("nc_minor", "Thiếu phiếu", 1)
        assert fresh.get(Audit, org["audit"]).status == "in_progress"
    log = session.exec(select(ChangeLog).where(ChangeLog.entity == "response")).all()
    assert {(c.field, c.new) for c in log} >= {("result", "nc_minor"), ("evidence", "Thiếu phiếu")}


def test_second_auditor_edit_conflict_keeps_both_versions(session, engine, org, unit, item):
    first = responses.save(session, org["second"], unit, item, {"result": "conform"}, 0)
    with Session(engine) as other:  # the lead auditor, on another device, loaded version 1 too
        responses.save(other, org["lead"], unit, item, {"evidence": "Đã xem 5 hồ sơ"}, first["version"])
    with pytest.raises(responses.EditConflict) as err:
        responses.save(session, org["second"], unit, item, {"evidence": "Bản của tôi"}, first["version"])
    assert err.value.theirs["evidence"] == "Đã xem 5 hồ sơ" and err.value.theirs["answered_by"] == "Lead"
    assert err.value.mine["evidence"] == "Bản của tôi"
    session.expire_all()
    assert responses.sheet(session, unit)[0]["answer"]["evidence"] == "Đã xem 5 hồ sơ"


def test_only_assigned_auditors_answer(session, org, unit, item):
    for user in (org["rep"], org["auditee"], org["viewer"], org["admin"]):
        with pytest.raises(PermissionDenied):
            responses.save(session, user, unit, item, {"result": "conform"}, 0)
    responses.save(session, org["lead"], unit, item, {"result": "conform"}, 0)  # the lead may


def test_bad_result_refused(session, org, unit, item):
    with pytest.raises(ValidationError):
        responses.save(session, org["second"], unit, item, {"result": "great"}, 0)


def test_progress_per_unit_and_clause(session, org, unit, item):
    responses.save(session, org["second"], unit, item, {"result": "conform"}, 0)
    done = responses.progress(responses.sheet(session, unit))
    assert done["answered"] == 1 and done["total"] == 170  # 176 questions less six 8.3 clauses (N/A)
    assert done["clauses"]["4.1"]["answered"] == 1
    assert [u["audit_unit_id"] for u in responses.my_units(session, org["second"])] == [unit]
    assert responses.my_units(session, org["auditee"]) == []
