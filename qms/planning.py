"""Planning the year: programmes, audits, audited units, teams, impartiality, copying last year, coverage."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from qms import audits, changelog, checklists, clock, db, standards, tailoring
from qms.errors import NotFound, ValidationError
from qms.models import (Audit, AuditProgramme, AuditStatus, AuditTeamMember, AuditUnit, AuditUnitAuditor,
                        Checklist, ChecklistItem, ClauseExclusion, Response, Result, Role, Unit, User, UserRole,
                        UserUnit)
from qms.permissions import require
from qms.text import nfc

EDITABLE = (AuditStatus.planned, AuditStatus.in_progress)
MAX_AUDIT_SPAN = timedelta(days=366)  # a programme-wide audit may visit units all year


def create_programme(session: Session, actor_id: int | None, year: int, objectives: str = "") -> int:
    require(session, actor_id, "programme:plan")
    if not 2000 <= int(year) <= 2100:
        raise ValidationError("error.year_invalid")
    if session.exec(select(AuditProgramme.id).where(AuditProgramme.year == year)).first() is not None:
        raise ValidationError("error.programme_exists", year=year)
    programme = AuditProgramme(year=year, objectives=nfc(objectives), created_at=clock.now())
    session.add(programme)
    session.flush()
    changelog.record(session, "programme", programme.id, actor_id, {"year": (None, year)})
    session.commit()
    return programme.id


def next_audit_code(session: Session, year: int) -> str:
    """ĐGNB-<year>-NN, one more than the highest number used that year."""
    codes = session.exec(select(Audit.code).where(Audit.code.like(f"ĐGNB-{year}-%"))).all()
    numbers = [int(c.rsplit("-", 1)[1]) for c in codes if c.rsplit("-", 1)[1].isdigit()]
    return f"ĐGNB-{year}-{max(numbers, default=0) + 1:02d}"


def auditors(session: Session) -> list[dict]:
    """Active users who may audit, for choosing teams."""
    rows = session.exec(select(User).join(UserRole, UserRole.user_id == User.id)
                        .where(UserRole.role == Role.auditor, User.active).order_by(User.full_name)).all()
    return [{"id": u.id, "full_name": u.full_name, "username": u.username} for u in rows]


def _check_team(session: Session, lead_id: int | None, team: list[int]) -> None:
    allowed = {a["id"] for a in auditors(session)}
    for user_id in [*team, *([lead_id] if lead_id else [])]:
        if user_id not in allowed:
            raise ValidationError("error.not_an_auditor")


@db.retry_unique
def create_audit(session: Session, actor_id: int | None, year: int, title: str, checklist_id: int,
                 planned_start: date, planned_end: date, lead_auditor_id: int | None, team: list[int],
                 scope: str = "", criteria: str = "") -> int:
    """A new audit in the year's programme, with the next code."""
    require(session, actor_id, "programme:plan")
    programme = session.exec(select(AuditProgramme).where(AuditProgramme.year == year)).first()
    if programme is None:
        raise NotFound("error.programme_missing", year=year)
    title = nfc(title)
    if not title:
        raise ValidationError("error.title_required")
    if session.get(Checklist, checklist_id) is None:
        raise NotFound("error.checklist_missing")
    if planned_end < planned_start:
        raise ValidationError("error.dates_order")
    # It starts in the programme's year; it may run over New Year, not over a typo's thousand years.
    clock.require_within(planned_start, date(year, 1, 1), date(year, 12, 31), field="audit.planned_start")
    clock.require_within(planned_end, planned_start, planned_start + MAX_AUDIT_SPAN, field="audit.planned_end")
    _check_team(session, lead_auditor_id, team)
    audit = Audit(programme_id=programme.id, code=next_audit_code(session, year), title=title, scope=nfc(scope),
                  criteria=nfc(criteria), checklist_id=checklist_id, planned_start=planned_start,
                  planned_end=planned_end, lead_auditor_id=lead_auditor_id, status=AuditStatus.planned,
                  created_at=clock.now())
    session.add(audit)
    session.flush()
    members = sorted(set(team) | ({lead_auditor_id} if lead_auditor_id else set()))
    session.add_all([AuditTeamMember(audit_id=audit.id, user_id=u) for u in members])
    changelog.record(session, "audit", audit.id, actor_id, {"code": (None, audit.code), "title": (None, title)})
    session.commit()
    return audit.id


def team(session: Session, audit_id: int) -> list[int]:
    return list(session.exec(select(AuditTeamMember.user_id).where(AuditTeamMember.audit_id == audit_id)).all())


def check_impartiality(session: Session, unit_id: int, auditor_ids: list[int]) -> None:
    """ISO 9001 9.2.2 c: nobody audits a unit they belong to (or a unit above theirs)."""
    up = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("up", recursive=True)
    up = up.union_all(select(Unit.id, Unit.parent_id).where(Unit.id == up.c.parent_id))
    chain = set(session.exec(select(up.c.id)).all())
    for user_id in auditor_ids:
        own = set(session.exec(select(UserUnit.unit_id).where(UserUnit.user_id == user_id)).all())
        if own & chain:
            user = session.get(User, user_id)
            unit = session.get(Unit, unit_id)
            raise ValidationError("error.impartiality", auditor=user.full_name, unit=unit.name)


