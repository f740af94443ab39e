"""Findings: raised from answers as drafts on audit day; the register, filtered and paged in SQL within scope."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, event, func, or_, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from qms import changelog, checklists, clock, formats, permissions, processes, responses, scope, units
from qms.errors import NotFound, ValidationError
from qms.i18n import t
from qms.models import (ActionItem, Audit, AuditProgramme, AuditUnit, ChecklistItem, CorrectiveAction, Finding,
                        FindingStatus, Grade, Response, Result, Unit)
from qms.permissions import require
from qms.text import fold, nfc


def search_text(code: str | None, clause: str, statement: str, evidence: str) -> str:
    return fold(" ".join([code or "", clause, statement, evidence]))


@event.listens_for(Finding, "before_insert")
@event.listens_for(Finding, "before_update")
def _fold_for_search(_mapper, _connection, finding: Finding) -> None:
    finding.search_text = search_text(finding.code, finding.clause, finding.statement, finding.evidence)


@dataclass
class RegisterFilter:
    year: int | None = None
    issued: tuple[date, date] | None = None  # the day the report issued it, both ends included (the dashboard's period)
    open_only: bool = False  # issued and not yet closed, as the dashboard counts "open"
    audit_id: int | None = None
    unit_id: int | None = None  # with its sub-units
    clause: str | None = None  # a clause ("8.5.1", with its sub-clauses) or a group ("8")
    grade: str | None = None
    status: str | None = None
    overdue_only: bool = False
    owner: str | None = None
    search: str | None = None
    recurring_only: bool = False


# Findings a unit is still working on: issued, not yet closed (drafts are the auditors' own).
OPEN = [FindingStatus.issued, FindingStatus.plan_submitted, FindingStatus.plan_accepted, FindingStatus.implemented,
        FindingStatus.verified_effective]


def issued_between(start: date | None, end: date | None) -> list:
    """Conditions for findings issued from `start` to `end` (days in the agency's time zone, both included)."""
    where = []
    if start:
        where.append(Finding.issued_at >= datetime.combine(start, time(), tzinfo=clock.ZONE))
    if end:
        where.append(Finding.issued_at < datetime.combine(end + timedelta(days=1), time(), tzinfo=clock.ZONE))
    return where


SORTS = {"newest": (Finding.id.desc(),), "code": (Finding.code, Finding.id), "due": (Finding.plan_due, Finding.id),
         "status": (Finding.status, Finding.id), "clause": (Finding.clause, Finding.id)}


def due_expression():
    """What a finding's `overdue_from` must hold, computed by the database from its status and actions."""
    earliest_undone = select(func.min(ActionItem.due_date)).join(
        CorrectiveAction, CorrectiveAction.id == ActionItem.corrective_action_id).where(
        CorrectiveAction.finding_id == Finding.id, ActionItem.done_date.is_(None)).scalar_subquery()
    return case((and_(Finding.status == FindingStatus.issued, Finding.grade.in_([Grade.major, Grade.minor])),
                 Finding.plan_due),
                (Finding.status == FindingStatus.plan_accepted, earliest_undone), else_=None)


def refresh_due(session: Session, finding_ids: Iterable[int] | None = None) -> None:
    """Recompute `overdue_from` (every finding when no ids are given).

    Writes through the ORM (a finding's status, an action added, done or removed) are followed at each flush
    (below); a write that bypasses the ORM, such as a status changed by a guarded UPDATE, calls this itself.
    """
    ids = None if finding_ids is None else sorted(set(finding_ids))
    if ids == []:
        return
    statement = update(Finding.__table__).values(overdue_from=due_expression())
    session.connection().execute(statement if ids is None else statement.where(Finding.__table__.c.id.in_(ids)))
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Finding) and (ids is None or obj.id in ids):
            session.expire(obj, ["overdue_from"])


@event.listens_for(OrmSession, "after_flush")
def _follow_due(session: OrmSession, _context) -> None:
    """A finding whose status or actions were just written gets its `overdue_from` recomputed in the same
    transaction, so no screen ever compares against a stale date."""
    finding_ids: set[int] = set()
    action_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Finding) and obj not in session.deleted:
            if not (obj in session.new and obj.status == FindingStatus.draft):  # a new draft is never due
                finding_ids.add(obj.id)
        elif isinstance(obj, ActionItem) and obj.corrective_action_id is not None:
            action_ids.add(obj.corrective_action_id)
        elif isinstance(obj, CorrectiveAction):
            finding_ids.add(obj.finding_id)
    if action_ids:
        finding_ids |= set(session.connection().execute(
            select(CorrectiveAction.finding_id).where(CorrectiveAction.id.in_(action_ids))).scalars())
    if finding_ids:
        session.connection().execute(update(Finding.__table__).values(overdue_from=due_expression())
                                     .where(Finding.__table__.c.id.in_(sorted(finding_ids))))
        session.info.setdefault("_due_refreshed", set()).update(finding_ids)


