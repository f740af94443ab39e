"""Closing an audit: the lead auditor completes it and issues the report; an administrator may reopen it."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from qms import changelog, clock, db, logs, responses
from qms import settings as org_settings
from qms.errors import NotFound, ValidationError
from qms.findings import GRADE_OF_RESULT, PREFIX, detect_recurrence
from qms.models import (Audit, AuditProgramme, AuditStatus, AuditUnit, Finding, FindingStatus, Response)
from qms.permissions import require


def _lead_only(session: Session, actor_id: int, audit_id: int) -> Audit:
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFound("error.audit_missing")
    require(session, actor_id, "audit:close", audit_id=audit_id)
    return audit


def blockers(session: Session, audit_id: int) -> dict:
    """What stops the report: questions with no answer, and graded answers without a finding."""
    audit = session.get(Audit, audit_id)
    units = session.exec(select(AuditUnit).where(AuditUnit.audit_id == audit_id)).all()
    unanswered = {au_id: total - answered for au_id, (answered, total) in responses.counts(session, audit, units).items()
                  if total > answered}
    graded = select(Response.id).join(AuditUnit, AuditUnit.id == Response.audit_unit_id).where(
        AuditUnit.audit_id == audit_id, Response.result.in_(list(GRADE_OF_RESULT)))
    # NOT EXISTS probes the index per graded answer; NOT IN listed every finding of every year first.
    without = session.exec(select(func.count()).select_from(
        graded.where(~select(Finding.id).where(Finding.response_id == Response.id).exists()).subquery())).one()
    return {"unanswered": unanswered, "graded_without_finding": without}


def complete(session: Session, actor_id: int, audit_id: int) -> None:
    """Lock the answers; refused while questions are unanswered (mark them 'not audited' to skip them)."""
    audit = _lead_only(session, actor_id, audit_id)
    if audit.status not in responses.OPEN:
        raise ValidationError("error.audit_not_open")
    found = blockers(session, audit_id)
    if found["unanswered"]:
        raise ValidationError("error.unanswered_left", n=sum(found["unanswered"].values()))
    if found["graded_without_finding"]:
        raise ValidationError("error.graded_without_finding", n=found["graded_without_finding"])
    changelog.record(session, "audit", audit.id, actor_id, {"status": (audit.status, AuditStatus.completed)})
    audit.status = AuditStatus.completed
    session.add(audit)
    session.commit()


def _next_numbers(session: Session, year: int) -> dict[str, int]:
    numbers = {}
    for prefix in set(PREFIX.values()):
        codes = session.exec(select(Finding.code).where(Finding.code.like(f"{prefix}-{year}-%"))).all()
        numbers[prefix] = max((int(c.rsplit("-", 1)[1]) for c in codes), default=0)
    return numbers


@db.retry_unique
def issue_report(session: Session, actor_id: int, audit_id: int) -> list[str]:
    """Number the findings, make them visible to the units, start their deadlines; returns the new codes."""
    audit = _lead_only(session, actor_id, audit_id)
    now = clock.now()
    # Claimed first with a conditional UPDATE, so a second click (another tab) finds it issued, not completed.
    claimed = session.connection().execute(update(Audit.__table__).where(
        Audit.__table__.c.id == audit_id, Audit.__table__.c.status == AuditStatus.completed).values(
        status=AuditStatus.report_issued, report_issued_at=now))
    if claimed.rowcount != 1:
        session.rollback()
        raise ValidationError("error.complete_first")
    year = session.get(AuditProgramme, audit.programme_id).year
    numbers = _next_numbers(session, year)
    plan_due = now.date() + timedelta(days=int(org_settings.get(session, "plan_due_days")))
    drafts = session.exec(select(Finding).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                          .where(AuditUnit.audit_id == audit_id, Finding.status == FindingStatus.draft)
                          .order_by(AuditUnit.id, Finding.clause, Finding.id)).all()
    codes = []
    for finding in drafts:
        prefix = PREFIX[finding.grade]
        numbers[prefix] += 1
        finding.code = f"{prefix}-{year}-{numbers[prefix]:03d}"
        finding.status, finding.issued_at = FindingStatus.issued, now
        finding.plan_due = plan_due if finding.grade in ("major", "minor") else None
        detect_recurrence(session, finding, int(org_settings.get(session, "recurrence_months")))
        session.add(finding)
        changelog.record(session, "finding", finding.id, actor_id, {"code": (None, finding.code),
                                                                    "status": (FindingStatus.draft, FindingStatus.issued)})
        codes.append(finding.code)
    changelog.record(session, "audit", audit.id, actor_id, {"status": (AuditStatus.completed, AuditStatus.report_issued)})
    set_committed_value(audit, "status", AuditStatus.report_issued)
    set_committed_value(audit, "report_issued_at", now)
    session.commit()
    logs.event("report_issued", audit=audit.code, user=actor_id, findings=len(codes))
    return codes


def reopen(session: Session, actor_id: int, audit_id: int, reason: str) -> None:
    """An administrator reopens a completed or issued audit for corrections; the reason is logged."""
    require(session, actor_id, "audit:reopen")
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFound("error.audit_missing")
    if audit.status not in (AuditStatus.completed, AuditStatus.report_issued):
        raise ValidationError("error.audit_not_closed")
    if not (reason or "").strip():
        raise ValidationError("error.reason_required")
    changelog.record(session, "audit", audit.id, actor_id, {"status": (audit.status, AuditStatus.in_progress),
                                                           "reopen_reason": (None, reason.strip())})
    audit.status = AuditStatus.in_progress
    session.add(audit)
    session.commit()
