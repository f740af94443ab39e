"""Administrative procedures (thủ tục hành chính, TTHC): each unit's register, imported from the lists agencies
download from the procedure database or receive with an announcing decision, in any column layout.

An import never saves before its preview: which procedures are new to the unit, amended, abolished, or as they were.
Confirming it records each change (decision, effective day) so a process issued before that day is known to lag."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import event, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from qms import changelog, checklist_excel, clock, limits, units
from qms.checklist_files import Problem
from qms.errors import NotFound, ValidationError
from qms.models import Procedure, ProcedureChange, ProcedureStatus, ProcedureUnit, Unit, check_values
from qms.permissions import require, unit_ids as reached_units
from qms.text import fold, nfc

# Column roles a procedure workbook may map; code and name are required.
ROLES = ["code", "name", "field", "level", "status", "decision_number", "decision_date", "effective_date"]
# Header words used in the lists of the national procedure database and in announcing decisions, folded.
GUESSES = {
    "code": ["code", "ma", "ma tthc", "ma thu tuc", "ma thu tuc hanh chinh", "ma so", "ma so tthc", "ma ho so",
             "procedure code"],
    "name": ["name", "ten", "ten tthc", "ten thu tuc", "ten thu tuc hanh chinh", "thu tuc hanh chinh", "procedure",
             "procedure name"],
    "field": ["field", "linh vuc", "ten linh vuc", "sector"],
    "level": ["level", "cap", "cap thuc hien", "cap giai quyet", "cap co quan giai quyet", "tthc cap"],
    "status": ["status", "tinh trang", "trang thai", "hinh thuc cong bo", "loai cong bo"],
    "decision_number": ["decision_number", "decision", "quyet dinh", "so quyet dinh", "quyet dinh cong bo",
                        "qd cong bo", "so qd"],
    "decision_date": ["decision_date", "ngay quyet dinh", "ngay ban hanh", "ngay cong bo", "decision date"],
    "effective_date": ["effective_date", "ngay hieu luc", "hieu luc", "ngay co hieu luc", "effective",
                       "effective date"],
}
ALIASES = {"ma": "code", "ten": "name", "linh_vuc": "field", "cap": "level", "decision": "decision_number"}
# What a status cell says, folded, by the first words that decide it.
_STATUS_WORDS = ((ProcedureStatus.abolished, ("bai bo", "huy bo", "abolish", "repeal", "het hieu luc")),
                 (ProcedureStatus.amended, ("sua doi", "bo sung", "thay the", "amend", "replace")),
                 (ProcedureStatus.in_force, ("moi", "ban hanh", "new", "in force", "con hieu luc", "giu nguyen", "")))
# A national code: a digit, a dot, six digits (1.004227); the database's full form adds parts (….000.00.00.H12).
_CODE = re.compile(r"^\d{1,2}\.\d{6}(\.[0-9A-Za-z]+)*$")
_NUMBER = re.compile(r"^\d{1,2}\.\d{1,5}$")  # a code kept as a number cell lost its trailing zeros: 1.00422
_HEADINGS = ("linh vuc", "phan ", "muc ", "nhom ")  # a group's heading in the name column, not a procedure
_COMPARED = ("name", "field", "level")  # a change in one of these is an amendment even when no status says so


@dataclass
class Entry:
    """One procedure as the workbook gives it."""
    row: int
    code: str
    name: str
    field: str
    level: str
    status: str  # ProcedureStatus
    decision_number: str
    decision_date: date | None
    effective_date: date | None


@dataclass
class Preview:
    """What confirming an import would do to one unit's register; saves nothing."""
    new: list[dict] = field(default_factory=list)
    amended: list[dict] = field(default_factory=list)
    abolished: list[dict] = field(default_factory=list)
    unchanged: int = 0
    outdated: list[dict] = field(default_factory=list)  # rows older than the change recorded: they change nothing
    problems: list[Problem] = field(default_factory=list)

    @property
    def changes(self) -> int:
        return len(self.new) + len(self.amended) + len(self.abolished)