@event.listens_for(OrmSession, "after_flush_postexec")
def _forget_stale_due(session: OrmSession, _context) -> None:
    refreshed = session.info.pop("_due_refreshed", None)
    if refreshed:
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Finding) and obj.id in refreshed:
                session.expire(obj, ["overdue_from"])


def is_overdue(overdue_from: date | None, today: date) -> bool:
    return overdue_from is not None and overdue_from < today


def overdue_ids(today: date, among: list[int] | None = None):
    """Findings whose plan is late, or with an accepted action past its due date and not done."""
    query = select(Finding.id).where(Finding.overdue_from < today)
    return query if among is None else query.where(Finding.id.in_(among))


def _filtered(session: Session, actor_id: int, flt: RegisterFilter, today: date) -> list:
    """The register's conditions on findings. What narrows by audit or unit becomes one set of audited units,
    so a register with no such filter reads findings alone (joins on 220,000 rows cost more than the rows)."""
    where, on_units = [], []
    if flt.year:
        on_units.append(AuditUnit.audit_id.in_(select(Audit.id).join(AuditProgramme, AuditProgramme.id == Audit.programme_id)
                                               .where(AuditProgramme.year == flt.year)))
    if flt.audit_id:
        on_units.append(AuditUnit.audit_id == flt.audit_id)
    if flt.unit_id:
        on_units.append(AuditUnit.unit_id.in_(units.descendants(flt.unit_id)))
    visible = scope.visible_unit_ids(session, actor_id)
    if visible is not None:
        on_units.append(AuditUnit.unit_id.in_(visible))
    if on_units:
        where.append(Finding.audit_unit_id.in_(select(AuditUnit.id).where(*on_units)))
    if not scope.sees_drafts(session, actor_id):
        where.append(Finding.status != FindingStatus.draft)
    if flt.clause:
        where.append(or_(Finding.clause == flt.clause, Finding.clause.startswith(flt.clause + ".")))
    if flt.grade:
        where.append(Finding.grade == flt.grade)
    if flt.status:
        where.append(Finding.status == flt.status)
    if flt.open_only:
        where.append(Finding.status.in_(OPEN))
    if flt.issued:
        where.extend(issued_between(*flt.issued))
    if flt.overdue_only:
        where.append(Finding.overdue_from < today)
    if flt.recurring_only:
        where.append(Finding.recurring_of_id.is_not(None))
    if flt.owner:
        owned = select(CorrectiveAction.finding_id).join(ActionItem, ActionItem.corrective_action_id == CorrectiveAction.id) \
            .where(func.lower(ActionItem.owner_name).contains(nfc(flt.owner).lower(), autoescape=True))
        where.append(Finding.id.in_(owned))
    for word in fold(flt.search or "").split():
        where.append(Finding.search_text.contains(word, autoescape=True))
    return where


def register(session: Session, actor_id: int, flt: RegisterFilter, today: date, page: int = 0,
             page_size: int = 50, sort: str = "newest") -> tuple[list[dict], int]:
    """One page of the register and the total count; filtering, sorting and paging happen in SQL."""
    require(session, actor_id, "findings:read")
    where = _filtered(session, actor_id, flt, today)
    total = session.exec(select(func.count()).select_from(Finding).where(*where)).one()
    page_ids = session.exec(select(Finding.id).where(*where).order_by(*SORTS.get(sort, SORTS["newest"]))
                            .offset(page * page_size).limit(page_size)).all() if total else []
    return rows_for(session, list(page_ids), today), total


