"""Aggregations for dashboards and the management review, computed in SQL within the viewer's scope."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, select

from qms import clock, findings, processes, scope, snapshots, standards, units
from qms.models import (ActionItem, Audit, AuditProgramme, AuditUnit, CorrectiveAction, Finding, FindingStatus,
                        Grade, Response, Result, Unit)
from qms.permissions import require

OPEN = findings.OPEN
NONCONFORMITY = [Grade.major, Grade.minor]
AGE_BUCKETS = ("0-30", "31-60", "61-90", ">90")


@dataclass
class DashFilter:
    start: date | None = None  # period, on the date findings were issued
    end: date | None = None
    unit_id: int | None = None  # with its sub-units
    audit_id: int | None = None
    grade: str | None = None


def _findings(session: Session, actor_id: int, flt: DashFilter, *columns):
    """SELECT columns FROM findings (issued, never drafts) narrowed by the filter and the viewer's scope."""
    require(session, actor_id, "dashboard:read")
    query = select(*columns).select_from(Finding).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id) \
        .where(Finding.status != FindingStatus.draft)
    query = query.where(*findings.issued_between(flt.start, flt.end))
    if flt.unit_id:
        query = query.where(AuditUnit.unit_id.in_(units.descendants(flt.unit_id)))
    if flt.audit_id:
        query = query.where(AuditUnit.audit_id == flt.audit_id)
    if flt.grade:
        query = query.where(Finding.grade == flt.grade)
    return scope.restrict_findings(session, actor_id, query)


def findings_by_status_grade(session: Session, actor_id: int, flt: DashFilter | None = None) -> list[dict]:
    """Count of findings per status and grade."""
    query = _findings(session, actor_id, flt or DashFilter(), Finding.status, Finding.grade, func.count())
    order = [s.value for s in FindingStatus]
    rows = [{"status": s, "grade": g, "count": n}
            for s, g, n in session.exec(query.group_by(Finding.status, Finding.grade)).all()]
    return sorted(rows, key=lambda r: (order.index(r["status"]), r["grade"]))


def open_by_unit(session: Session, actor_id: int, flt: DashFilter, limit: int = 15) -> list[dict]:
    query = _findings(session, actor_id, flt, Unit.id, Unit.name, func.count()).join(Unit, Unit.id == AuditUnit.unit_id) \
        .where(Finding.status.in_(OPEN), Finding.grade.in_(NONCONFORMITY)).group_by(Unit.id, Unit.name) \
        .order_by(func.count().desc(), Unit.name).limit(limit)
    return [{"unit_id": i, "unit": n, "count": c} for i, n, c in session.exec(query).all()]


def open_by_clause(session: Session, actor_id: int, flt: DashFilter) -> list[dict]:
    """Open nonconformities per clause, largest first, with the cumulative share (a Pareto chart)."""
    query = _findings(session, actor_id, flt, Finding.clause, func.count()) \
        .where(Finding.status.in_(OPEN), Finding.grade.in_(NONCONFORMITY)).group_by(Finding.clause)
    rows = sorted(session.exec(query).all(), key=lambda r: (-r[1], standards.clause_sort_key(r[0])))
    total, running, out = sum(n for _, n in rows) or 1, 0, []
    for clause, n in rows:
        running += n
        out.append({"clause": clause, "count": n, "cumulative": round(100 * running / total, 1)})
    return out


def open_by_grade(session: Session, actor_id: int, flt: DashFilter) -> list[dict]:
    query = _findings(session, actor_id, flt, Finding.grade, func.count()).where(Finding.status.in_(OPEN)) \
        .group_by(Finding.grade)
    order = [g.value for g in Grade]
    return sorted(({"grade": g, "count": n} for g, n in session.exec(query).all()), key=lambda r: order.index(r["grade"]))