def search_text(*texts: str) -> str:
    return fold(" ".join(texts))


@event.listens_for(Procedure, "before_insert")
@event.listens_for(Procedure, "before_update")
def _fold_for_search(_mapper, _connection, procedure: Procedure) -> None:
    procedure.search_text = search_text(procedure.code, procedure.name, procedure.field)


def parse_date(text: str) -> date | None:
    """A day as a workbook gives it: a date cell ("2026-03-15 00:00:00") or typed "15/03/2026"; None if blank."""
    text = (text or "").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{5}(\.0+)?", text) and 20_000 <= float(text) <= 80_000:  # a date cell kept as a number
        return date(1899, 12, 30) + timedelta(days=int(float(text)))
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text[:10] if pattern == "%Y-%m-%d" else text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def status_of(text: str) -> str:
    """What a status cell says, by the word it begins with: "Sửa đổi, bổ sung; bãi bỏ thành phần hồ sơ" amends,
    "TTHC mới ban hành thay thế TTHC bị bãi bỏ" announces; an empty cell is in force."""
    folded = fold(text)
    found = [(folded.find(word), status) for status, words in _STATUS_WORDS for word in words if word and word in folded]
    return min(found)[1] if found else ProcedureStatus.in_force


def read_entries(rows: list[list[str]], mapping: dict[str, int], header_row: int = 1, *,
                 decision_number: str = "", decision_date: date | None = None) -> tuple[list[Entry], list[Problem]]:
    """The data rows below the header as procedures; each bad row is a Problem with its sheet row number. The
    decision given for the whole file (a decision announcing this list) fills rows that name none."""
    problems: list[Problem] = []
    if "code" not in mapping:
        problems.append(Problem(header_row, "procedures.err.map_code"))
    if "name" not in mapping:
        problems.append(Problem(header_row, "procedures.err.map_name"))
    if problems:
        return [], problems

    def cell(values: list[str], role: str) -> str:
        index = mapping.get(role)
        return nfc(values[index]) if index is not None and index < len(values) else ""

    entries: list[Entry] = []
    seen: dict[str, int] = {}
    for offset, values in enumerate(rows):
        line = header_row + 1 + offset
        if not any(values):
            continue
        code, name = cell(values, "code"), cell(values, "name")
        if _NUMBER.match(code):
            code = code.ljust(code.index(".") + 7, "0")
        if not _CODE.match(code) and (not name or fold(name).startswith(_HEADINGS)) or not code and not name:
            continue  # a field's heading row ("I. Lĩnh vực Hộ tịch", merged across) in a list grouped by field
        if not _CODE.match(code):
            problems.append(Problem(line, "procedures.err.code", {"value": code[:40]}))
            continue
        if not name:
            problems.append(Problem(line, "procedures.err.name"))
            continue
        if code in seen:
            problems.append(Problem(line, "procedures.err.twice", {"code": code, "first": seen[code]}))
            continue
        seen[code] = line
        try:
            decided = parse_date(cell(values, "decision_date")) or decision_date
            effective = parse_date(cell(values, "effective_date")) or decided
        except ValueError as exc:
            problems.append(Problem(line, "procedures.err.date", {"value": str(exc)[:40]}))
            continue
        entry = Entry(line, code, name, cell(values, "field"), cell(values, "level"),
                      status_of(cell(values, "status")), cell(values, "decision_number") or decision_number,
                      decided, effective)
        try:
            check_values("procedure", {"code": entry.code, "name": entry.name, "field": entry.field,
                                       "level": entry.level, "decision_number": entry.decision_number})
        except ValidationError as exc:
            problems.append(Problem(line, exc.key, exc.params))
            continue
        entries.append(entry)
    if not entries and not problems:
        problems.append(Problem(header_row + 1, "checklist.err.no_rows"))
    return entries, problems


def find_header_row(rows: list[list[str]]) -> int:
    """The row (1 = first) whose headers name a code and a name column, among the first 20: lists come with title
    lines above the table. 1 when none does."""
    for number, row in enumerate(rows[:20], start=1):
        if {"code", "name"} <= set(checklist_excel.guess_mapping(row, None, GUESSES)):
            return number
    return 1