def plan_unit(session: Session, actor_id: int | None, audit_id: int, unit_id: int, audit_date: date | None,
              auditor_ids: list[int], auditee_reps: str = "") -> int:
    """Add a unit to an audit, or re-plan it: date, auditors (from the audit team), auditee representatives."""
    require(session, actor_id, "programme:plan")
    audit = audits.get(session, audit_id)
    if audit.status not in EDITABLE:
        raise ValidationError("error.audit_locked")
    if session.get(Unit, unit_id) is None:
        raise NotFound("error.unit_missing")
    if not auditor_ids:
        raise ValidationError("error.auditors_required")
    outside = set(auditor_ids) - set(team(session, audit_id))
    if outside:
        raise ValidationError("error.auditor_not_in_team")
    if audit_date and audit.planned_start and audit.planned_end and not (
            audit.planned_start <= audit_date <= audit.planned_end):
        raise ValidationError("error.date_outside_audit")
    check_impartiality(session, unit_id, auditor_ids)
    row = session.exec(select(AuditUnit).where(AuditUnit.audit_id == audit_id, AuditUnit.unit_id == unit_id)).first()
    before = None
    if row is None:
        row = AuditUnit(audit_id=audit_id, unit_id=unit_id)
    else:
        before = (row.audit_date, row.auditee_reps)
    row.audit_date, row.auditee_reps = audit_date, nfc(auditee_reps)
    session.add(row)
    session.flush()
    session.exec(delete(AuditUnitAuditor).where(AuditUnitAuditor.audit_unit_id == row.id))
    session.add_all([AuditUnitAuditor(audit_unit_id=row.id, user_id=u) for u in sorted(set(auditor_ids))])
    changelog.record(session, "auditunit", row.id, actor_id, {
        "audit_date": (before[0] if before else None, audit_date),
        "auditors": (None, ",".join(map(str, sorted(set(auditor_ids)))))})
    session.commit()
    return row.id


def remove_unit(session: Session, actor_id: int | None, audit_unit_id: int) -> None:
    """Take a unit out of an audit that has no answers for it yet."""
    require(session, actor_id, "programme:plan")
    row = session.get(AuditUnit, audit_unit_id)
    if row is None:
        raise NotFound("error.audit_unit_missing")
    if session.exec(select(func.count()).select_from(Response).where(Response.audit_unit_id == row.id)).one():
        raise ValidationError("error.unit_has_answers")
    session.exec(delete(AuditUnitAuditor).where(AuditUnitAuditor.audit_unit_id == row.id))
    session.exec(delete(ClauseExclusion).where(ClauseExclusion.audit_unit_id == row.id))
    changelog.record(session, "auditunit", row.id, actor_id, {"deleted": (row.unit_id, None)})
    session.delete(row)
    session.commit()


def copy_programme(session: Session, actor_id: int | None, from_year: int, to_year: int) -> int:
    """Last year's audits into a new year: dates shifted by whole years, statuses reset, no answers or findings."""
    require(session, actor_id, "programme:plan")
    source = session.exec(select(AuditProgramme).where(AuditProgramme.year == from_year)).first()
    if source is None:
        raise NotFound("error.programme_missing", year=from_year)
    programme_id = create_programme(session, actor_id, to_year, source.objectives)
    shift = to_year - from_year
    for audit in session.exec(select(Audit).where(Audit.programme_id == source.id).order_by(Audit.code)).all():
        number = audit.code.rsplit("-", 1)[1]
        copy = Audit(programme_id=programme_id, code=f"ĐGNB-{to_year}-{number}", title=_shift_title(audit.title, from_year, to_year),
                     scope=audit.scope, criteria=audit.criteria, checklist_id=audit.checklist_id,
                     planned_start=_shift(audit.planned_start, shift), planned_end=_shift(audit.planned_end, shift),
                     lead_auditor_id=audit.lead_auditor_id, status=AuditStatus.planned, created_at=clock.now())
        session.add(copy)
        session.flush()
        session.add_all([AuditTeamMember(audit_id=copy.id, user_id=u) for u in team(session, audit.id)])
        for unit in session.exec(select(AuditUnit).where(AuditUnit.audit_id == audit.id)).all():
            new_unit = AuditUnit(audit_id=copy.id, unit_id=unit.unit_id, audit_date=_shift(unit.audit_date, shift),
                                 auditee_reps=unit.auditee_reps, clauses_in_scope=unit.clauses_in_scope)
            session.add(new_unit)
            session.flush()
            people = session.exec(select(AuditUnitAuditor.user_id)
                                  .where(AuditUnitAuditor.audit_unit_id == unit.id)).all()
            session.add_all([AuditUnitAuditor(audit_unit_id=new_unit.id, user_id=u) for u in people])
        for exclusion in session.exec(select(ClauseExclusion).where(ClauseExclusion.audit_id == audit.id,
                                                                    ClauseExclusion.audit_unit_id.is_(None))).all():
            session.add(ClauseExclusion(audit_id=copy.id, clause=exclusion.clause,
                                        justification=exclusion.justification))
        changelog.record(session, "audit", copy.id, actor_id, {"copied_from": (None, audit.code)})
    session.commit()
    return programme_id


