"""Audit programmes and audits: reading the year's plan and an auditor's assignments."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from qms.models import (Audit, AuditProgramme, AuditStatus, AuditUnit, AuditUnitAuditor, Checklist,
                        ChecklistItem, Response, Result, Role, Unit, User)
from qms.errors import NotFound
from qms.permissions import require_role

READERS = (Role.admin, Role.iso_rep, Role.auditor, Role.auditee, Role.viewer)


def get(session: Session, audit_id: int) -> Audit:
    """The audit, or NotFound."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise NotFound("error.audit_missing")
    return audit


def programme_years(session: Session) -> list[int]:
    return list(session.exec(select(AuditProgramme.year).order_by(AuditProgramme.year.desc())).all())


def programme(session: Session, actor_id: int | None, year: int) -> dict | None:
    """The year's programme with its audits, lead auditors and unit counts."""
    require_role(session, actor_id, *READERS)
    prog = session.exec(select(AuditProgramme).where(AuditProgramme.year == year)).first()
    if prog is None:
        return None
    unit_counts = select(AuditUnit.audit_id, func.count().label("n")).group_by(AuditUnit.audit_id).subquery()
    rows = session.exec(
        select(Audit, User.full_name, Checklist.code, Checklist.version, func.coalesce(unit_counts.c.n, 0))
        .outerjoin(User, User.id == Audit.lead_auditor_id).join(Checklist, Checklist.id == Audit.checklist_id)
        .outerjoin(unit_counts, unit_counts.c.audit_id == Audit.id)
        .where(Audit.programme_id == prog.id).order_by(Audit.code)).all()
    audits = [audit.model_dump(include={"id", "code", "title", "status", "planned_start", "planned_end"})
              | {"lead": lead, "checklist": f"{code} v{version}", "units": n}
              for audit, lead, code, version, n in rows]
    return {"year": prog.year, "objectives": prog.objectives, "audits": audits}


def assignments(session: Session, actor_id: int, include_all: bool = False) -> list[dict]:
    """Audit units in open audits: mine (auditor), or all of them (ISO representative), with progress."""
    require_role(session, actor_id, Role.auditor, Role.iso_rep)
    answered = select(Response.audit_unit_id, func.count().label("n")) \
        .where(Response.result != Result.not_audited).group_by(Response.audit_unit_id).subquery()
    totals = select(ChecklistItem.checklist_id, func.count().label("n")).group_by(ChecklistItem.checklist_id).subquery()
    query = (select(Audit.code, Audit.status, Unit.code, Unit.name, AuditUnit.id, AuditUnit.audit_date,
                    func.coalesce(answered.c.n, 0), totals.c.n)
             .join(AuditUnit, AuditUnit.audit_id == Audit.id).join(Unit, Unit.id == AuditUnit.unit_id)
             .join(totals, totals.c.checklist_id == Audit.checklist_id)
             .outerjoin(answered, answered.c.audit_unit_id == AuditUnit.id)
             .where(Audit.status.in_([AuditStatus.planned, AuditStatus.in_progress, AuditStatus.completed])))
    if not include_all:
        query = query.join(AuditUnitAuditor, AuditUnitAuditor.audit_unit_id == AuditUnit.id) \
            .where(AuditUnitAuditor.user_id == actor_id)
    rows = session.exec(query.order_by(AuditUnit.audit_date, Audit.code, Unit.code)).all()
    return [{"audit": a, "status": st, "unit_code": uc, "unit": un, "audit_unit_id": au, "date": d,
             "answered": n, "total": total} for a, st, uc, un, au, d, n, total in rows]


def audit_units(session: Session, audit_id: int) -> list[dict]:
    """The units of one audit, in unit-code order."""
    rows = session.exec(select(AuditUnit.id, Unit.code, Unit.name, AuditUnit.audit_date)
                        .join(Unit, Unit.id == AuditUnit.unit_id).where(AuditUnit.audit_id == audit_id)
                        .order_by(Unit.code)).all()
    return [{"id": i, "code": c, "name": n, "date": d} for i, c, n, d in rows]