def read_workbook(raw: bytes, sheet: str | None = None, mapping: dict[str, int] | None = None,
                  header_row: int | None = None, **decision) -> tuple[list[Entry], list[Problem]]:
    """Read and map in one step (command line, tests): the header row found (or given), the columns guessed from it,
    `mapping` winning."""
    sheets, _info = checklist_excel.read(raw, limits.procedure_lists())
    chosen = next((s for s in sheets if s.name == sheet), None) if sheet else \
        next((s for s in sheets if s.rows), sheets[0] if sheets else None)
    if chosen is not None and chosen.problem is not None:
        return [], [chosen.problem]
    if chosen is None or not chosen.rows:
        return [], [Problem(1, "checklist.err.no_rows")]
    header_row = header_row or find_header_row(chosen.rows)
    if len(chosen.rows) < header_row:
        return [], [Problem(1, "checklist.err.no_rows")]
    header, body = chosen.rows[header_row - 1], chosen.rows[header_row:]
    if not any(any(row) for row in body):  # a header and nothing under it: no columns can be guessed either
        return [], [Problem(header_row + 1, "checklist.err.no_rows")]
    columns = checklist_excel.guess_mapping(header, body, GUESSES) | (mapping or {})
    if mapping:
        columns = {role: i for role, i in columns.items() if role in mapping or i not in mapping.values()}
    return read_entries(body, columns, header_row, **decision)


def _stored(session: Session, codes: list[str]) -> dict[str, Procedure]:
    found: dict[str, Procedure] = {}
    for start in range(0, len(codes), 500):  # an IN list each database takes
        for procedure in session.exec(select(Procedure).where(Procedure.code.in_(codes[start:start + 500]))).all():
            found[procedure.code] = procedure
    return found


def _differences(entry: Entry, stored: Procedure) -> dict[str, tuple[str, str]]:
    return {k: (getattr(stored, k), getattr(entry, k)) for k in _COMPARED
            if getattr(entry, k) and getattr(entry, k) != getattr(stored, k)}


def preview(session: Session, actor_id: int | None, unit_id: int, entries: list[Entry]) -> Preview:
    """What the entries would change in the unit's register: new to the unit, amended, abolished, as they were.

    A procedure is one record for every unit that handles it, so changing it (amending, abolishing) reaches their
    registers too: a unit head may change only procedures no unit outside theirs holds (a problem otherwise). A row
    older than the change already recorded (an old list imported after a newer decision) is outdated: it changes
    nothing; an abolished procedure comes back only from a row dated after its abolition."""
    require(session, actor_id, "procedures:manage", unit_id=unit_id)
    if session.get(Unit, unit_id) is None:
        raise NotFound("error.unit_missing")
    out = Preview()
    stored = _stored(session, [e.code for e in entries])
    held = set(session.exec(select(ProcedureUnit.procedure_id).where(ProcedureUnit.unit_id == unit_id)).all())
    today = clock.today()
    changing: list[tuple[Entry, Procedure]] = []
    for entry in entries:
        known = stored.get(entry.code)
        shown = {"row": entry.row, "code": entry.code, "name": entry.name, "field": entry.field,
                 "decision": entry.decision_number, "effective_date": entry.effective_date}
        day = entry.effective_date or today
        older = known is not None and known.effective_date is not None and day < known.effective_date
        if entry.status == ProcedureStatus.abolished:
            if known is not None and known.status == ProcedureStatus.abolished:
                out.unchanged += 1
            elif older:
                out.outdated.append(shown)
            else:
                out.abolished.append(shown)
                if known is not None:
                    changing.append((entry, known))
            continue
        if known is None or (known.id not in held and known.status != ProcedureStatus.abolished
                             and not _differences(entry, known)):
            out.new.append(shown | {"known": known is not None})
            continue
        differences = _differences(entry, known)
        renewed = known.status == ProcedureStatus.abolished  # announced again after its abolition
        announced_again = entry.status == ProcedureStatus.amended and entry.decision_number \
            and entry.decision_number != known.decision_number
        if renewed and (entry.effective_date is None or entry.effective_date <= known.effective_date):
            out.outdated.append(shown)  # an undated or older row does not undo an abolition
        elif (differences or renewed or announced_again) and older:
            out.outdated.append(shown)
        elif differences or renewed or announced_again:
            out.amended.append(shown | {"changes": differences, "before": known.name})
            changing.append((entry, known))
        elif known.id not in held:
            out.new.append(shown | {"known": True})
        else:
            out.unchanged += 1
    reach = reached_units(session, actor_id, "procedures:manage")
    if reach is not None and changing:
        holders: dict[int, set[int]] = {}
        for procedure_id, holder in session.exec(select(ProcedureUnit.procedure_id, ProcedureUnit.unit_id).where(
                ProcedureUnit.procedure_id.in_([p.id for _e, p in changing]))).all():
            holders.setdefault(procedure_id, set()).add(holder)
        for entry, known in changing:
            if holders.get(known.id, set()) - reach:
                out.problems.append(Problem(entry.row, "procedures.err.shared", {"code": entry.code}))
    return out


