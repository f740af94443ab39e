"""Findings: raised from answers as drafts on audit day; the register, filtered and paged in SQL within scope."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, select

from qms import changelog, clock, responses, scope
from qms.audits import READERS
from qms.errors import NotFound, PermissionDenied, ValidationError
from qms.models import (Audit, AuditProgramme, AuditUnit, ChecklistItem, Finding, FindingStatus, Grade, Response,
                        Result, Unit)
from qms.permissions import require_role
from qms.text import nfc


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


GRADE_OF_RESULT = {Result.nc_major: Grade.major, Result.nc_minor: Grade.minor,
                   Result.observation: Grade.observation, Result.ofi: Grade.ofi}
PREFIX = {Grade.major: "NC", Grade.minor: "NC", Grade.observation: "OBS", Grade.ofi: "OFI"}


def raise_from_response(session: Session, actor_id: int, response_id: int) -> int:
    """A draft finding prefilled from an answer: unit, clause, question, grade and evidence."""
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("error.answer_missing")
    ctx = responses.context(session, response.audit_unit_id)
    if not responses.may_answer(session, actor_id, ctx):
        raise PermissionDenied("error.not_assigned")
    if ctx.audit.status not in responses.OPEN:
        raise ValidationError("error.audit_locked")
    existing = session.exec(select(Finding.id).where(Finding.response_id == response_id)).first()
    if existing is not None:
        return existing
    item = session.get(ChecklistItem, response.item_id)
    grade = GRADE_OF_RESULT.get(Result(response.result), Grade.minor)
    finding = Finding(audit_unit_id=response.audit_unit_id, clause=item.clause, item_id=item.id,
                      response_id=response.id, grade=grade, statement=response.evidence or item.text_vi,
                      evidence="\n".join(x for x in (response.evidence, response.records_sampled) if x),
                      requirement_ref=f"TCVN ISO 9001:2015, {item.clause}", status=FindingStatus.draft,
                      created_by_id=actor_id, created_at=clock.now())
    session.add(finding)
    session.flush()
    changelog.record(session, "finding", finding.id, actor_id, {"status": (None, FindingStatus.draft),
                                                                "grade": (None, grade)})
    session.commit()
    return finding.id


def _draft_for(session: Session, actor_id: int, finding_id: int) -> Finding:
    """A draft finding the actor may still change: one of the unit's auditors, audit still open."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound("error.finding_missing")
    ctx = responses.context(session, finding.audit_unit_id)
    if not responses.may_answer(session, actor_id, ctx):
        raise PermissionDenied("error.not_assigned")
    if finding.status != FindingStatus.draft or ctx.audit.status not in responses.OPEN:
        raise ValidationError("error.finding_not_draft")
    return finding


def update_draft(session: Session, actor_id: int, finding_id: int, grade: str, statement: str, evidence: str,
                 requirement_ref: str) -> None:
    """Edit a draft finding (grade, statement, evidence, requirement); issued findings are fixed."""
    finding = _draft_for(session, actor_id, finding_id)
    if grade not in [g.value for g in Grade]:
        raise ValidationError("error.grade_invalid")
    statement = nfc(statement)
    if not statement:
        raise ValidationError("error.statement_required")
    changes = changelog.diff(finding, {"grade": grade, "statement": statement, "evidence": nfc(evidence),
                                       "requirement_ref": nfc(requirement_ref)})
    if changes:
        finding.version += 1
        session.add(finding)
        changelog.record(session, "finding", finding.id, actor_id, changes)
        session.commit()


def delete_draft(session: Session, actor_id: int, finding_id: int) -> None:
    finding = _draft_for(session, actor_id, finding_id)
    changelog.record(session, "finding", finding.id, actor_id, {"deleted": (finding.statement, None)})
    session.delete(finding)
    session.commit()


def for_audit_unit(session: Session, audit_unit_id: int) -> list[dict]:
    rows = session.exec(select(Finding).where(Finding.audit_unit_id == audit_unit_id).order_by(Finding.id)).all()
    return [f.model_dump() for f in rows]
