from datetime import date

import pytest
from sqlmodel import select

from qms import clock, completion, findings, planning, responses
from qms.errors import PermissionDenied, ValidationError
from qms.models import Audit, ChangeLog, Finding


@pytest.fixture
def answered(session, org):
    """One unit planned; every question answered by the assigned auditor, one minor NC and one OFI."""
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])
    rows = responses.sheet(session, unit)
    for n, row in enumerate(rows):
        result = {0: "nc_minor", 1: "ofi"}.get(n, "conform" if n % 7 else "not_audited")
        responses.save(session, org["second"], unit, row["id"], {"result": result, "evidence": f"E{n}"}, 0)
    return unit, rows


def test_unanswered_questions_block_completion(session, org):
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])
    first = responses.sheet(session, unit)[0]
    responses.save(session, org["second"], unit, first["id"], {"result": "conform"}, 0)
    with pytest.raises(ValidationError) as err:
        completion.complete(session, org["lead"], org["audit"])
    assert err.value.key == "error.unanswered_left" and err.value.params == {"n": 169}


def test_graded_answers_need_a_finding(session, org, answered):
    with pytest.raises(ValidationError) as err:
        completion.complete(session, org["lead"], org["audit"])
    assert err.value.key == "error.graded_without_finding" and err.value.params == {"n": 2}


def test_issue_report_numbers_findings_and_starts_deadlines(session, org, answered):
    unit, _ = answered
    graded = [r for r in responses.sheet(session, unit) if r["answer"]["result"] in ("nc_minor", "ofi")]
    ids = [findings.raise_from_response(session, org["second"], r["answer"]["id"]) for r in graded]
    findings.update_draft(session, org["second"], ids[0], "major", "Trả kết quả trễ hạn không có phiếu xin lỗi",
                          "2/10 hồ sơ", "TCVN ISO 9001:2015, 8.7")
    # Drafts stay with the audit side until the report is issued.
    assert findings.register(session, org["auditee"], findings.RegisterFilter(), clock.today())[1] == 0
    with pytest.raises(PermissionDenied):
        completion.complete(session, org["second"], org["audit"])  # only the lead auditor
    completion.complete(session, org["lead"], org["audit"])
    with pytest.raises(ValidationError):
        responses.save(session, org["second"], unit, graded[0]["id"], {"result": "conform"}, 1)  # answers lock
    codes = completion.issue_report(session, org["lead"], org["audit"])
    assert codes == ["NC-2026-001", "OFI-2026-001"]
    nc = session.get(Finding, ids[0])
    assert nc.status == "issued" and nc.plan_due is not None and nc.grade == "major"
    assert session.get(Finding, ids[1]).plan_due is None
    assert session.get(Audit, org["audit"]).status == "report_issued"
    assert findings.register(session, org["rep"], findings.RegisterFilter(), clock.today())[1] == 2


def test_reopen_is_an_admin_action_and_logged(session, org, answered):
    unit, _ = answered
    for r in responses.sheet(session, unit):
        if r["answer"]["result"] in ("nc_minor", "ofi"):
            findings.raise_from_response(session, org["second"], r["answer"]["id"])
    completion.complete(session, org["lead"], org["audit"])
    completion.issue_report(session, org["lead"], org["audit"])
    with pytest.raises(PermissionDenied):
        completion.reopen(session, org["rep"], org["audit"], "Sửa lỗi đánh máy")
    with pytest.raises(ValidationError):
        completion.reopen(session, org["admin"], org["audit"], " ")
    completion.reopen(session, org["admin"], org["audit"], "Sửa lỗi đánh máy")
    assert session.get(Audit, org["audit"]).status == "in_progress"
    log = session.exec(select(ChangeLog).where(ChangeLog.entity == "audit", ChangeLog.field == "reopen_reason")).one()
    assert log.new == "Sửa lỗi đánh máy" and log.user_id == org["admin"]
