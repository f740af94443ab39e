"""Aggregations for dashboards, computed in SQL within the viewer's scope."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from qms import scope
from qms.audits import READERS
from qms.models import AuditUnit, Finding, FindingStatus
from qms.permissions import require_role


def findings_by_status_grade(session: Session, actor_id: int) -> list[dict]:
    """Count of findings per status and grade (drafts only for the audit side)."""
    require_role(session, actor_id, *READERS)
    query = select(Finding.status, Finding.grade, func.count()).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
    query = scope.restrict_findings(session, actor_id, query).group_by(Finding.status, Finding.grade)
    order = [s.value for s in FindingStatus]
    rows = [{"status": s, "grade": g, "count": n} for s, g, n in session.exec(query).all()]
    return sorted(rows, key=lambda r: (order.index(r["status"]), r["grade"]))


def overdue_count(session: Session, actor_id: int, today) -> int:
    """Findings overdue today (late plan, or an accepted action past due), within the viewer's scope."""
    from qms.findings import overdue_ids
    require_role(session, actor_id, *READERS)
    query = select(Finding.id).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id) \
        .where(Finding.id.in_(overdue_ids(today)))
    query = scope.restrict_findings(session, actor_id, query)
    return session.exec(select(func.count()).select_from(query.subquery())).one()
