"""Findings: the register, filtered and paged in SQL within the viewer's scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from qms import scope
from qms.models import Audit, AuditProgramme, AuditUnit, Finding, FindingStatus, Unit
from qms.permissions import require_role
from qms.audits import READERS


@dataclass
class RegisterFilter:
    year: int | None = None
    grade: str | None = None
    status: str | None = None
    overdue_only: bool = False


def register(session: Session, actor_id: int, flt: RegisterFilter, today: date, page: int = 0,
             page_size: int = 50) -> tuple[list[dict], int]:
    """One page of the register and the total count, newest first."""
    require_role(session, actor_id, *READERS)
    base = select(Finding.id).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id) \
        .join(Audit, Audit.id == AuditUnit.audit_id)
    if flt.year:
        base = base.join(AuditProgramme, AuditProgramme.id == Audit.programme_id).where(AuditProgramme.year == flt.year)
    if flt.grade:
        base = base.where(Finding.grade == flt.grade)
    if flt.status:
        base = base.where(Finding.status == flt.status)
    if flt.overdue_only:
        base = base.where(Finding.status == FindingStatus.issued, Finding.plan_due < today)
    base = scope.restrict_findings(session, actor_id, base)
    total = session.exec(select(func.count()).select_from(base.subquery())).one()
    rows = session.exec(
        select(Finding, Unit.name, Audit.code).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
        .join(Unit, Unit.id == AuditUnit.unit_id).join(Audit, Audit.id == AuditUnit.audit_id)
        .where(Finding.id.in_(base)).order_by(Finding.id.desc()).offset(page * page_size).limit(page_size)).all()
    return [{"id": f.id, "code": f.code, "audit": audit_code, "unit": unit_name, "clause": f.clause,
             "grade": f.grade, "status": f.status, "statement": f.statement, "due": f.plan_due,
             "overdue": bool(f.status == FindingStatus.issued and f.plan_due and f.plan_due < today)}
            for f, unit_name, audit_code in rows], total
