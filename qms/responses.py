"""Answers on audit day: saved one by one the moment they are entered, never silently overwritten."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, select

from qms import attachments, changelog, checklists, clock, db, permissions, standards, tailoring
from qms.errors import NotFound, QMSError, ValidationError
from qms.models import (Audit, AuditStatus, AuditUnit, AuditUnitAuditor, Checklist, Response, Result, Unit, User,
                        check_values)
from qms.text import nfc

RESULTS = [r.value for r in Result]
FIELDS = ("result", "evidence", "records_sampled", "interviewed")
OPEN = (AuditStatus.planned, AuditStatus.in_progress)


class EditConflict(QMSError):
    """Someone else saved this answer after it was loaded; both versions travel with the error."""

    def __init__(self, mine: dict, theirs: dict) -> None:
        super().__init__("error.edit_conflict", who=theirs.get("answered_by", ""))
        self.mine, self.theirs = mine, theirs


@dataclass
class Context:
    audit: Audit
    audit_unit: AuditUnit
    checklist: Checklist  # held, so the session keeps it (checklists.version finds it there)


def context(session: Session, audit_unit_id: int) -> Context:
    """The audited unit and its audit (and checklist, into the session) in one query."""
    found = session.exec(select(AuditUnit, Audit, Checklist).join(Audit, Audit.id == AuditUnit.audit_id)
                         .join(Checklist, Checklist.id == Audit.checklist_id)
                         .where(AuditUnit.id == audit_unit_id)).first()
    if found is None:
        raise NotFound("error.audit_unit_missing")
    return Context(found[1], found[0], found[2])


def _in_scope(session: Session, ctx: Context) -> set[str]:
    version = checklists.version(session, ctx.audit.checklist_id)
    return set(tailoring.in_scope(session, ctx.audit, [ctx.audit_unit], version)[ctx.audit_unit.id])


def may_answer(session: Session, actor_id: int, ctx: Context) -> bool:
    """The unit's auditors and the audit's lead auditor answer; nobody else."""
    return permissions.allowed(session, actor_id, "answers:record", audit_unit_id=ctx.audit_unit.id)


def require_answerer(session: Session, actor_id: int, ctx: Context) -> None:
    """One of the unit's auditors (or the lead), while the audit is open."""
    permissions.require(session, actor_id, "answers:record", audit_unit_id=ctx.audit_unit.id)
    if ctx.audit.status not in OPEN:
        raise ValidationError("error.audit_locked")


def _as_dict(row: Response | None, answered_by: str = "") -> dict:
    if row is None:
        return {"id": None, "version": 0, "result": Result.not_audited.value, "evidence": "", "records_sampled": "",
                "interviewed": "", "answered_by": "", "answered_by_id": None, "answered_at": None}
    return {"id": row.id, "version": row.version, "result": row.result, "evidence": row.evidence,
            "records_sampled": row.records_sampled, "interviewed": row.interviewed,
            "answered_by": answered_by, "answered_by_id": row.answered_by_id, "answered_at": row.answered_at}


def _load(session: Session, audit_unit_id: int, item_id: int) -> tuple[Response | None, dict]:
    found = session.exec(select(Response, User.full_name).outerjoin(User, User.id == Response.answered_by_id)
                         .where(Response.audit_unit_id == audit_unit_id, Response.item_id == item_id)
                         .execution_options(populate_existing=True)).first()
    row, name = found if found else (None, "")
    return row, _as_dict(row, name or "")


def _stale(current: dict, clean: dict, expected_version: int | None, bases: dict | None) -> bool:
    """Whether someone else changed what this save was based on.

    With `bases` (the value of each field as the screen showed it) only a field changed by someone else to a
    value other than ours is a conflict, so saving one field never collides with one's own save of another.
    Without, any newer version is.
    """
    if bases is None:
        return current["version"] != (expected_version or 0)
    shown = {k: (None if k == "result" and not current["version"] else current[k]) for k in clean}
    # Bases are compared as stored (NFC, trimmed): "ghi " typed and saved as "ghi" is the same text.
    return any(shown[k] != (nfc(bases.get(k)) or (None if k == "result" else "")) and shown[k] != v
               for k, v in clean.items())


