"""Two people at the same moment: every concurrent write ends in one winner and a clear refusal, never a traceback.

Each race starts its threads on a barrier, on SQLite and PostgreSQL, for ROUNDS rounds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date

import pytest
from sqlmodel import Session, select

from qms import actions, clock, completion, planning
from qms.errors import QMSError, ValidationError
from qms.models import (Audit, AuditStatus, AuditUnit, ChangeLog, CorrectiveAction, Finding, FindingStatus,
                        ActionItem)

ROUNDS = 10


def race(engine, *calls: Callable[[Session], object]) -> list[str]:
    """Run the calls in threads released together; each outcome is 'ok', a refusal key, or an exception name."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call) -> None:
        with Session(engine, expire_on_commit=False) as s:
            barrier.wait()
            try:
                call(s)
                outcomes.append("ok")
            except QMSError as exc:
                outcomes.append(exc.key)
            except Exception as exc:  # noqa: BLE001 - the test is that nothing else escapes
                outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=run, args=(c,)) for c in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return sorted(outcomes)


def _submitted_finding(session, org, issued) -> int:
    """A fresh nonconformity of the issued audit with its plan submitted."""
    nc = session.get(Finding, issued["nc"])
    finding = Finding(audit_unit_id=nc.audit_unit_id, clause=nc.clause, grade="minor", statement="Thiếu hồ sơ",
                      status=FindingStatus.plan_submitted, issued_at=clock.now())
    session.add(finding)
    session.flush()
    action = CorrectiveAction(finding_id=finding.id, correction="Sửa", root_cause="Thiếu", submitted_at=clock.now())
    session.add(action)
    session.flush()
    session.add(ActionItem(corrective_action_id=action.id, action="Bổ sung", due_date=date(2026, 12, 31)))
    session.commit()
    return finding.id


def test_two_iso_secretaries_deciding_the_same_plan_at_once_one_wins(engine, session, org, issued):
    for _round in range(ROUNDS):
        fid = _submitted_finding(session, org, issued)
        outcomes = race(engine, lambda s: actions.accept_plan(s, org["rep"], fid),
                        lambda s: actions.return_plan(s, org["rep"], fid, "Chưa đủ"))
        assert outcomes[1] == "ok" and outcomes[0] in ("error.finding_changed", "error.wrong_step"), outcomes
        session.expire_all()
        moves = session.exec(select(ChangeLog).where(ChangeLog.entity == "finding", ChangeLog.entity_id == fid,
                                                     ChangeLog.field == "status")).all()
        assert len(moves) == 1, [(m.old, m.new) for m in moves]
        assert session.get(Finding, fid).status == moves[0].new and session.get(Finding, fid).version == 2


def test_the_same_step_clicked_twice_at_once_is_taken_once(engine, session, org, issued):
    for _round in range(ROUNDS):
        fid = _submitted_finding(session, org, issued)
        outcomes = race(engine, *[lambda s: actions.accept_plan(s, org["rep"], fid)] * 2)
        assert outcomes[1] == "ok" and outcomes[0] in ("error.finding_changed", "error.wrong_step"), outcomes
        session.expire_all()
        assert session.get(Finding, fid).version == 2


def test_a_step_on_what_the_screen_showed_is_refused_once_someone_moved_the_finding(session, org, issued):
    fid = _submitted_finding(session, org, issued)
    actions.accept_plan(session, org["rep"], fid, expected_version=1)
    with pytest.raises(ValidationError) as err:
        actions.return_plan(session, org["rep"], fid, "Chưa đủ", expected_version=1)
    assert err.value.key == "error.finding_changed"
    assert session.get(Finding, fid).status == FindingStatus.plan_accepted


def _completed_audit(session, org, n: int) -> int:
    """A completed audit of the org's year holding one draft nonconformity, built as a factory would."""
    audit = session.get(Audit, org["audit"])
    new = Audit(programme_id=audit.programme_id, code=f"RACE-{n}", title=f"Đợt {n}", checklist_id=audit.checklist_id,
                planned_start=audit.planned_start, lead_auditor_id=org["lead"], status=AuditStatus.completed)
    session.add(new)
    session.flush()
    au = AuditUnit(audit_id=new.id, unit_id=org["b"])
    session.add(au)
    session.flush()
    session.add_all([Finding(audit_unit_id=au.id, clause="8.5.1", grade="minor", statement=f"Thiếu {n}",
                             status=FindingStatus.draft) for _ in range(2)])
    session.commit()
    return new.id


def test_two_reports_issued_at_once_number_their_findings_uniquely(engine, session, org):
    for n in range(ROUNDS):
        first, second = _completed_audit(session, org, 2 * n), _completed_audit(session, org, 2 * n + 1)
        outcomes = race(engine, lambda s: completion.issue_report(s, org["lead"], first),
                        lambda s: completion.issue_report(s, org["lead"], second))
        assert outcomes == ["ok", "ok"]
    session.expire_all()
    codes = session.exec(select(Finding.code).where(Finding.code.is_not(None))).all()
    assert len(codes) == len(set(codes)) == 4 * ROUNDS


def test_one_report_issued_from_two_tabs_at_once_is_issued_once(engine, session, org):
    for n in range(ROUNDS):
        audit = _completed_audit(session, org, n)
        outcomes = race(engine, *[lambda s: completion.issue_report(s, org["lead"], audit)] * 2)
        assert outcomes == ["error.complete_first", "ok"]
    session.expire_all()
    codes = session.exec(select(Finding.code).where(Finding.code.is_not(None))).all()
    assert len(codes) == len(set(codes)) == 2 * ROUNDS


def test_two_audits_created_at_once_get_different_codes(engine, session, org):
    def create(title: str):
        return lambda s: planning.create_audit(s, org["rep"], 2026, title, org["checklist"], date(2026, 12, 1),
                                               date(2026, 12, 5), org["lead"], [org["lead"]])
    for n in range(ROUNDS):
        assert race(engine, create(f"A{n}"), create(f"B{n}")) == ["ok", "ok"]
    codes = session.exec(select(Audit.code)).all()
    assert len(codes) == len(set(codes)) == 1 + 2 * ROUNDS