def apply(session: Session, actor_id: int | None, unit_id: int, entries: list[Entry], *, source: str = "") -> dict:
    """Save what the preview shows, in one transaction: the procedures, the unit's register and each change;
    refused whole while the preview has problems."""
    found = preview(session, actor_id, unit_id, entries)
    if found.problems:
        raise ValidationError("procedures.err.refused_rows", n=len(found.problems))
    stored = _stored(session, [e.code for e in entries])
    held = set(session.exec(select(ProcedureUnit.procedure_id).where(ProcedureUnit.unit_id == unit_id)).all())
    now, today = clock.now(), clock.today()
    kinds = {**{r["code"]: "new" for r in found.new}, **{r["code"]: "amended" for r in found.amended},
             **{r["code"]: "abolished" for r in found.abolished}}
    fresh = [Procedure(code=e.code, name=e.name, field=e.field, level=e.level, decision_number=e.decision_number,
                       decision_date=e.decision_date, effective_date=e.effective_date or today,
                       status=ProcedureStatus.abolished if e.status == ProcedureStatus.abolished
                       else ProcedureStatus.in_force) for e in entries if e.code not in stored]
    session.add_all(fresh)
    try:
        session.flush()  # one batch of inserts: their ids for the rows below
    except IntegrityError as exc:  # the same new code imported by someone else at this moment
        session.rollback()
        raise ValidationError("procedures.err.moved") from exc
    changed = {e.code: _differences(e, stored[e.code]) for e in entries if e.code in stored}  # before the update
    stored |= {p.code: p for p in fresh}
    for entry in entries:
        procedure = stored[entry.code]
        kind = kinds.get(entry.code)
        if kind in ("amended", "abolished"):
            before = {k: getattr(procedure, k) for k in ("name", "field", "level", "status", "decision_number")}
            for k in _COMPARED:
                setattr(procedure, k, getattr(entry, k) or getattr(procedure, k))
            procedure.status = ProcedureStatus.abolished if kind == "abolished" else ProcedureStatus.amended
            procedure.decision_number = entry.decision_number or procedure.decision_number
            procedure.decision_date = entry.decision_date or procedure.decision_date
            procedure.effective_date = entry.effective_date or today
            procedure.version += 1
            session.add(procedure)
            changelog.record(session, "procedure", procedure.id, actor_id,
                             {k: (v, getattr(procedure, k)) for k, v in before.items() if v != getattr(procedure, k)})
        if kind is not None:
            session.add(ProcedureChange(
                procedure_id=procedure.id, kind=kind, decision_number=entry.decision_number,
                decision_date=entry.decision_date, effective_date=procedure.effective_date,
                changes={k: list(v) for k, v in changed.get(entry.code, {}).items()} or None,
                source=source[:255], imported_by_id=actor_id, imported_at=now))
        if procedure.id not in held:
            session.add(ProcedureUnit(procedure_id=procedure.id, unit_id=unit_id))
            held.add(procedure.id)
    session.commit()
    return {"new": len(found.new), "amended": len(found.amended), "abolished": len(found.abolished),
            "unchanged": found.unchanged}