def save(session: Session, actor_id: int, audit_unit_id: int, item_id: int, values: dict,
         expected_version: int | None = None, *, bases: dict | None = None) -> dict:
    """Save fields of one answer, refusing (EditConflict) when someone else changed them since the screen showed them.

    `expected_version` is the version the auditor saw (0: none yet); `bases`, when given, holds the shown value
    of each saved field instead, for a field-by-field check.
    """
    ctx = context(session, audit_unit_id)
    require_answerer(session, actor_id, ctx)
    item = checklists.version(session, ctx.audit.checklist_id).by_id.get(item_id)
    if item is None:
        raise NotFound("error.item_missing")
    if item["clause"] not in _in_scope(session, ctx):
        raise ValidationError("error.item_out_of_scope")
    clean = {k: nfc(values[k]) for k in FIELDS if k in values}
    if "result" in clean and clean["result"] not in RESULTS:
        raise ValidationError("error.result_invalid")
    check_values("response", clean)  # written by a core statement, which the ORM's check does not see
    for _attempt in range(3):  # a lost race re-reads and re-checks against the winner
        row, current = _load(session, audit_unit_id, item_id)
        if _stale(current, clean, expected_version, bases):
            session.rollback()
            raise EditConflict({**current, **clean}, current)
        now = clock.now()
        if row is None:
            # Two auditors may save a question's first answer at once: the second insert does nothing and loses.
            insert = db.insert(session, Response)
            won = session.connection().execute(
                insert.values(audit_unit_id=audit_unit_id, item_id=item_id, answered_by_id=actor_id, answered_at=now,
                              version=1, **clean)
                .on_conflict_do_nothing(index_elements=["audit_unit_id", "item_id"]).returning(Response.id)).first()
            changes = {k: (None, v) for k, v in clean.items()}
        else:
            changes = {k: (getattr(row, k), v) for k, v in clean.items() if getattr(row, k) != v}
            if not changes:
                session.rollback()
                return current
            # The version check and the write are one statement, so two saves racing cannot both win.
            won = session.connection().execute(
                update(Response).where(Response.id == row.id, Response.version == row.version)
                .values(**clean, version=row.version + 1, answered_by_id=actor_id, answered_at=now)).rowcount == 1
        if won:
            break
        session.rollback()
        if bases is None:
            _row, latest = _load(session, audit_unit_id, item_id)
            raise EditConflict({**latest, **clean}, latest)
    else:
        raise EditConflict({**current, **clean}, current)
    row, saved = _load(session, audit_unit_id, item_id)
    changelog.record(session, "response", row.id, actor_id, changes)
    if ctx.audit.status == AuditStatus.planned:
        ctx.audit.status = AuditStatus.in_progress
        session.add(ctx.audit)
        changelog.record(session, "audit", ctx.audit.id, actor_id, {"status": (AuditStatus.planned, AuditStatus.in_progress)})
    session.commit()
    return saved


def sheet(session: Session, audit_unit_id: int) -> list[dict]:
    """Every in-scope question of a unit with its current answer, in checklist order."""
    ctx = context(session, audit_unit_id)
    in_scope = _in_scope(session, ctx)
    answers = {response.item_id: _as_dict(response, name or "") for response, name in session.exec(
        select(Response, User.full_name).outerjoin(User, User.id == Response.answered_by_id)
        .where(Response.audit_unit_id == audit_unit_id)).all()}
    return [item | {"answer": answers.get(item["id"]) or _as_dict(None)}
            for item in checklists.version(session, ctx.audit.checklist_id).items if item["clause"] in in_scope]


def mark_not_audited(session: Session, actor_id: int, audit_unit_id: int, reason: str) -> int:
    """Record every in-scope question still without an answer as 'not audited', with the reason; returns how many."""
    ctx = context(session, audit_unit_id)
    require_answerer(session, actor_id, ctx)
    reason = nfc(reason).strip()
    if not reason:
        raise ValidationError("error.reason_required")
    pending = [r["id"] for r in sheet(session, audit_unit_id) if r["answer"]["version"] == 0]
    marked = 0
    for item_id in pending:
        try:
            save(session, actor_id, audit_unit_id, item_id, {"result": Result.not_audited.value, "evidence": reason}, 0)
            marked += 1
        except EditConflict:
            pass  # answered meanwhile by another auditor: their answer stands
    return marked


