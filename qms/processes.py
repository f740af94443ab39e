"""Internal processes (quy trình nội bộ) and the lag between them and the procedures they cover.

Each issue of a process is kept; the process row holds the current one. A process lags when a procedure it covers
changed (was amended or abolished, by an imported decision) after the process's current issue, and more days have
passed since the change took effect than the organisation allows (`process_allowance_days`, 30 by default)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, event, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from qms import changelog, clock, procedures, settings
from qms.errors import NotFound, ValidationError
from qms.models import (Attachment, Procedure, ProcedureChange, ProcedureStatus, ProcedureUnit, ProcessDocument, ProcessIssue, ProcessProcedure,
                        Unit, check_values)
from qms.permissions import require, unit_ids as reached_units
from qms.text import fold, matches, nfc

KINDS = ("no_process", "late", "obsolete")  # the flags, in the order screens list them


def search_text(code: str, title: str) -> str:
    return fold(f"{code} {title}")


@event.listens_for(ProcessDocument, "before_insert")
@event.listens_for(ProcessDocument, "before_update")
def _fold_for_search(_mapper, _connection, process: ProcessDocument) -> None:
    process.search_text = search_text(process.code, process.title)


def allowance(session: Session) -> int:
    """Days a process may take to follow a change of its procedure before it is flagged late."""
    return int(settings.get(session, "process_allowance_days"))


@dataclass(frozen=True)
class Flag:
    kind: str  # one of KINDS
    unit_id: int
    unit: str
    procedure_id: int | None
    procedure: str  # "code – name"
    process_id: int | None
    process: str  # "code – title (issue n)"
    since: date | None  # the day the procedure changed (late) or took effect (no process)
    days_late: int  # days past the allowance (late); days since it took effect (no process); 0 (obsolete)

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def _clean(session: Session, code: str, title: str, issue_no: str, issued_on: date | None,
           procedure_ids: list[int], note: str, unit_id: int, current: set[int] = frozenset()) -> dict:
    """The values of an issue, checked; its procedures are among those the unit and the units below it handle (or
    those the process already covers)."""
    values = {"code": nfc(code), "title": nfc(title), "issue_no": nfc(issue_no), "note": nfc(note)}
    if not values["code"]:
        raise ValidationError("error.code_required")
    if not values["title"]:
        raise ValidationError("error.name_required")
    if not values["issue_no"]:
        raise ValidationError("processes.err.issue_no")
    if issued_on is None:
        raise ValidationError("processes.err.issued_on")
    if issued_on > clock.today():
        raise ValidationError("processes.err.future")
    check_values("processdocument", {k: values[k] for k in ("code", "title", "issue_no")})
    check_values("processissue", {"note": values["note"]})
    known = set(session.exec(select(Procedure.id).where(Procedure.id.in_(procedure_ids or [0]))).all())
    if set(procedure_ids) - known:
        raise NotFound("processes.err.procedure_missing")
    handled = set(session.exec(procedures.handled(session, unit_id)).all())
    if set(procedure_ids) - handled - set(current):
        raise ValidationError("processes.err.not_handled")
    return values


def create(session: Session, actor_id: int | None, *, unit_id: int, code: str, title: str, issue_no: str,
           issued_on: date | None, procedure_ids: list[int], note: str = "",
           file: tuple[str, bytes] | None = None) -> int:
    """A new process of a unit, with its first issue (and, optionally, its signed file: name and bytes); refused
    when the code is taken."""
    require(session, actor_id, "procedures:manage", unit_id=unit_id)
    if session.get(Unit, unit_id) is None:
        raise NotFound("error.unit_missing")
    values = _clean(session, code, title, issue_no, issued_on, procedure_ids, note, unit_id)
    if session.exec(select(ProcessDocument.id).where(ProcessDocument.code == values["code"])).first() is not None:
        raise ValidationError("processes.err.code_taken", code=values["code"])
    process = ProcessDocument(code=values["code"], title=values["title"], unit_id=unit_id,
                              issue_no=values["issue_no"], issued_on=issued_on)
    session.add(process)
    try:
        session.flush()
    except IntegrityError as exc:  # the same code created by someone else at this moment
        session.rollback()
        raise ValidationError("processes.err.code_taken", code=values["code"]) from exc
    _issue(session, actor_id, process, values, issued_on, procedure_ids, file)
    changelog.record(session, "process", process.id, actor_id, {"issue_no": (None, values["issue_no"])})
    session.commit()
    return process.id


def _issue(session: Session, actor_id: int | None, process: ProcessDocument, values: dict, issued_on: date,
           procedure_ids: list[int], file: tuple[str, bytes] | None) -> None:
    issue = ProcessIssue(process_id=process.id, issue_no=values["issue_no"], issued_on=issued_on,
                         title=values["title"], note=values["note"], procedure_ids=sorted(set(procedure_ids)),
                         created_by_id=actor_id, created_at=clock.now())
    session.add(issue)
    session.flush()
    if file is not None:
        from qms import attachments  # attachments reads findings, which reads this module's flags
        attachments.add(session, actor_id, file[0], file[1], process_issue_id=issue.id, commit=False)
    session.exec(delete(ProcessProcedure).where(ProcessProcedure.process_id == process.id))
    for procedure_id in sorted(set(procedure_ids)):
        session.add(ProcessProcedure(process_id=process.id, procedure_id=procedure_id))


def _editable(session: Session, actor_id: int | None, process_id: int, expected_version: int) -> ProcessDocument:
    process = session.get(ProcessDocument, process_id)
    if process is None:
        raise NotFound("processes.err.missing")
    require(session, actor_id, "procedures:manage", unit_id=process.unit_id)
    if process.version != expected_version:
        raise ValidationError("processes.err.changed")
    return process


def _claim(session: Session, process: ProcessDocument, expected_version: int, **values) -> None:
    """Write the process's new values only if nobody did since the screen showed `expected_version`: two saves at
    the same moment cannot both win (the check above reads; this one writes)."""
    done = session.connection().execute(
        update(ProcessDocument).where(ProcessDocument.id == process.id, ProcessDocument.version == expected_version)
        .values(**values, version=expected_version + 1))
    if done.rowcount != 1:
        session.rollback()
        raise ValidationError("processes.err.changed")
    session.refresh(process)


def reissue(session: Session, actor_id: int | None, process_id: int, *, expected_version: int, issue_no: str,
            issued_on: date | None, title: str, procedure_ids: list[int], note: str = "",
            file: tuple[str, bytes] | None = None) -> None:
    """A new issue of a process (the earlier issues are kept): its number and day, title and procedures."""
    process = _editable(session, actor_id, process_id, expected_version)
    covered = set(session.exec(select(ProcessProcedure.procedure_id).where(
        ProcessProcedure.process_id == process_id)).all())
    values = _clean(session, process.code, title, issue_no, issued_on, procedure_ids, note, process.unit_id, covered)
    if process.withdrawn_on is not None:
        raise ValidationError("processes.err.withdrawn")
    if values["issue_no"] == process.issue_no:
        raise ValidationError("processes.err.same_issue", issue=process.issue_no)
    if process.issued_on is not None and issued_on < process.issued_on:
        raise ValidationError("processes.err.before_last", day=process.issued_on.isoformat())
    changelog.record(session, "process", process.id, actor_id, {
        "issue_no": (process.issue_no, values["issue_no"]), "issued_on": (process.issued_on, issued_on),
        "title": (process.title, values["title"])})
    _claim(session, process, expected_version, issue_no=values["issue_no"], issued_on=issued_on,
           title=values["title"], search_text=search_text(process.code, values["title"]))  # core UPDATE: no event
    _issue(session, actor_id, process, values, issued_on, procedure_ids, file)
    session.commit()


def withdraw(session: Session, actor_id: int | None, process_id: int, *, expected_version: int,
             on: date | None = None) -> None:
    """Withdraw a process (its procedures abolished, or merged into another); its issues stay on record."""
    process = _editable(session, actor_id, process_id, expected_version)
    if process.withdrawn_on is not None:
        return
    _claim(session, process, expected_version, withdrawn_on=on or clock.today())
    changelog.record(session, "process", process.id, actor_id, {"withdrawn_on": (None, process.withdrawn_on)})
    session.commit()


def detail(session: Session, actor_id: int | None, process_id: int) -> dict:
    """A process with its issues (newest first) and the procedures its current issue covers."""
    process = session.get(ProcessDocument, process_id)
    if process is None:
        raise NotFound("processes.err.missing")
    require(session, actor_id, "procedures:read", unit_id=process.unit_id)
    issues = session.exec(select(ProcessIssue).where(ProcessIssue.process_id == process_id)
                          .order_by(ProcessIssue.issued_on.desc(), ProcessIssue.id.desc())).all()
    files = {issue_id: {"id": file_id, "name": name, "size": size} for issue_id, file_id, name, size in session.exec(
        select(Attachment.process_issue_id, Attachment.id, Attachment.name, Attachment.size).where(
            Attachment.process_issue_id.in_([i.id for i in issues] or [0]))).all()}
    covered = session.exec(select(Procedure).join(ProcessProcedure, ProcessProcedure.procedure_id == Procedure.id)
                           .where(ProcessProcedure.process_id == process_id).order_by(Procedure.code)).all()
    return {"id": process.id, "code": process.code, "title": process.title, "unit_id": process.unit_id,
            "issue_no": process.issue_no, "issued_on": process.issued_on, "withdrawn_on": process.withdrawn_on,
            "version": process.version,
            "procedures": [{"id": p.id, "code": p.code, "name": p.name, "status": p.status,
                            "effective_date": p.effective_date} for p in covered],
            "issues": [{"id": i.id, "issue_no": i.issue_no, "issued_on": i.issued_on, "title": i.title,
                        "note": i.note, "procedures": len(i.procedure_ids or []), "file": files.get(i.id)}
                       for i in issues]}


def listing(session: Session, actor_id: int | None, *, unit_id: int | None = None, term: str | None = None,
            limit: int = 500) -> dict:
    """The processes of a unit (and below), or of every unit the actor reads, with how many procedures each covers."""
    query = procedures.readable(session, actor_id, select(ProcessDocument, Unit.code, Unit.name)
                     .join(Unit, Unit.id == ProcessDocument.unit_id), ProcessDocument.unit_id,
                     ProcessDocument.search_text, unit_id=unit_id, term=term)
    rows = session.exec(query.order_by(Unit.code, ProcessDocument.code).limit(limit + 1)).all()
    ids = [p.id for p, _c, _n in rows[:limit]]
    counts: dict[int, int] = {}
    for process_id in session.exec(select(ProcessProcedure.process_id).where(
            ProcessProcedure.process_id.in_(ids or [0]))).all():
        counts[process_id] = counts.get(process_id, 0) + 1
    return {"more": len(rows) > limit, "rows": [
        {"id": p.id, "code": p.code, "title": p.title, "unit_id": p.unit_id, "unit": f"{code} – {name}",
         "issue_no": p.issue_no, "issued_on": p.issued_on, "withdrawn_on": p.withdrawn_on,
         "procedures": counts.get(p.id, 0)} for p, code, name in rows[:limit]]}


def flags(session: Session, actor_id: int | None, today: date, *, unit_ids: set[int] | None = None) -> list[Flag]:
    """Every lag flag in the units the actor reads (narrowed to `unit_ids` when given), most urgent first:
    procedures in force that no current process of their unit (or a unit above it) covers; processes not reissued
    since a procedure they cover changed, past the allowance; processes that cover only abolished procedures."""
    require(session, actor_id, "procedures:read")
    reached = reached_units(session, actor_id, "procedures:read")
    scope = reached if unit_ids is None else (unit_ids if reached is None else unit_ids & reached)
    held = select(ProcedureUnit.unit_id, Procedure).join(Procedure, Procedure.id == ProcedureUnit.procedure_id)
    current = select(ProcessDocument, Procedure).join(ProcessProcedure, ProcessProcedure.process_id == ProcessDocument.id) \
        .join(Procedure, Procedure.id == ProcessProcedure.procedure_id).where(ProcessDocument.withdrawn_on.is_(None))
    if scope is not None:
        held = held.where(ProcedureUnit.unit_id.in_(scope))
        # the scope's own processes, and those of units above it that cover its procedures
        current = current.where(ProcessDocument.unit_id.in_(scope) | ProcessDocument.id.in_(
            select(ProcessProcedure.process_id).where(ProcessProcedure.procedure_id.in_(
                select(ProcedureUnit.procedure_id).where(ProcedureUnit.unit_id.in_(scope))))))
    held_rows = session.exec(held).all()
    links = session.exec(current).all()
    if not held_rows and not links:
        return []  # most units: nothing to read further
    covers: dict[int, list[Procedure]] = {}
    process_rows: dict[int, ProcessDocument] = {}
    for process, procedure in links:
        covers.setdefault(process.id, []).append(procedure)
        process_rows.setdefault(process.id, process)
    covered_in: dict[int, set[int]] = {}  # procedure id → the units whose current processes cover it
    for process in process_rows.values():
        for procedure in covers[process.id]:
            covered_in.setdefault(procedure.id, set()).add(process.unit_id)
    # The tree is read only when a procedure is not covered by its own unit's process (a unit above may cover it).
    uncovered = [(u, p) for u, p in held_rows if p.status != ProcedureStatus.abolished
                 and u not in covered_in.get(p.id, set())]
    parents = dict(session.exec(select(Unit.id, Unit.parent_id)).all()) if uncovered else {}
    named = {u for u, _p in uncovered} | {p.unit_id for p in process_rows.values()}
    names = {uid: f"{code} – {name}" for uid, code, name in session.exec(
        select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(named or {0}))).all()}
    # Each procedure's announced changes in force by today, oldest first: a process is late from the first change
    # after its issue (a later amendment must not restart the count), a procedure is in force from its first.
    changes: dict[int, list[tuple[date, str]]] = {}
    for procedure_id, day, kind in session.exec(
            select(ProcedureChange.procedure_id, ProcedureChange.effective_date, ProcedureChange.kind).where(
                ProcedureChange.procedure_id.in_({p.id for _u, p in held_rows} | {
                    p.id for covered in covers.values() for p in covered} or {0}),
                ProcedureChange.effective_date <= today).order_by(ProcedureChange.effective_date)).all():
        changes.setdefault(procedure_id, []).append((day, kind))
    out: list[Flag] = []

    def above(unit_id: int):
        seen = set()
        while unit_id is not None and unit_id not in seen:
            seen.add(unit_id)
            yield unit_id
            unit_id = parents.get(unit_id)

    for unit_id, procedure in uncovered:
        owners = covered_in.get(procedure.id, set())
        if not any(u in owners for u in above(unit_id)):
            since = changes[procedure.id][0][0] if procedure.id in changes else procedure.effective_date
            if since is not None and since > today:
                continue  # announced, not yet in force
            out.append(Flag("no_process", unit_id, names.get(unit_id, ""), procedure.id,
                            f"{procedure.code} – {procedure.name}", None, "", since,
                            (today - since).days if since else 0))
    days = None
    for process in process_rows.values():
        if scope is not None and process.unit_id not in scope:
            continue
        covered = covers.get(process.id, [])
        label = f"{process.code} – {process.title} ({process.issue_no})"
        if covered and all(p.status == ProcedureStatus.abolished for p in covered):
            out.append(Flag("obsolete", process.unit_id, names.get(process.unit_id, ""), None, "", process.id, label,
                            max(p.effective_date for p in covered if p.effective_date) if any(
                                p.effective_date for p in covered) else None, 0))
            continue
        for procedure in covered:
            if procedure.status == ProcedureStatus.abolished or process.issued_on is None:
                continue  # one abolished procedure among others: the next issue drops it, no lag to count
            after = [day for day, kind in changes.get(procedure.id, []) if kind != "new" and day > process.issued_on]
            if not after and procedure.id not in changes and procedure.effective_date and \
                    process.issued_on < procedure.effective_date <= today:
                after = [procedure.effective_date]  # a procedure with no recorded change: its own day
            if not after:
                continue
            changed = after[0]
            days = allowance(session) if days is None else days
            late = (today - changed).days - days
            if late > 0:
                out.append(Flag("late", process.unit_id, names.get(process.unit_id, ""), procedure.id,
                                f"{procedure.code} – {procedure.name}", process.id, label, changed, late))
    return sorted(out, key=lambda f: (KINDS.index(f.kind), -f.days_late, f.unit, f.procedure, f.process))


def narrow(found: list[Flag], *, kind: str | None = None, term: str | None = None) -> list[Flag]:
    """The flags of one kind (None: every kind) whose unit, procedure or process holds every word of `term`,
    accents ignored."""
    return [f for f in found if (kind is None or f.kind == kind) and matches(term, f.unit, f.procedure, f.process)]


def counts_by_unit(found: list[Flag]) -> list[dict]:
    """Flags per unit and kind, the units with most first (the dashboard's chart)."""
    table: dict[str, dict[str, int]] = {}
    for flag in found:
        table.setdefault(flag.unit, dict.fromkeys(KINDS, 0))[flag.kind] += 1
    return [{"unit": unit, **kinds} for unit, kinds in sorted(table.items(), key=lambda kv: -sum(kv[1].values()))]