def rows_for(session: Session, finding_ids: list[int], today: date) -> list[dict]:
    """Register rows for these findings, in the given order."""
    if not finding_ids:
        return []
    rows = session.exec(
        select(Finding, Unit.name, Audit.code).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
        .join(Unit, Unit.id == AuditUnit.unit_id).join(Audit, Audit.id == AuditUnit.audit_id)
        .where(Finding.id.in_(finding_ids))).all()
    by_id = {f.id: (f, unit_name, audit_code) for f, unit_name, audit_code in rows}
    out = []
    for finding_id in finding_ids:
        f, unit_name, audit_code = by_id[finding_id]
        out.append({"id": f.id, "code": f.code, "audit": audit_code, "unit": unit_name, "clause": f.clause,
                    "grade": f.grade, "status": f.status, "statement": f.statement, "due": f.plan_due,
                    "overdue": is_overdue(f.overdue_from, today), "recurring": f.recurring_of_id is not None})
    return out


def export_rows(session: Session, actor_id: int, flt: RegisterFilter, today: date, sort: str = "newest",
                limit: int = 100_000) -> list[dict]:
    """Every row of the filtered register (for the Excel export), in pages of 1,000."""
    require(session, actor_id, "findings:read")
    ids = session.exec(select(Finding.id).where(*_filtered(session, actor_id, flt, today))
                       .order_by(*SORTS.get(sort, SORTS["newest"])).limit(limit)).all()
    out = []
    for start in range(0, len(ids), 1000):
        out += rows_for(session, list(ids[start:start + 1000]), today)
    return out


def detect_recurrence(session: Session, finding: Finding, months: int) -> int | None:
    """A closed finding of the same unit and clause within `months`: recurrence means that action was not effective."""
    unit_id = session.get(AuditUnit, finding.audit_unit_id).unit_id
    since = clock.now() - timedelta(days=round(months * 30.44))
    earlier = session.exec(select(Finding.id).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                           .where(AuditUnit.unit_id == unit_id, Finding.clause == finding.clause,
                                  Finding.status == FindingStatus.closed, Finding.closed_at >= since,
                                  Finding.id != finding.id)
                           .order_by(Finding.closed_at.desc())).first()
    finding.recurring_of_id = earlier
    return earlier


def require_readable(session: Session, actor_id: int | None, finding_id: int) -> Finding:
    """The finding, if the actor may read it; one outside their scope is as missing as one that never was."""
    require(session, actor_id, "findings:read")
    query = scope.restrict_findings(session, actor_id, select(Finding.id).join(
        AuditUnit, AuditUnit.id == Finding.audit_unit_id).where(Finding.id == finding_id))
    if session.exec(query).first() is None:
        raise NotFound("error.finding_missing")
    return session.get(Finding, finding_id)


def detail(session: Session, actor_id: int | None, finding_id: int) -> dict:
    """A finding's page: the finding, where it came from, its recurrence link, in the viewer's scope."""
    f = require_readable(session, actor_id, finding_id)
    au = session.get(AuditUnit, f.audit_unit_id)
    audit = session.get(Audit, au.audit_id)
    unit = session.get(Unit, au.unit_id)
    item = session.get(ChecklistItem, f.item_id) if f.item_id else None
    answer = session.get(Response, f.response_id) if f.response_id else None
    earlier = session.get(Finding, f.recurring_of_id) if f.recurring_of_id else None
    return f.model_dump(exclude={"search_text"}) | {
        "audit": audit.code, "audit_title": audit.title, "unit": unit.name, "unit_code": unit.code,
        "question": item.model_dump(exclude={"search_text"}) if item else None,
        "answer": answer.model_dump() if answer else None,
        "recurring_of": {"id": earlier.id, "code": earlier.code} if earlier else None,
        "overdue": is_overdue(f.overdue_from, clock.today())}


GRADE_OF_RESULT = {Result.nc_major: Grade.major, Result.nc_minor: Grade.minor,
                   Result.observation: Grade.observation, Result.ofi: Grade.ofi}
PREFIX = {Grade.major: "NC", Grade.minor: "NC", Grade.observation: "OBS", Grade.ofi: "OFI"}


def raise_from_response(session: Session, actor_id: int, response_id: int) -> int:
    """A draft finding prefilled from an answer: unit, clause, question, grade and evidence."""
    found = _raise(session, actor_id, response_id, only_graded=False)
    session.commit()
    return found


