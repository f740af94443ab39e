"""Every agency's QMS at a glance, for the ISO secretary of a province-level body or a Department of Science and
Technology hosting the app for many agencies; and the annual status report's counts.

An agency is a unit right below a top unit of the tree (a top unit with nothing below it is one itself); its
figures include every unit below it."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, update
from sqlmodel import Session, select

from qms import changelog, clock, db, processes
from qms.errors import NotFound, ValidationError
from qms.models import (AgencyQms, AgencyReview, Audit, AuditProgramme, AuditStatus, AuditUnit, Finding,
                        FindingStatus, Procedure, ProcedureStatus, ProcedureUnit, Unit, check_values)
from qms.permissions import require
from qms.text import fold, nfc

# An agency's internal audit of the year, as far as it went (the most advanced of its audits).
AUDIT_STAGES = ("none", "planned", "in_progress", "report_issued")
_STAGE = {AuditStatus.planned: "planned", AuditStatus.in_progress: "in_progress", AuditStatus.completed: "in_progress",
          AuditStatus.report_issued: "report_issued", AuditStatus.closed: "report_issued"}
SORTS = ("code", "share", "open", "overdue")
# The annual report's counts, in its order.
COUNTS = ("agencies", "must_apply", "built", "announced", "audited", "reviewed")


def agency_of(session: Session) -> tuple[dict[int, int], dict[int, Unit]]:
    """Each unit's agency (unit id → agency id), and the agencies themselves."""
    rows = session.exec(select(Unit)).all()
    parent = {u.id: u.parent_id for u in rows}
    has_children = {u.parent_id for u in rows if u.parent_id is not None}
    top = {u.id for u in rows if u.parent_id is None}
    agencies = {u.id: u for u in rows if (u.parent_id in top) or (u.id in top and u.id not in has_children)}
    mapping: dict[int, int | None] = {a: a for a in agencies}
    for unit in rows:
        chain, current = [], unit.id
        while current is not None and current not in mapping and len(chain) < 64:  # 64: a loop in bad data
            chain.append(current)
            current = parent.get(current)
        for step in chain:  # a top unit with units below it belongs to no agency (None)
            mapping[step] = mapping.get(current)
    return {u: a for u, a in mapping.items() if a is not None}, agencies


def _summed(mapping: dict[int, int], rows) -> dict:
    """Counts by unit, (unit, count) or (unit, kind, count), added up by agency: {agency: n} or {(agency, kind): n}."""
    out: dict = {}
    for unit_id, *kind, count in rows:
        agency = mapping.get(unit_id)
        if agency is not None:
            key = (agency, *kind) if kind else agency
            out[key] = out.get(key, 0) + count
    return out


def overview(session: Session, actor_id: int | None, year: int, today: date, *, unit_type: str | None = None,
             term: str | None = None, sort: str = "code") -> list[dict]:
    """One row an agency: QMS status, this year's internal audit and management review, open nonconformities,
    overdue findings, and the share of its procedures in force that a current process covers."""
    require(session, actor_id, "overview:read")
    mapping, agencies = agency_of(session)
    status = {a.unit_id: a for a in session.exec(select(AgencyQms)).all()}
    stage: dict[int, str] = {}
    for unit_id, audit_status in session.exec(
            select(AuditUnit.unit_id, Audit.status).join(Audit, Audit.id == AuditUnit.audit_id)
            .join(AuditProgramme, AuditProgramme.id == Audit.programme_id).where(AuditProgramme.year == year)).all():
        agency = mapping.get(unit_id)
        if agency is not None:
            found = _STAGE.get(audit_status, "planned")
            if AUDIT_STAGES.index(found) > AUDIT_STAGES.index(stage.get(agency, "none")):
                stage[agency] = found
    reviewed: dict[int, date] = {}
    for unit_id, held in session.exec(select(AgencyReview.unit_id, func.max(AgencyReview.held_on)).where(
            AgencyReview.held_on >= date(year, 1, 1), AgencyReview.held_on <= date(year, 12, 31))
            .group_by(AgencyReview.unit_id)).all():
        agency = mapping.get(unit_id)
        if agency is not None:
            reviewed[agency] = max(held, reviewed.get(agency, held))
    open_nc = _summed(mapping, session.exec(
        select(AuditUnit.unit_id, Finding.grade, func.count()).select_from(Finding)
        .join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
        .where(Finding.grade.in_(["major", "minor"]), Finding.status.notin_([FindingStatus.draft, FindingStatus.closed]))
        .group_by(AuditUnit.unit_id, Finding.grade)).all())
    overdue = _summed(mapping, session.exec(
        select(AuditUnit.unit_id, func.count()).select_from(Finding)
        .join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
        .where(Finding.overdue_from < today).group_by(AuditUnit.unit_id)).all())
    in_force = _summed(mapping, session.exec(
        select(ProcedureUnit.unit_id, func.count()).select_from(ProcedureUnit)
        .join(Procedure, Procedure.id == ProcedureUnit.procedure_id)
        .where(Procedure.status != ProcedureStatus.abolished).group_by(ProcedureUnit.unit_id)).all())
    uncovered = _summed(mapping, [(f.unit_id, 1) for f in processes.flags(session, actor_id, today)
                                  if f.kind == "no_process"] if in_force else [])
    words = fold(term).split()
    rows = []
    for agency_id, unit in agencies.items():
        if unit_type and unit.type != unit_type:
            continue
        if words and not all(w in unit.search_text for w in words):
            continue
        qms = status.get(agency_id)
        total = in_force.get(agency_id, 0)
        rows.append({
            "unit_id": agency_id, "code": unit.code, "name": unit.name, "type": unit.type, "active": unit.active,
            "must_apply": qms.must_apply if qms else True,
            "built_decision": qms.built_decision if qms else "", "built_on": qms.built_on if qms else None,
            "announced_decision": qms.announced_decision if qms else "",
            "announced_on": qms.announced_on if qms else None, "version": qms.version if qms else 0,
            "audit": stage.get(agency_id, "none"), "review": reviewed.get(agency_id),
            "major": open_nc.get((agency_id, "major"), 0), "minor": open_nc.get((agency_id, "minor"), 0),
            "overdue": overdue.get(agency_id, 0), "procedures": total,
            "share": None if not total else round(100 * (total - uncovered.get(agency_id, 0)) / total)})
    keys = {"code": lambda r: r["code"],
            "share": lambda r: (r["share"] is None, r["share"] if r["share"] is not None else 0, r["code"]),
            "open": lambda r: (-(r["major"] + r["minor"]), -r["major"], r["code"]),
            "overdue": lambda r: (-r["overdue"], r["code"])}
    return sorted(rows, key=keys.get(sort, keys["code"]))