def readable(session: Session, actor_id: int | None, query, unit_column, search_column, *, unit_id: int | None,
             term: str | None):
    """`query` narrowed to the units the actor reads, to a unit and those below it, and to rows whose folded text
    holds every word of `term` (the rule of both registers, procedures and processes)."""
    require(session, actor_id, "procedures:read", unit_id=unit_id)
    if unit_id is not None:
        query = query.where(unit_column.in_(units.descendant_ids(session, unit_id)))
    reached = reached_units(session, actor_id, "procedures:read")
    if reached is not None:
        query = query.where(unit_column.in_(reached))
    for word in fold(term).split():
        query = query.where(search_column.contains(word))
    return query


def register(session: Session, actor_id: int | None, *, unit_id: int | None = None, term: str | None = None,
             status: str | None = None, field_name: str | None = None, limit: int = 500) -> dict:
    """The procedures of a unit (and the units below it), or of every unit the actor reads: one row a procedure
    and unit that handles it, the first `limit` of them, and how many there are."""
    query = readable(session, actor_id, select(Procedure, Unit.id, Unit.code, Unit.name)
                     .join(ProcedureUnit, ProcedureUnit.procedure_id == Procedure.id)
                     .join(Unit, Unit.id == ProcedureUnit.unit_id), ProcedureUnit.unit_id, Procedure.search_text,
                     unit_id=unit_id, term=term)
    if status:
        query = query.where(Procedure.status == status)
    if field_name:
        query = query.where(Procedure.field == field_name)
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    rows = session.exec(query.order_by(Unit.code, Procedure.field, Procedure.code).limit(limit)).all()
    return {"total": total, "rows": [
        {"id": p.id, "code": p.code, "name": p.name, "field": p.field, "level": p.level, "status": p.status,
         "decision_number": p.decision_number, "decision_date": p.decision_date, "effective_date": p.effective_date,
         "unit_id": uid, "unit": f"{ucode} – {uname}"} for p, uid, ucode, uname in rows]}


def fields(session: Session) -> list[str]:
    """Every field (lĩnh vực) named in the register, for the filter."""
    return [f for f in session.exec(select(Procedure.field).distinct().order_by(Procedure.field)).all() if f]


def history(session: Session, actor_id: int | None, procedure_id: int) -> list[dict]:
    """The announced changes of a procedure, newest first."""
    require(session, actor_id, "procedures:read")
    rows = session.exec(select(ProcedureChange).where(ProcedureChange.procedure_id == procedure_id)
                        .order_by(ProcedureChange.effective_date.desc(), ProcedureChange.id.desc())).all()
    return [{"kind": c.kind, "decision_number": c.decision_number, "decision_date": c.decision_date,
             "effective_date": c.effective_date, "changes": c.changes or {}, "source": c.source} for c in rows]


def handled(session: Session, unit_id: int):
    """The ids of the procedures a process of this unit may cover: the unit's own and those of the units below it
    (a select, for the picker and for the check when a process is saved)."""
    return select(ProcedureUnit.procedure_id).where(ProcedureUnit.unit_id.in_(units.descendant_ids(session, unit_id)))


def options(session: Session, actor_id: int | None, unit_id: int) -> list[dict]:
    """The procedures a process of this unit may cover, for choosing them."""
    require(session, actor_id, "procedures:read", unit_id=unit_id)
    rows = session.exec(select(Procedure.id, Procedure.code, Procedure.name, Procedure.status)
                        .where(Procedure.id.in_(handled(session, unit_id))).order_by(Procedure.code)).all()
    return [{"id": i, "code": c, "name": n, "status": s} for i, c, n, s in rows]