def _raise(session: Session, actor_id: int, response_id: int, *, only_graded: bool) -> int | None:
    response = session.get(Response, response_id)
    if response is None:
        raise NotFound("error.answer_missing")
    ctx = responses.context(session, response.audit_unit_id)
    responses.require_answerer(session, actor_id, ctx)
    if only_graded and response.result not in {r.value for r in GRADE_OF_RESULT}:
        return None
    existing = session.exec(select(Finding.id).where(Finding.response_id == response_id)).first()
    if existing is not None:
        return existing
    item = checklists.version(session, ctx.audit.checklist_id).by_id[response.item_id]
    grade = GRADE_OF_RESULT.get(Result(response.result), Grade.minor)
    finding = Finding(audit_unit_id=response.audit_unit_id, clause=item["clause"], item_id=item["id"],
                      response_id=response.id, grade=grade, statement=response.evidence or item["text_vi"],
                      evidence="\n".join(x for x in (response.evidence, response.records_sampled) if x),
                      requirement_ref=f"TCVN ISO 9001:2015, {item['clause']}", status=FindingStatus.draft,
                      created_by_id=actor_id, created_at=clock.now())
    session.add(finding)
    session.flush()
    changelog.record(session, "finding", finding.id, actor_id, {"status": (None, FindingStatus.draft),
                                                                "grade": (None, grade)})
    return finding.id


def raise_from_responses(session: Session, actor_id: int, response_ids: list[int]) -> list[int]:
    """Draft findings, in one transaction, for those of the answers still graded (an imported workbook's graded
    answers may have been changed to conforming since)."""
    raised = [_raise(session, actor_id, response_id, only_graded=True) for response_id in response_ids]
    session.commit()
    return [f for f in raised if f is not None]


# The requirement a lag flag points at: a process not updated (7.5.2 updating documented information), one kept
# for abolished procedures (7.5.3 control, obsolete documents), a procedure handled without one (8.1 operation).
CLAUSE_OF_FLAG = {"late": "7.5.2", "obsolete": "7.5.3", "no_process": "8.1"}


def process_flags(session: Session, actor_id: int, audit_unit_id: int, today: date) -> list[dict]:
    """The lag flags of an audited unit (and the units below it): evidence to check when its processes are audited."""
    ctx = responses.context(session, audit_unit_id)
    require(session, actor_id, "answers:read", audit_unit_id=audit_unit_id)
    return [f.as_dict() for f in processes.flags(session, actor_id, today,
                                                 unit_ids=units.descendant_ids(session, ctx.audit_unit.unit_id))]


def raise_from_flag(session: Session, actor_id: int, audit_unit_id: int, today: date, *, kind: str,
                    procedure_id: int | None, process_id: int | None, lang: str = "vi") -> int:
    """A draft finding from a lag flag still standing at the audited unit, prefilled as on the Procedures screen;
    the same flag raised twice gives the same draft."""
    ctx = responses.context(session, audit_unit_id)
    responses.require_answerer(session, actor_id, ctx)
    flag = next((f for f in process_flags(session, actor_id, audit_unit_id, today) if f["kind"] == kind
                 and f["procedure_id"] == procedure_id and f["process_id"] == process_id), None)
    if flag is None:
        raise NotFound("processes.err.flag_gone")
    key = f"{kind}:{process_id or ''}:{procedure_id or ''}"
    existing = session.exec(select(Finding.id).where(Finding.audit_unit_id == audit_unit_id,
                                                     Finding.flag_key == key)).first()
    if existing is not None:  # raised before, on another day or in the other language: the same draft
        return existing
    statement = t(f"processes.finding.{kind}", lang, unit=flag["unit"], procedure=flag["procedure"],
                  process=flag["process"], days=flag["days_late"], since=formats.day(flag["since"], lang))
    clause = CLAUSE_OF_FLAG[kind]
    finding = Finding(audit_unit_id=audit_unit_id, clause=clause, grade=Grade.minor, statement=statement, flag_key=key,
                      evidence=t("processes.finding_evidence", lang), requirement_ref=f"TCVN ISO 9001:2015, {clause}",
                      status=FindingStatus.draft, created_by_id=actor_id, created_at=clock.now())
    session.add(finding)
    session.flush()
    changelog.record(session, "finding", finding.id, actor_id, {"status": (None, FindingStatus.draft),
                                                                "grade": (None, Grade.minor)})
    session.commit()
    return finding.id


def _draft_for(session: Session, actor_id: int, finding_id: int) -> Finding:
    """A draft finding the actor may still change: one of the unit's auditors, audit still open."""
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise NotFound("error.finding_missing")
    ctx = responses.context(session, finding.audit_unit_id)
    permissions.require(session, actor_id, "answers:record", audit_unit_id=finding.audit_unit_id)
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
