"""What waits for a user: answers to record, plans to submit or accept, verifications due, overdue items."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from qms import findings, responses, scope
from qms.models import Audit, AuditStatus, AuditUnit, AuditUnitAuditor, Finding, FindingStatus, Role, Unit
from qms import permissions
from qms.permissions import roles_of

LIMIT = 50
# Every kind of waiting work, in the order the home screen shows them.
KINDS = ("answers", "plans_to_submit", "actions_to_implement", "plans_to_accept", "verifications_due", "overdue")


def _finding_rows(session: Session, query, today: date) -> dict:
    """The first LIMIT findings of `query`, soonest due first, and how many there are in all."""
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Finding.plan_due, Finding.code).limit(LIMIT)).all()
    return {"total": total, "rows": [{"id": f.id, "code": f.code, "grade": f.grade, "status": f.status, "clause": f.clause,
             "unit": unit_name, "due": f.plan_due, "overdue": bool(f.plan_due and f.plan_due < today
                                                                   and f.status == FindingStatus.issued)}
                                     for f, unit_name in rows]}


def _findings_in(unit_ids: set[int] | None):
    base = select(Finding, Unit.name).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id) \
        .join(Unit, Unit.id == AuditUnit.unit_id)
    return base if unit_ids is None else base.where(AuditUnit.unit_id.in_(unit_ids))


def answers_to_record(session: Session, user_id: int) -> dict:
    """Units I audit in open audits, with how many of their questions in scope still have no answer."""
    rows = session.exec(
        select(AuditUnit, Audit, Unit.name).join(Audit, Audit.id == AuditUnit.audit_id)
        .join(Unit, Unit.id == AuditUnit.unit_id)
        .join(AuditUnitAuditor, AuditUnitAuditor.audit_unit_id == AuditUnit.id)
        .where(AuditUnitAuditor.user_id == user_id, Audit.status.in_([AuditStatus.planned, AuditStatus.in_progress]))
        .order_by(AuditUnit.audit_date, Audit.code, Unit.code)).all()
    by_audit: dict[int, tuple[Audit, list[AuditUnit]]] = {}
    for au, audit, _name in rows:
        by_audit.setdefault(audit.id, (audit, []))[1].append(au)
    progress: dict[int, tuple[int, int]] = {}
    for audit, units in by_audit.values():
        progress |= responses.counts(session, audit, units)
    open_rows = [{"audit": audit.code, "title": audit.title, "unit": name, "audit_unit_id": au.id,
                  "date": au.audit_date, "answered": progress[au.id][0], "total": progress[au.id][1]}
                 for au, audit, name in rows if progress[au.id][0] < progress[au.id][1]]
    return {"total": len(open_rows), "rows": open_rows[:LIMIT]}


def waiting_for(session: Session, user_id: int, today: date) -> dict[str, dict]:
    """Every list that applies to the user's roles, as {total, rows}; keys name the kind of work."""
    roles = roles_of(session, user_id)
    out: dict[str, list[dict]] = {}
    if permissions.reaches(session, user_id, "answers:record"):
        out["answers"] = answers_to_record(session, user_id)
    if permissions.reaches(session, user_id, "findings:respond"):
        q = _findings_in(permissions.unit_ids(session, user_id, "findings:respond"))
        out["plans_to_submit"] = _finding_rows(session, q.where(
            Finding.status == FindingStatus.issued, Finding.grade.in_(["major", "minor"])), today)
        out["actions_to_implement"] = _finding_rows(session, q.where(Finding.status == FindingStatus.plan_accepted), today)
    if permissions.reaches(session, user_id, "findings:review"):
        q = _findings_in(None)
        out["plans_to_accept"] = _finding_rows(session, q.where(Finding.status == FindingStatus.plan_submitted), today)
        out["verifications_due"] = _finding_rows(session, q.where(Finding.status == FindingStatus.implemented), today)
    if roles & {Role.iso_rep, Role.auditee, Role.viewer, Role.admin}:
        out["overdue"] = overdue(session, scope.visible_unit_ids(session, user_id), today)
    return out


def overdue(session: Session, unit_ids: set[int] | None, today: date) -> dict:
    """Findings whose plan is late, and findings with an action past its due date and not done."""
    q = _findings_in(unit_ids).where(Finding.id.in_(findings.overdue_ids(today)))
    result = _finding_rows(session, q, today)
    for row in result["rows"]:
        row["overdue"] = True
    return result
