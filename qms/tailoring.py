"""Tailoring an audit: clauses in scope per unit, and clauses declared not applicable with a justification."""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, select

from qms import audits, changelog, checklists, standards
from qms.errors import NotFound, ValidationError
from qms.models import Audit, AuditStatus, AuditUnit, ClauseExclusion
from qms.permissions import require
from qms.text import nfc

LOCKED = (AuditStatus.report_issued, AuditStatus.closed)


def scope(session: Session, audit_id: int, audit_unit_id: int | None = None) -> dict:
    """The checklist's clauses, those in scope, and the not-applicable ones with their justification.

    Before anything is saved, the checklist's default N/A clauses (usually 8.3) are proposed; a unit
    inherits what was declared for the whole audit.
    """
    audit = audits.get(session, audit_id)
    unit = None
    if audit_unit_id is not None:
        unit = session.get(AuditUnit, audit_unit_id)
        if unit is None or unit.audit_id != audit_id:
            raise NotFound("error.audit_unit_missing")
    saved = session.exec(select(ClauseExclusion).where(ClauseExclusion.audit_id == audit_id)).all()
    return _scope(checklists.clauses(session, audit.checklist_id), saved, unit)


def in_scope(session: Session, audit: Audit, units: list[AuditUnit],
             version: checklists.Version | None = None) -> dict[int, list[str]]:
    """The clauses in scope of several units of one audit, in one query (progress, blockers, plans)."""
    saved = session.exec(select(ClauseExclusion).where(ClauseExclusion.audit_id == audit.id)).all()
    clauses = (version or checklists.version(session, audit.checklist_id)).clauses
    return {unit.id: _scope(clauses, saved, unit)["in_scope"] for unit in units}


def _scope(clauses: list[dict], saved: list[ClauseExclusion], unit: AuditUnit | None) -> dict:
    audit_level = {e.clause: e.justification for e in saved if e.audit_unit_id is None}
    unit_level = {e.clause: e.justification for e in saved if unit is not None and e.audit_unit_id == unit.id}
    if not saved:
        audit_level = {c["clause"]: c["na_justification_vi"] or c["na_justification_en"]
                       for c in clauses if c["na_default"]}
    excluded = audit_level | unit_level
    numbers = [c["clause"] for c in clauses]
    chosen = unit.clauses_in_scope if unit is not None else None
    if chosen is None:
        chosen = [n for n in numbers if n not in excluded]
    chosen = set(chosen)
    return {"clauses": clauses, "in_scope": [n for n in numbers if n in chosen and n not in excluded],
            "exclusions": excluded, "inherited": sorted(set(audit_level) - set(unit_level)) if unit is not None else []}


def save(session: Session, actor_id: int | None, audit_id: int, audit_unit_id: int | None, in_scope: list[str],
         exclusions: dict[str, str]) -> None:
    """Save the scope of a whole audit (audit_unit_id None) or of one unit; every N/A needs a justification."""
    require(session, actor_id, "audit:tailor")
    audit = audits.get(session, audit_id)
    if audit.status in LOCKED:
        raise ValidationError("error.audit_locked")
    known = {c["clause"] for c in checklists.clauses(session, audit.checklist_id)}
    clean = {nfc(k): nfc(v) for k, v in exclusions.items() if nfc(k)}
    for clause, justification in clean.items():
        if clause not in known:
            raise ValidationError("error.clause_not_in_checklist", clause=clause)
        if not justification:
            raise ValidationError("error.na_justification_required", clause=clause)
    unknown = [c for c in in_scope if c not in known]
    if unknown:
        raise ValidationError("error.clause_not_in_checklist", clause=unknown[0])
    both = sorted(set(in_scope) & set(clean))
    if both:
        raise ValidationError("error.clause_in_scope_and_na", clause=both[0])
    unit = None
    if audit_unit_id is not None:
        unit = session.get(AuditUnit, audit_unit_id)
        if unit is None or unit.audit_id != audit_id:
            raise NotFound("error.audit_unit_missing")
        if not in_scope:
            raise ValidationError("error.scope_empty")
    before = scope(session, audit_id, audit_unit_id)
    session.exec(delete(ClauseExclusion).where(ClauseExclusion.audit_id == audit_id,
                                               ClauseExclusion.audit_unit_id.is_(None) if unit is None
                                               else ClauseExclusion.audit_unit_id == audit_unit_id))
    inherited = set(before["inherited"])
    session.add_all([ClauseExclusion(audit_id=audit_id, audit_unit_id=audit_unit_id, clause=c, justification=j)
                     for c, j in clean.items() if unit is None or c not in inherited])
    entity, entity_id = ("auditunit", audit_unit_id) if unit is not None else ("audit", audit_id)
    if unit is not None:
        unit.clauses_in_scope = sorted(set(in_scope) - set(clean), key=standards.clause_sort_key)
        session.add(unit)
    changelog.record(session, entity, entity_id, actor_id, {
        "clauses_in_scope": (",".join(before["in_scope"]), ",".join(in_scope)),
        "not_applicable": (",".join(sorted(before["exclusions"])), ",".join(sorted(clean)))})
    session.commit()