def _shift(value: date | None, years: int) -> date | None:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February into a common year
        return value.replace(year=value.year + years, day=28)


def _shift_title(title: str, from_year: int, to_year: int) -> str:
    return title.replace(str(from_year), str(to_year))


def coverage(session: Session, year: int, unit_ids: list[int] | None = None) -> list[dict]:
    """Units × clause groups 4–10 for the year: 'audited' (answered), 'planned' (in an audit), or absent; for the
    given units only (a page of the grid) when `unit_ids` is given."""
    programme = session.exec(select(AuditProgramme).where(AuditProgramme.year == year)).first()
    if programme is None or unit_ids == []:
        return []
    planned_query = select(AuditUnit.id, AuditUnit.unit_id, AuditUnit.clauses_in_scope, Audit.checklist_id) \
        .join(Audit, Audit.id == AuditUnit.audit_id).where(Audit.programme_id == programme.id)
    if unit_ids is not None:
        planned_query = planned_query.where(AuditUnit.unit_id.in_(unit_ids))
    planned_rows = session.exec(planned_query).all()
    groups_of_checklist: dict[int, set[str]] = {}
    cells: dict[tuple[int, str], str] = {}
    for au_id, unit_id, in_scope, checklist_id in planned_rows:
        if checklist_id not in groups_of_checklist:
            groups_of_checklist[checklist_id] = {standards.group_of(c) for c in checklists.version(session, checklist_id).counts}
        groups = {standards.group_of(c) for c in in_scope} if in_scope else groups_of_checklist[checklist_id]
        for group in groups:
            cells.setdefault((unit_id, group), "planned")
    if planned_rows:
        audited = session.exec(
            select(AuditUnit.unit_id, ChecklistItem.clause).distinct()
            .join(Response, Response.audit_unit_id == AuditUnit.id)
            .join(ChecklistItem, ChecklistItem.id == Response.item_id)
            .where(AuditUnit.id.in_([row[0] for row in planned_rows]),
                   Response.result.notin_([Result.not_audited, Result.na]))).all()
        for unit_id, clause in audited:
            cells[(unit_id, standards.group_of(clause))] = "audited"
    names = dict(session.exec(select(Unit.id, Unit.code).where(Unit.id.in_({u for u, _g in cells}))).all()) \
        if cells else {}
    return [{"unit_id": u, "unit": names.get(u, ""), "group": g, "state": s} for (u, g), s in sorted(cells.items())]


def uncovered(session: Session, year: int) -> tuple[int, int]:
    """Active units in no audit of the year's programme, and active units in all."""
    active = session.exec(select(func.count()).select_from(Unit).where(Unit.active)).one()
    planned = select(AuditUnit.unit_id).join(Audit, Audit.id == AuditUnit.audit_id) \
        .join(AuditProgramme, AuditProgramme.id == Audit.programme_id).where(AuditProgramme.year == year)
    covered = session.exec(select(func.count()).select_from(Unit).where(Unit.active, Unit.id.in_(planned))).one()
    return active - covered, active


def coverage_of_unit(session: Session, year: int, unit_id: int) -> dict[str, str]:
    """One unit's clauses for the year: clause -> 'audited' or 'planned' (the drill-down of `coverage`)."""
    programme = session.exec(select(AuditProgramme).where(AuditProgramme.year == year)).first()
    if programme is None:
        return {}
    states: dict[str, str] = {}
    rows = session.exec(select(AuditUnit).join(Audit, Audit.id == AuditUnit.audit_id)
                        .where(Audit.programme_id == programme.id, AuditUnit.unit_id == unit_id)).all()
    for audit_unit in rows:
        for clause in tailoring.scope(session, audit_unit.audit_id, audit_unit.id)["in_scope"]:
            states.setdefault(clause, "planned")
        answered = session.exec(select(ChecklistItem.clause).distinct()
                                .join(Response, Response.item_id == ChecklistItem.id)
                                .where(Response.audit_unit_id == audit_unit.id,
                                       Response.result.notin_([Result.not_audited, Result.na]))).all()
        for clause in answered:
            states[clause] = "audited"
    return dict(sorted(states.items(), key=lambda kv: standards.clause_sort_key(kv[0])))


def report_version(session: Session, audit_id: int) -> tuple:
    """Changes whenever anything the audit report shows changes (for not rebuilding an unchanged PDF)."""
    from qms.models import ChangeLog, Finding
    last = session.exec(select(func.max(ChangeLog.id))).one()
    findings = session.exec(select(func.count(), func.max(Finding.version)).select_from(Finding)
                            .join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                            .where(AuditUnit.audit_id == audit_id)).one()
    return (last, *findings)