def open_by_age(session: Session, actor_id: int, flt: DashFilter, today: date) -> list[dict]:
    """Open nonconformities by days since the report: 0–30, 31–60, 61–90, over 90."""
    edges = [datetime.combine(today - timedelta(days=d), time(), tzinfo=clock.ZONE) for d in (30, 60, 90)]
    bucket = case((Finding.issued_at >= edges[0], AGE_BUCKETS[0]), (Finding.issued_at >= edges[1], AGE_BUCKETS[1]),
                  (Finding.issued_at >= edges[2], AGE_BUCKETS[2]), else_=AGE_BUCKETS[3])
    query = _findings(session, actor_id, flt, bucket.label("age"), func.count()) \
        .where(Finding.status.in_(OPEN), Finding.grade.in_(NONCONFORMITY)).group_by("age")
    found = dict(session.exec(query).all())
    return [{"age": b, "count": found.get(b, 0)} for b in AGE_BUCKETS]


def overdue_actions(session: Session, actor_id: int, flt: DashFilter, today: date, by: str = "unit",
                    limit: int = 15) -> list[dict]:
    """Accepted actions past their due date and not done, per unit or per owner."""
    key = Unit.name if by == "unit" else func.coalesce(func.nullif(ActionItem.owner_name, ""), "—")
    query = _findings(session, actor_id, flt, key.label("key"), func.count()) \
        .join(Unit, Unit.id == AuditUnit.unit_id) \
        .join(CorrectiveAction, CorrectiveAction.finding_id == Finding.id) \
        .join(ActionItem, ActionItem.corrective_action_id == CorrectiveAction.id) \
        .where(Finding.status == FindingStatus.plan_accepted, ActionItem.done_date.is_(None),
               ActionItem.due_date < today).group_by("key").order_by(func.count().desc()).limit(limit)
    return [{by: k, "count": n} for k, n in session.exec(query).all()]


def _month(session: Session, column):
    """YYYY-MM of a stored UTC timestamp, in Viet Nam time, computed by the database."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m", column, "+7 hours")
    return func.to_char(func.timezone(clock.ZONE.key, column), "YYYY-MM")


def opened_closed_by_month(session: Session, actor_id: int, flt: DashFilter) -> list[dict]:
    """Findings opened (report issued) and closed per month."""
    out: dict[str, dict] = {}
    for column, kind in ((Finding.issued_at, "opened"), (Finding.closed_at, "closed")):
        month = _month(session, column).label("month")
        query = _findings(session, actor_id, flt, month, func.count()).where(column.is_not(None)).group_by("month")
        for value, n in session.exec(query).all():
            out.setdefault(value, {"month": value, "opened": 0, "closed": 0})[kind] = n
    return [out[m] for m in sorted(out)]


def conformity_by_unit(session: Session, actor_id: int, flt: DashFilter, limit: int = 30) -> list[dict]:
    """Share of audited questions answered 'conform', per unit and audit (N/A and not audited left out)."""
    require(session, actor_id, "dashboard:read")
    audited = Response.result.notin_([Result.na, Result.not_audited])
    query = select(Audit.code, Unit.name, func.sum(case((Response.result == Result.conform, 1), else_=0)),
                   func.count()).select_from(Response) \
        .join(AuditUnit, AuditUnit.id == Response.audit_unit_id).join(Audit, Audit.id == AuditUnit.audit_id) \
        .join(Unit, Unit.id == AuditUnit.unit_id).where(audited)
    unit_ids = scope.visible_unit_ids(session, actor_id)
    if unit_ids is not None:
        query = query.where(AuditUnit.unit_id.in_(unit_ids))
    if flt.unit_id:
        query = query.where(AuditUnit.unit_id.in_(units.descendants(flt.unit_id)))
    if flt.audit_id:
        query = query.where(Audit.id == flt.audit_id)
    query = query.group_by(Audit.code, Unit.name).order_by(Audit.code.desc(), Unit.name).limit(limit)
    return [{"audit": a, "unit": u, "rate": round(100 * c / n, 1) if n else 0.0, "answers": n}
            for a, u, c, n in session.exec(query).all()]


def programme_coverage(session: Session, actor_id: int, year: int) -> dict:
    """Active units in the year's programme, and those audited so far."""
    require(session, actor_id, "dashboard:read")
    active = session.exec(select(func.count()).select_from(Unit).where(Unit.active)).one()
    in_year = select(AuditUnit.unit_id).join(Audit, Audit.id == AuditUnit.audit_id) \
        .join(AuditProgramme, AuditProgramme.id == Audit.programme_id).where(AuditProgramme.year == year)
    planned = session.exec(select(func.count()).select_from(in_year.distinct().subquery())).one()
    audited_q = in_year.join(Response, Response.audit_unit_id == AuditUnit.id) \
        .where(Response.result.notin_([Result.not_audited, Result.na])).distinct()
    audited = session.exec(select(func.count()).select_from(audited_q.subquery())).one()
    return {"year": year, "active": active, "planned": planned, "audited": audited,
            "not_covered": max(active - planned, 0)}


