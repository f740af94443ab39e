"""Audits in the field: how far each unit's checklist has got, for the ISO secretary and the lead auditor."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from qms import responses
from qms.errors import PermissionDenied
from qms.models import Audit, AuditStatus, AuditUnit, AuditUnitAuditor, Finding, Response, Unit, User
from qms import permissions

FOLLOWED = (AuditStatus.planned, AuditStatus.in_progress, AuditStatus.completed)


def live_progress(session: Session, actor_id: int) -> list[dict]:
    """Every unit of the audits the actor follows: answered / total, findings raised, last activity, by auditor.

    The ISO secretary (and the administrator) follow every open audit; an auditor follows the audits they lead.
    """
    reach = permissions.reaches(session, actor_id, "audit:progress")
    if not reach:
        raise PermissionDenied("error.permission_denied")
    query = (select(AuditUnit, Audit, Unit).join(Audit, Audit.id == AuditUnit.audit_id)
             .join(Unit, Unit.id == AuditUnit.unit_id).where(Audit.status.in_(FOLLOWED)))
    if permissions.ANY not in reach:
        query = query.where(Audit.lead_auditor_id == actor_id)
    units = session.exec(query.order_by(Audit.code, AuditUnit.audit_date, Unit.code)).all()
    if not units:
        return []
    ids = [au.id for au, _a, _u in units]
    answered_by: dict[int, dict[str, int]] = {}
    last: dict[int, object] = {}
    for au_id, name, count, latest in session.exec(
            select(Response.audit_unit_id, User.full_name, func.count(), func.max(Response.answered_at))
            .join(User, User.id == Response.answered_by_id, isouter=True)
            .where(Response.audit_unit_id.in_(ids)).group_by(Response.audit_unit_id, User.full_name)).all():
        answered_by.setdefault(au_id, {})[name or ""] = count
        if latest is not None and (last.get(au_id) is None or latest > last[au_id]):
            last[au_id] = latest
    found = dict(session.exec(select(Finding.audit_unit_id, func.count()).where(Finding.audit_unit_id.in_(ids))
                              .group_by(Finding.audit_unit_id)).all())
    team: dict[int, list[str]] = {}
    for au_id, name in session.exec(select(AuditUnitAuditor.audit_unit_id, User.full_name)
                                    .join(User, User.id == AuditUnitAuditor.user_id)
                                    .where(AuditUnitAuditor.audit_unit_id.in_(ids)).order_by(User.full_name)).all():
        team.setdefault(au_id, []).append(name)
    progress: dict[int, tuple[int, int]] = {}
    by_audit: dict[int, tuple[Audit, list[AuditUnit]]] = {}
    for au, audit, _unit in units:
        by_audit.setdefault(audit.id, (audit, []))[1].append(au)
    for audit, audit_units in by_audit.values():
        progress |= responses.counts(session, audit, audit_units)
    out = []
    for au, audit, unit in units:
        answered, total = progress[au.id]
        by_auditor = answered_by.get(au.id, {})
        out.append({"audit_unit_id": au.id, "audit": audit.code, "audit_status": audit.status, "unit": unit.name,
                    "date": au.audit_date, "auditors": team.get(au.id, []), "total": total, "answered": answered,
                    "findings": found.get(au.id, 0), "last_activity": last.get(au.id),
                    "by_auditor": dict(sorted(by_auditor.items()))})
    return out
