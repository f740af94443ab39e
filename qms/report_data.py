"""What the printed reports show, gathered as plain data (the PDF builders in qms/reports never query)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import case, func
from sqlmodel import Session, select

from qms import audits, reviews
from qms import settings as org_settings
from qms.models import AuditUnit, Finding, FindingStatus, Response, Result, Unit
from qms.permissions import require


def letterhead(session: Session, lang: str) -> dict:
    values = org_settings.all_settings(session)
    return {"agency": values[f"org_name_{lang}"], "parent": values[f"org_parent_{lang}"],
            "place": values["org_place"], "symbol": values["report_symbol"],
            "administrative": bool(values["doc_national_header"]),
            "serif": bool(values["doc_national_header"] and values["doc_serif"])}


def audit_report(session: Session, actor_id: int | None, audit_id: int, lang: str) -> dict:
    """The internal audit report of one audit: the plan, per-unit results, counts, every finding."""
    require(session, actor_id, "report:read")
    plan = audits.plan_document(session, actor_id, audit_id, lang)
    audit = audits.get(session, audit_id)
    answered = func.sum(case((Response.result.notin_([Result.na, Result.not_audited]), 1), else_=0))
    conform = func.sum(case((Response.result == Result.conform, 1), else_=0))
    skipped = func.sum(case((Response.result == Result.not_audited, 1), else_=0))
    per_unit = session.exec(select(Unit.name, answered, conform, skipped).select_from(AuditUnit)
                            .join(Unit, Unit.id == AuditUnit.unit_id)
                            .join(Response, Response.audit_unit_id == AuditUnit.id, isouter=True)
                            .where(AuditUnit.audit_id == audit_id).group_by(Unit.name).order_by(Unit.name)).all()
    reasons: dict[str, list[str]] = {}
    for unit, reason in session.exec(select(Unit.name, Response.evidence).distinct()
                                     .join(AuditUnit, AuditUnit.unit_id == Unit.id)
                                     .join(Response, Response.audit_unit_id == AuditUnit.id)
                                     .where(AuditUnit.audit_id == audit_id, Response.result == Result.not_audited)
                                     .order_by(Unit.name, Response.evidence)).all():
        if reason.strip():
            reasons.setdefault(unit, []).append(reason.strip())
    # Columns, not objects: an audit of 10,000 units has 200,000 findings, and building each one as an ORM object
    # took nine seconds of the report's ten.
    rows = session.exec(select(Finding.code, Unit.name, Finding.clause, Finding.grade, Finding.statement,
                               Finding.evidence, Finding.requirement_ref)
                        .join(AuditUnit, AuditUnit.id == Finding.audit_unit_id).join(Unit, Unit.id == AuditUnit.unit_id)
                        .where(AuditUnit.audit_id == audit_id, Finding.status != FindingStatus.draft)
                        .order_by(Finding.code)).all()
    found = [{"code": code, "unit": unit, "clause": clause, "grade": grade, "statement": statement,
              "evidence": evidence, "requirement": requirement}
             for code, unit, clause, grade, statement, evidence, requirement in rows]
    counts: dict[str, dict[str, int]] = {}
    for f in found:
        counts.setdefault(f["unit"], {}).setdefault(f["grade"], 0)
        counts[f["unit"]][f["grade"]] += 1
    return plan | letterhead(session, lang) | {
        "status": audit.status, "issued_at": audit.report_issued_at,
        "units_result": [{"unit": u, "answered": a or 0, "rate": round(100 * (c or 0) / a, 1) if a else None,
                          "not_audited": n or 0, "not_audited_reasons": reasons.get(u, [])}
                         for u, a, c, n in per_unit],
        "counts": counts, "findings": found}


def review_pack(session: Session, actor_id: int, review_id: int, today: date) -> dict:
    """The management review pack: the record, every 9.3.2 input with its live figures, the decisions."""
    review = reviews.get(session, actor_id, review_id)
    live = reviews.live_inputs(session, actor_id, review, today)
    return {"review": review, "live": live, "decisions": reviews.decisions(session, review_id, today),
            "sections": list(reviews.SECTIONS), "today": today}