def progress(rows: list[dict]) -> dict:
    """Answered / total per unit and per clause (from `sheet` rows)."""
    by_clause: dict[str, list[int]] = {}
    for row in rows:
        done = row["answer"]["result"] != Result.not_audited or row["answer"]["version"] > 0
        counts = by_clause.setdefault(row["clause"], [0, 0])
        counts[0] += int(done)
        counts[1] += 1
    answered = sum(c[0] for c in by_clause.values())
    return {"answered": answered, "total": len(rows),
            "clauses": {k: {"answered": v[0], "total": v[1]}
                        for k, v in sorted(by_clause.items(), key=lambda kv: standards.clause_sort_key(kv[0]))}}


def unanswered(session: Session, audit_unit_id: int) -> int:
    """In-scope questions of a unit with no saved answer."""
    ctx = context(session, audit_unit_id)
    answered, total = counts(session, ctx.audit, [ctx.audit_unit])[audit_unit_id]
    return total - answered


def counts(session: Session, audit: Audit, units: list[AuditUnit]) -> dict[int, tuple[int, int]]:
    """(answered, in scope) questions of several units of one audit: one query per distinct scope, however many
    units share it (the same rule as `progress`: any saved answer counts, 'not audited' included)."""
    version = checklists.version(session, audit.checklist_id)
    by_scope: dict[frozenset[str], list[int]] = {}
    for unit_id, clauses in tailoring.in_scope(session, audit, units, version).items():
        by_scope.setdefault(frozenset(clauses), []).append(unit_id)
    out: dict[int, tuple[int, int]] = {}
    for clauses, unit_ids in by_scope.items():
        items = [i["id"] for i in version.items if i["clause"] in clauses]
        answered = dict(session.exec(select(Response.audit_unit_id, func.count()).where(
            Response.audit_unit_id.in_(unit_ids), Response.item_id.in_(items)).group_by(Response.audit_unit_id)).all()) \
            if items else {}
        out |= {unit_id: (answered.get(unit_id, 0), len(items)) for unit_id in unit_ids}
    return out


def my_units(session: Session, actor_id: int) -> list[dict]:
    """Units of open or completed (not yet reported) audits the actor audits or leads."""
    if not permissions.reaches(session, actor_id, "answers:record"):
        return []
    assigned = select(AuditUnitAuditor.audit_unit_id).where(AuditUnitAuditor.user_id == actor_id)
    rows = session.exec(select(AuditUnit, Audit, Unit).join(Audit, Audit.id == AuditUnit.audit_id)
                        .join(Unit, Unit.id == AuditUnit.unit_id)
                        .where(Audit.status.in_([*OPEN, AuditStatus.completed]),
                               (Audit.lead_auditor_id == actor_id) | AuditUnit.id.in_(assigned))
                        .order_by(AuditUnit.audit_date, Audit.code, Unit.code)).all()
    return [{"audit_unit_id": au.id, "audit_id": a.id, "audit": a.code, "title": a.title, "unit": u.name,
             "unit_code": u.code, "date": au.audit_date, "lead": a.lead_auditor_id == actor_id, "status": a.status}
            for au, a, u in rows]


def attach(session: Session, actor_id: int, audit_unit_id: int, item_id: int, name: str, data: bytes) -> dict:
    """Add a file or photo to an answer; refused files leave the answer as it was."""
    ctx = context(session, audit_unit_id)
    require_answerer(session, actor_id, ctx)
    row = session.exec(select(Response).where(Response.audit_unit_id == audit_unit_id,
                                              Response.item_id == item_id)).first()
    if row is None:
        raise ValidationError("error.answer_first")
    return attachments.add(session, actor_id, name, data, response_id=row.id)