def qms_state(row: dict) -> str:
    """How far an agency's QMS went: not_required | none | built | announced."""
    if not row["must_apply"]:
        return "not_required"
    return "announced" if row["announced_on"] else "built" if row["built_on"] else "none"


def counts(rows: list[dict]) -> dict[str, int]:
    """The annual report's counts: agencies, those that must apply, have built, announced, audited internally
    (report issued this year), held a management review this year."""
    applying = [r for r in rows if r["must_apply"]]
    return {"agencies": len(rows), "must_apply": len(applying),
            "built": sum(1 for r in applying if qms_state(r) in ("built", "announced")),
            "announced": sum(1 for r in applying if qms_state(r) == "announced"),
            "audited": sum(1 for r in applying if r["audit"] == "report_issued"),
            "reviewed": sum(1 for r in applying if r["review"])}


def _agency(session: Session, unit_id: int) -> Unit:
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("error.unit_missing")
    _mapping, agencies = agency_of(session)
    if unit_id not in agencies:
        raise ValidationError("overview.err.not_agency")
    return unit


def record_status(session: Session, actor_id: int | None, unit_id: int, *, expected_version: int, must_apply: bool,
                  built_decision: str, built_on: date | None, announced_decision: str,
                  announced_on: date | None) -> None:
    """An agency's QMS status as it reported it: must it apply, the decisions building and announcing it."""
    require(session, actor_id, "overview:manage")
    _agency(session, unit_id)
    values = {"must_apply": bool(must_apply), "built_decision": nfc(built_decision), "built_on": built_on,
              "announced_decision": nfc(announced_decision), "announced_on": announced_on}
    check_values("agencyqms", values)
    for day in (built_on, announced_on):
        if day is not None:
            clock.require_within(day, date(2000, 1, 1), clock.today(), field="overview.announced_on")
    if announced_on and not values["announced_decision"] or built_on and not values["built_decision"]:
        raise ValidationError("overview.err.decision_missing")
    row = session.get(AgencyQms, unit_id)
    if (row.version if row else 0) != expected_version:
        raise ValidationError("overview.err.changed")
    before = {k: getattr(row, k) if row else None for k in values}
    # Written only if nobody did since the screen showed `expected_version` (two saves at once: one wins).
    if row is None:
        insert = db.insert(session, AgencyQms)
        won = session.connection().execute(insert.values(unit_id=unit_id, version=1, **values)
                                           .on_conflict_do_nothing(index_elements=["unit_id"])
                                           .returning(AgencyQms.unit_id)).first() is not None
    else:
        won = session.connection().execute(update(AgencyQms).where(
            AgencyQms.unit_id == unit_id, AgencyQms.version == expected_version)
            .values(**values, version=expected_version + 1)).rowcount == 1
    if not won:
        session.rollback()
        raise ValidationError("overview.err.changed")
    changelog.record(session, "agency", unit_id, actor_id, {k: (before[k], v) for k, v in values.items()})
    session.commit()


def record_review(session: Session, actor_id: int | None, unit_id: int, *, held_on: date | None,
                  note: str = "") -> int:
    """A management review an agency reports having held."""
    require(session, actor_id, "overview:manage")
    _agency(session, unit_id)
    if held_on is None:
        raise ValidationError("overview.err.held_on")
    clock.require_within(held_on, date(2000, 1, 1), clock.today(), field="overview.review_on")
    check_values("agencyreview", {"note": nfc(note)})
    review = AgencyReview(unit_id=unit_id, held_on=held_on, note=nfc(note), recorded_by_id=actor_id,
                          recorded_at=clock.now())
    session.add(review)
    session.flush()
    changelog.record(session, "agency_review", review.id, actor_id, {"held_on": (None, held_on)})
    session.commit()
    return review.id


def status_report(session: Session, actor_id: int | None, year: int, today: date, **filters) -> dict:
    """What the annual status report prints: the counts and each agency's row."""
    rows = overview(session, actor_id, year, today, **filters)
    return {"year": year, "counts": counts(rows), "rows": rows, "day": today}