def overdue_count(session: Session, actor_id: int, today, flt: DashFilter | None = None) -> int:
    """Findings overdue today (late plan, or an accepted action past due), within the viewer's scope."""
    from qms.findings import overdue_ids
    query = _findings(session, actor_id, flt or DashFilter(), Finding.id).where(Finding.id.in_(overdue_ids(today)))
    return session.exec(select(func.count()).select_from(query.subquery())).one()


def dashboard(session: Session, actor_id: int, flt: DashFilter, today: date, year: int) -> dict:
    """Every figure of the dashboard, counted now (plain data, stored as JSON by `dashboard_figures`)."""
    return {"status_grade": findings_by_status_grade(session, actor_id, flt),
            "by_unit": open_by_unit(session, actor_id, flt), "by_clause": open_by_clause(session, actor_id, flt),
            "by_grade": open_by_grade(session, actor_id, flt), "by_age": open_by_age(session, actor_id, flt, today),
            "overdue_unit": overdue_actions(session, actor_id, flt, today, "unit"),
            "overdue_owner": overdue_actions(session, actor_id, flt, today, "owner"),
            "months": opened_closed_by_month(session, actor_id, flt),
            "conformity": conformity_by_unit(session, actor_id, flt),
            "coverage": programme_coverage(session, actor_id, year),
            "overdue": overdue_count(session, actor_id, today, flt),
            "process_lag": process_lag(session, actor_id, flt, today)}


def process_lag(session: Session, actor_id: int, flt: DashFilter, today: date) -> list[dict]:
    """Lag flags (processes behind their procedures) by unit and kind, within the viewer's scope and unit filter."""
    require(session, actor_id, "dashboard:read")
    visible = scope.visible_unit_ids(session, actor_id)
    if flt.unit_id is not None:
        below = units.descendant_ids(session, flt.unit_id)
        visible = below if visible is None else visible & below
    return processes.counts_by_unit(processes.flags(session, actor_id, today, unit_ids=visible))


def _dashboard_key(session: Session, actor_id: int, flt: DashFilter, today: date, year: int) -> str:
    """Figures depend on what the viewer may see, not on who they are: one count serves everyone who sees alike."""
    require(session, actor_id, "dashboard:read")
    visible = scope.visible_unit_ids(session, actor_id)
    return snapshots.key("dashboard", None if visible is None else sorted(visible), asdict(flt), today, year)


def dashboard_figures(session: Session, actor_id: int, flt: DashFilter, today: date, year: int
                      ) -> tuple[dict, datetime, bool]:
    """The dashboard's figures as last counted for the viewer's scope, when, and whether they are due again
    (then `refresh_dashboard` should run soon, away from the page)."""
    return snapshots.get(session, _dashboard_key(session, actor_id, flt, today, year),
                         lambda: dashboard(session, actor_id, flt, today, year))


def refresh_dashboard(session: Session, actor_id: int, flt: DashFilter, today: date, year: int) -> None:
    snapshots.refresh(session, _dashboard_key(session, actor_id, flt, today, year),
                      lambda: dashboard(session, actor_id, flt, today, year))
