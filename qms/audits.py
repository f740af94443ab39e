"""Audit programmes and audits: reading the year's plan and an auditor's assignments."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from qms.models import (Audit, AuditProgramme, AuditTeamMember, AuditUnit, AuditUnitAuditor, Checklist,
                        Unit, User)
from qms.errors import NotFound
from qms.permissions import require
from qms.text import fold



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
    require(session, actor_id, "programme:read")
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


def audit_units(session: Session, audit_id: int, limit: int | None = None) -> list[dict]:
    """The units of one audit, in unit-code order (the first `limit` of them)."""
    rows = session.exec(select(AuditUnit.id, Unit.code, Unit.name, AuditUnit.audit_date)
                        .join(Unit, Unit.id == AuditUnit.unit_id).where(AuditUnit.audit_id == audit_id)
                        .order_by(Unit.code).limit(limit)).all()
    return [{"id": i, "code": c, "name": n, "date": d} for i, c, n, d in rows]


def find_units(session: Session, term: str | None, limit: int, *, audit_id: int) -> dict[int, str]:
    """An audit's units whose code or name hold every word of `term`: {audited unit id: "CODE – name"}."""
    query = select(AuditUnit.id, Unit.code, Unit.name).join(Unit, Unit.id == AuditUnit.unit_id) \
        .where(AuditUnit.audit_id == audit_id)
    for word in fold(term or "").split():
        query = query.where(Unit.search_text.contains(word, autoescape=True))
    return {i: f"{c} – {n}" for i, c, n in session.exec(query.order_by(Unit.code).limit(limit)).all()}


def unit_labels(session: Session, audit_unit_ids: list[int]) -> dict[int, str]:
    if not audit_unit_ids:
        return {}
    return {i: f"{c} – {n}" for i, c, n in session.exec(
        select(AuditUnit.id, Unit.code, Unit.name).join(Unit, Unit.id == AuditUnit.unit_id)
        .where(AuditUnit.id.in_(audit_unit_ids))).all()}


def plan_document(session: Session, actor_id: int | None, audit_id: int, lang: str) -> dict:
    """Everything the printed audit plan shows, as plain data."""
    from qms import settings as org_settings
    from qms import standards, tailoring
    require(session, actor_id, "programme:read")
    audit = get(session, audit_id)
    checklist = session.get(Checklist, audit.checklist_id)
    lead = session.get(User, audit.lead_auditor_id) if audit.lead_auditor_id else None
    team = session.exec(select(User.full_name).join(AuditTeamMember, AuditTeamMember.user_id == User.id)
                        .where(AuditTeamMember.audit_id == audit_id).order_by(User.full_name)).all()
    planned = session.exec(select(AuditUnit, Unit.code, Unit.name).join(Unit, Unit.id == AuditUnit.unit_id)
                           .where(AuditUnit.audit_id == audit_id).order_by(Unit.code)).all()
    auditors: dict[int, list[str]] = {}
    for au_id, name in session.exec(select(AuditUnitAuditor.audit_unit_id, User.full_name)
                                    .join(User, User.id == AuditUnitAuditor.user_id)
                                    .join(AuditUnit, AuditUnit.id == AuditUnitAuditor.audit_unit_id)
                                    .where(AuditUnit.audit_id == audit_id)).all():
        auditors.setdefault(au_id, []).append(name)
    in_scope = tailoring.in_scope(session, audit, [au for au, _c, _n in planned])
    units = [{"date": au.audit_date, "unit": f"{code} – {name}", "auditors": auditors.get(au.id, []),
              "auditee_reps": au.auditee_reps,
              "clauses": ", ".join(sorted({standards.group_of(c) for c in in_scope[au.id]}, key=int))}
             for au, code, name in planned]
    exclusions = tailoring.scope(session, audit_id)["exclusions"]
    return {"agency": org_settings.get(session, f"org_name_{lang}"), "code": audit.code, "title": audit.title,
            "scope": audit.scope, "criteria": audit.criteria, "start": audit.planned_start, "end": audit.planned_end,
            "checklist": f"{getattr(checklist, 'title_' + lang) or checklist.title_vi} (v{checklist.version})",
            "lead": lead.full_name if lead else "", "team": list(team), "units": units,
            "not_applicable": dict(sorted(exclusions.items()))}
