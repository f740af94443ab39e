"""What waits for a user: answers to record, plans to submit or accept, verifications due, overdue items."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, func
from sqlmodel import Session, select

from qms import findings, processes, responses, scope
from qms.models import Audit, AuditStatus, AuditUnit, AuditUnitAuditor, Finding, FindingStatus, Role, Unit
from qms import permissions
from qms.permissions import roles_of

LIMIT = 50
# Every kind of waiting work, in the order the home screen shows them.
KINDS = ("answers", "plans_to_submit", "actions_to_implement", "plans_to_accept", "verifications_due", "overdue",
         "process_lag", "overdue_followed")
# Lists a user follows without a step of their own to take in them (leadership): shown apart from their work.
FOLLOWED = ("overdue_followed",)


def _finding_rows(session: Session, unit_ids: set[int] | None, condition, today: date, due=Finding.plan_due) -> dict:
    """The first LIMIT findings meeting `condition` in these units (None: all), soonest `due` first, and how many
    there are in all."""
    counted = select(func.count()).select_from(Finding).where(condition)
    listed = select(Finding.id, Finding.code, Finding.grade, Finding.status, Finding.clause, due, Finding.overdue_from,
                    Unit.name).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id) \
        .join(Unit, Unit.id == AuditUnit.unit_id).where(condition)
    if unit_ids is not None:
        counted = counted.join(AuditUnit, AuditUnit.id == Finding.audit_unit_id).where(AuditUnit.unit_id.in_(unit_ids))
        listed = listed.where(AuditUnit.unit_id.in_(unit_ids))
    total = session.exec(counted).one()
    # Ties broken by id, which an index on `due` already holds in order: no sort of every matching finding.
    rows = session.exec(listed.order_by(due, Finding.id).limit(LIMIT)).all() if total else []
    return {"total": total, "rows": [{"id": i, "code": code, "grade": grade, "status": status, "clause": clause,
                                      "unit": unit, "due": day, "overdue": findings.is_overdue(overdue_from, today)}
                                     for i, code, grade, status, clause, day, overdue_from, unit in rows]}


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
        mine = permissions.unit_ids(session, user_id, "findings:respond")
        out["plans_to_submit"] = _finding_rows(session, mine, and_(
            Finding.status == FindingStatus.issued, Finding.grade.in_(["major", "minor"])), today)
        out["actions_to_implement"] = _finding_rows(session, mine, Finding.status == FindingStatus.plan_accepted, today)
    if permissions.reaches(session, user_id, "findings:review"):
        out["plans_to_accept"] = _finding_rows(session, None, Finding.status == FindingStatus.plan_submitted, today)
        out["verifications_due"] = _finding_rows(session, None, Finding.status == FindingStatus.implemented, today)
    if roles & {Role.iso_rep, Role.auditee} and permissions.reaches(session, user_id, "procedures:manage"):
        # The unit head keeps their units' processes up to date; the ISO secretary follows every unit's.
        found = processes.flags(session, user_id, today,
                                unit_ids=permissions.unit_ids(session, user_id, "procedures:manage"))
        out["process_lag"] = {"total": len(found), "rows": [f.as_dict() for f in found[:LIMIT]]}
    if roles & {Role.iso_rep, Role.auditee, Role.viewer, Role.admin}:
        acts = any(permissions.reaches(session, user_id, step) for step in ("findings:respond", "findings:review"))
        out["overdue" if acts else "overdue_followed"] = overdue(session, scope.visible_unit_ids(session, user_id),
                                                                  today)
    return out


def overdue(session: Session, unit_ids: set[int] | None, today: date) -> dict:
    """Findings whose plan is late, and findings with an action past its due date and not done: the day each
    became late first."""
    return _finding_rows(session, unit_ids, Finding.overdue_from < today, today, due=Finding.overdue_from)
