"""Audit day away from the server: a unit's questions as a workbook to fill without a network, and the filled
workbook read back. Nothing is saved before the auditor has seen what is new, what changed, and what someone else
changed on the server meanwhile (a conflict, chosen row by row); the import is one transaction."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from dataclasses import dataclass, field

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.formula import ArrayFormula, DataTableFormula
from sqlalchemy import update
from sqlmodel import Session, select

from qms import auth, changelog, checklists, clock, db, findings, limits, permissions, responses, spreadsheets, standards
from qms.errors import NotFound, PermissionDenied, QMSError, ValidationError
from qms.i18n import message, t
from qms.models import Audit, AuditStatus, AuditUnit, Response, Result, Unit, check_values
from qms.text import nfc

GRADED = {r.value for r in findings.GRADE_OF_RESULT}  # the answers that call for a finding
SHEET = "QMS"  # the answers' sheet; its name is how a workbook of ours is recognised
LISTS = "Lists"  # the hidden sheet holding the result drop-down's labels
FORMAT = "qms-offline-1"
# Hidden columns first (what identifies a row, as exported), then what the auditor reads and fills in.
HIDDEN = ("audit_unit", "item", "version", "base", "seal")
SHOWN = ("unit", "clause", "question", "guidance", "result", "evidence", "records_sampled", "interviewed")
COLUMNS = HIDDEN + SHOWN
FILLED = ("result", "evidence", "records_sampled", "interviewed")  # = responses.FIELDS, in the sheet's order
WIDTHS = {"unit": 22, "clause": 8, "question": 50, "guidance": 36, "result": 20, "evidence": 40,
          "records_sampled": 28, "interviewed": 24}


@dataclass
class Preview:
    """What an import would do: rows to save, rows as they are, conflicts to choose, rows refused."""
    new: list[dict] = field(default_factory=list)
    changed: list[dict] = field(default_factory=list)
    conflicts: list[dict] = field(default_factory=list)
    unchanged: int = 0
    emptied: int = 0  # rows cleared in the workbook: ignored, since an import never deletes an answer
    refused: list[dict] = field(default_factory=list)  # {"row": n, "key": message key, "params": {...}}


def _digest(values: list[str]) -> str:
    return hashlib.sha256(json.dumps(values, ensure_ascii=False).encode()).hexdigest()[:16]


def _seal(session: Session, audit_unit_id: int, item_id: int, version: int, base: str) -> str:
    """A row's identity signed with the server's key: ids typed over in the workbook do not match it."""
    message = f"{FORMAT}:{audit_unit_id}:{item_id}:{version}:{base}".encode()
    return hmac.new(auth.secret_key(session).encode(), message, hashlib.sha256).hexdigest()[:24]


def _shown(answer: dict, lang: str) -> list[str]:
    """An answer as the workbook shows it: a question never answered is blank, not "not audited"."""
    if not answer["version"]:
        return ["", "", "", ""]
    return [t(f"result.{answer['result']}", lang), answer["evidence"], answer["records_sampled"], answer["interviewed"]]


def _values(answer: dict) -> list[str]:
    """The stored values of an answer, as compared (codes, not labels)."""
    if not answer["version"]:
        return ["", "", "", ""]
    return [answer["result"], answer["evidence"], answer["records_sampled"], answer["interviewed"]]


def _answerable_units(session: Session, actor_id: int | None, audit_id: int) -> list[int]:
    ids = session.exec(select(AuditUnit.id).where(AuditUnit.audit_id == audit_id).order_by(AuditUnit.id)).all()
    return [i for i in ids if permissions.allowed(session, actor_id, "answers:record", audit_unit_id=i)]


def export(session: Session, actor_id: int | None, *, lang: str, audit_unit_id: int | None = None,
           audit_id: int | None = None) -> bytes:
    """The workbook of one audited unit, or of every unit of an audit the actor audits (or leads)."""
    if (audit_unit_id is None) == (audit_id is None):
        raise ValueError("one of audit_unit_id or audit_id")
    if audit_id is not None:
        if session.get(Audit, audit_id) is None:
            raise NotFound("error.audit_missing")
        unit_ids = _answerable_units(session, actor_id, audit_id)
        if not unit_ids:
            raise PermissionDenied("offline.err.no_units")
    else:
        unit_ids = [audit_unit_id]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    lists = wb.create_sheet(LISTS)
    labels = [t(f"result.{r.value}", lang) for r in Result]
    for n, text in enumerate(labels, start=1):
        spreadsheets.write_cell(lists, n, 1, text)
    lists.sheet_state = "hidden"
    for col, name in enumerate(COLUMNS, start=1):
        spreadsheets.write_cell(ws, 1, col, t(f"offline.col.{name}", lang) if name in SHOWN else name)
        ws.cell(row=1, column=col).font = Font(bold=True)
    row_number = 1
    code = ""
    for unit_id in unit_ids:
        ctx = responses.context(session, unit_id)
        responses.require_answerer(session, actor_id, ctx)
        code = ctx.audit.code
        unit = session.get(Unit, ctx.audit_unit.unit_id)
        for row in responses.sheet(session, unit_id):
            row_number += 1
            answer = row["answer"]
            base = _digest(_values(answer))
            question = row.get(f"text_{lang}") or row["text_vi"]
            guidance = row.get(f"guidance_{lang}") or row["guidance_vi"]
            cells = [unit_id, row["id"], answer["version"], base,
                     _seal(session, unit_id, row["id"], answer["version"], base),
                     f"{unit.code} – {unit.name}", row["clause"], question, guidance, *_shown(answer, lang)]
            for col, value in enumerate(cells, start=1):
                spreadsheets.write_cell(ws, row_number, col, value)
                cell = ws.cell(row=row_number, column=col)
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if COLUMNS[col - 1] in FILLED:
                    cell.protection = Protection(locked=False)
                    cell.number_format = "@"  # text: Excel must not turn "1/2" into a date or "001" into 1
    first_filled = len(HIDDEN) + SHOWN.index("result") + 1
    result_letter = openpyxl.utils.get_column_letter(first_filled)
    choice = DataValidation(type="list", formula1=f"{LISTS}!$A$1:$A${len(labels)}", allow_blank=True,
                            showErrorMessage=True, errorTitle=t("offline.col.result", lang),
                            error=t("offline.err.result_list", lang))
    ws.add_data_validation(choice)
    if row_number > 1:
        choice.add(f"{result_letter}2:{result_letter}{row_number}")
    for col, name in enumerate(COLUMNS, start=1):
        letter = openpyxl.utils.get_column_letter(col)
        if name in HIDDEN:
            ws.column_dimensions[letter].hidden = True
        else:
            ws.column_dimensions[letter].width = WIDTHS[name]
            if name in FILLED:
                ws.cell(row=1, column=col).fill = PatternFill("solid", fgColor="FFF2CC")
    ws.freeze_panes = ws.cell(row=2, column=len(HIDDEN) + SHOWN.index("question") + 1)
    ws.protection.sheet = True  # questions and guidance read-only; the answer columns are unlocked
    ws.protection.formatRows = ws.protection.formatColumns = False  # rows may grow for long evidence
    wb.properties.title = f"{FORMAT} {code}"
    wb.properties.subject = FORMAT
    return spreadsheets.to_bytes(wb)


def _read(raw: bytes) -> list[tuple[int, list, bool]]:
    """(row number, raw cell values, whether an answer cell holds a formula) of the answers' sheet."""
    spreadsheets.check_archive(raw, limits.answers())
    try:
        wb = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ValidationError("error.not_xlsx") from exc
    if SHEET not in wb.sheetnames:
        raise ValidationError("offline.err.not_ours")
    rows = []
    answer_columns = [COLUMNS.index(k) for k in FILLED]
    try:
        for number, cells in enumerate(wb[SHEET].iter_rows(max_col=len(COLUMNS)), start=1):
            values = [getattr(c, "value", None) for c in cells]
            if number == 1:
                if values[:len(HIDDEN)] != list(HIDDEN):
                    raise ValidationError("offline.err.not_ours")
                continue
            if any(v not in (None, "") for v in values):
                values += [None] * (len(COLUMNS) - len(values))
                # By the cell's type, not a leading "=": text evidence may begin with one (kept as text).
                formula = any(i < len(cells) and (getattr(cells[i], "data_type", None) == "f"
                                                  or isinstance(values[i], (ArrayFormula, DataTableFormula)))
                              for i in answer_columns)
                rows.append((number, values, formula))
    except ValidationError:
        raise
    except Exception as exc:  # a malformed cell (bad date, bad number) surfaces only while rows are read
        raise ValidationError("error.not_xlsx") from exc
    finally:
        wb.close()
    return rows


def _results_by_label() -> dict[str, str]:
    """Results as typed: the label in either language, or the code."""
    found = {}
    for r in Result:
        for lang in ("vi", "en"):
            found[nfc(t(f"result.{r.value}", lang)).casefold()] = r.value
        found[r.value] = r.value
    return found


def refusal_text(refusal: dict, lang: str) -> str:
    """Why a row was refused, in words."""
    return message(QMSError(refusal["key"], **refusal["params"]), lang)


def _refuse(preview: Preview, row: int, key: str, denied: bool = False, **params) -> None:
    preview.refused.append({"row": row, "key": key, "params": params, "denied": denied})


def preview(session: Session, actor_id: int | None, raw: bytes, *, audit_id: int | None = None) -> Preview:
    """Read a filled workbook against the database; saves nothing.

    With `audit_id` (an import from that audit's screen) rows of any other audit are refused, even when the actor
    could answer them there."""
    out = Preview()
    labels = _results_by_label()
    seen: set[tuple[int, int]] = set()
    contexts: dict[int, responses.Context | None] = {}
    denied_units: dict[int, bool] = {}
    scopes: dict[int, set[str]] = {}
    current: dict[int, dict[int, dict]] = {}
    for number, cells, formula in _read(raw):
        cell = dict(zip(COLUMNS, cells))
        try:
            unit_id, item_id, version = int(cell["audit_unit"]), int(cell["item"]), int(cell["version"])
        except (TypeError, ValueError, OverflowError):
            _refuse(out, number, "offline.err.tampered")
            continue
        if not hmac.compare_digest(str(cell["seal"] or ""),
                                   _seal(session, unit_id, item_id, version, str(cell["base"] or ""))):
            _refuse(out, number, "offline.err.tampered")
            continue
        if unit_id not in contexts:
            try:
                ctx = responses.context(session, unit_id)
                responses.require_answerer(session, actor_id, ctx)
            except QMSError as exc:
                contexts[unit_id] = None
                denied_units[unit_id] = isinstance(exc, PermissionDenied)
                _refuse(out, number, exc.key, denied_units[unit_id], **exc.params)
                continue
            if audit_id is not None and ctx.audit.id != audit_id:
                contexts[unit_id] = None
                denied_units[unit_id] = False
                _refuse(out, number, "offline.err.other_audit", code=ctx.audit.code)
                continue
            contexts[unit_id] = ctx
            scopes[unit_id] = responses._in_scope(session, ctx)
            current[unit_id] = {r["id"]: r for r in responses.sheet(session, unit_id)}
        ctx = contexts[unit_id]
        if ctx is None:
            _refuse(out, number, "offline.err.unit_refused", denied_units[unit_id])
            continue
        item = checklists.version(session, ctx.audit.checklist_id).by_id.get(item_id)
        if item is None or item["clause"] not in scopes[unit_id]:
            _refuse(out, number, "error.item_out_of_scope")
            continue
        if (unit_id, item_id) in seen:
            _refuse(out, number, "offline.err.twice")
            continue
        seen.add((unit_id, item_id))
        typed = ["" if cell[k] is None else nfc(str(cell[k])).strip() for k in FILLED]
        if formula:
            _refuse(out, number, "offline.err.formula")
            continue
        if typed[0]:
            code = labels.get(typed[0].casefold())
            if code is None:
                _refuse(out, number, "offline.err.result", value=typed[0])
                continue
            typed[0] = code
        elif any(typed[1:]):
            _refuse(out, number, "offline.err.result_missing")
            continue
        try:
            check_values("response", dict(zip(FILLED, typed)))
        except ValidationError as exc:
            _refuse(out, number, exc.key, **exc.params)
            continue
        row = current[unit_id][item_id]
        theirs = _values(row["answer"])
        entry = {"row": number, "audit_unit_id": unit_id, "item_id": item_id, "clause": item["clause"],
                 "question": item["text_vi"], "question_en": item["text_en"], "unit": cell["unit"] or "",
                 "mine": dict(zip(FILLED, typed)), "theirs": dict(zip(FILLED, theirs)) | {
                     "answered_by": row["answer"]["answered_by"], "answered_at": row["answer"]["answered_at"]},
                 "version": row["answer"]["version"]}
        if _digest(typed) == cell["base"] or typed == theirs:
            out.unchanged += 1  # not filled in since the export, or filled in as the server already has it
        elif not typed[0]:
            out.emptied += 1
        elif row["answer"]["version"] != version:
            out.conflicts.append(entry)
        elif row["answer"]["version"] == 0:
            out.new.append(entry)
        else:
            out.changed.append(entry)
    return out


def apply(session: Session, actor_id: int | None, raw: bytes, choices: dict[int, tuple[str, int]] | None = None,
          *, audit_id: int | None = None) -> dict:
    """Save the workbook's answers in one transaction, as the importing auditor.

    `choices` gives, for each conflict's row number, ("mine" | "theirs", the server's version the choice was made
    against): "mine" writes the workbook's answer, "theirs" keeps the server's. Refused rows, a conflict without a
    choice, or an answer changed on the server since the preview (a choice made against an older version included)
    refuse the whole import; nothing is saved then."""
    found = preview(session, actor_id, raw, audit_id=audit_id)
    denied = next((r for r in found.refused if r["denied"]), None)
    if denied:
        raise PermissionDenied(denied["key"], **denied["params"])
    if found.refused:
        raise ValidationError("offline.err.refused_rows", n=len(found.refused))
    given = choices or {}
    missing = [c["row"] for c in found.conflicts if (given.get(c["row"]) or ("",))[0] not in ("mine", "theirs")]
    if missing:
        raise ValidationError("offline.err.choose", rows=", ".join(map(str, missing)))
    moved = [c["row"] for c in found.conflicts if given[c["row"]][1] != c["version"]]
    if moved:  # someone saved again after the choice was made: it was made against an answer no longer there
        raise ValidationError("offline.err.moved", row=moved[0])
    choices = {row: choice for row, (choice, _) in given.items()}
    writes = found.new + found.changed + [c for c in found.conflicts if choices[c["row"]] == "mine"]
    now = clock.now()
    started: set[int] = set()
    graded: list[int] = []  # answers that call for a finding, raised from them in one step afterwards
    for entry in writes:
        values = {k: v for k, v in entry["mine"].items()}
        if not values["result"]:
            continue  # a row emptied in the workbook: an answer is never deleted by an import
        if entry["version"] == 0:
            insert = db.insert(session, Response)
            won = session.connection().execute(
                insert.values(audit_unit_id=entry["audit_unit_id"], item_id=entry["item_id"],
                              answered_by_id=actor_id, answered_at=now, version=1, **values)
                .on_conflict_do_nothing(index_elements=["audit_unit_id", "item_id"]).returning(Response.id)).first()
            response_id = won[0] if won else None
        else:
            response_id = session.exec(select(Response.id).where(
                Response.audit_unit_id == entry["audit_unit_id"], Response.item_id == entry["item_id"])).one()
            won = session.connection().execute(
                update(Response).where(Response.id == response_id, Response.version == entry["version"])
                .values(**values, version=entry["version"] + 1, answered_by_id=actor_id,
                        answered_at=now)).rowcount == 1
        if not won:
            session.rollback()
            raise ValidationError("offline.err.moved", row=entry["row"])
        if values["result"] in GRADED:
            graded.append(response_id)
        theirs = entry["theirs"]
        changelog.record(session, "response", response_id, actor_id,
                         {k: (theirs[k] or None, v) for k, v in values.items() if theirs[k] != v})
        started.add(entry["audit_unit_id"])
    for unit_id in started:
        audit = session.exec(select(Audit).join(AuditUnit, AuditUnit.audit_id == Audit.id)
                             .where(AuditUnit.id == unit_id)).one()
        if audit.status == AuditStatus.planned:
            audit.status = AuditStatus.in_progress
            session.add(audit)
            changelog.record(session, "audit", audit.id, actor_id,
                             {"status": (AuditStatus.planned, AuditStatus.in_progress)})
    session.commit()
    return {"saved": sum(1 for e in writes if e["mine"]["result"]), "kept": len(found.conflicts) - sum(
        1 for c in found.conflicts if choices[c["row"]] == "mine"), "unchanged": found.unchanged, "graded": graded}


def worksheet(session: Session, actor_id: int | None, audit_unit_id: int, lang: str, *, filled: bool) -> dict:
    """What the printed worksheet of one audited unit shows: its header, the in-scope questions by clause (with
    the answers as recorded when `filled`), and the clauses not applicable with their justification."""
    from qms import tailoring
    from qms import settings as org_settings
    from qms.models import AuditUnitAuditor, User
    permissions.require(session, actor_id, "answers:read", audit_unit_id=audit_unit_id)
    ctx = responses.context(session, audit_unit_id)
    unit = session.get(Unit, ctx.audit_unit.unit_id)
    auditors = session.exec(select(User.full_name).join(AuditUnitAuditor, AuditUnitAuditor.user_id == User.id)
                            .where(AuditUnitAuditor.audit_unit_id == audit_unit_id).order_by(User.full_name)).all()
    lead = session.get(User, ctx.audit.lead_auditor_id) if ctx.audit.lead_auditor_id else None
    titles = {c["clause"]: c.get(f"title_{lang}") or c["title_vi"]
              for c in checklists.version(session, ctx.audit.checklist_id).clauses}
    clauses: list[dict] = []
    for row in responses.sheet(session, audit_unit_id):
        if not clauses or clauses[-1]["clause"] != row["clause"]:
            clauses.append({"clause": row["clause"], "title": titles.get(row["clause"], ""), "questions": []})
        answer = row["answer"]
        clauses[-1]["questions"].append({
            "key": row["item_key"], "text": row.get(f"text_{lang}") or row["text_vi"],
            "guidance": row.get(f"guidance_{lang}") or row["guidance_vi"] or "",
            "answer": {k: answer[k] for k in ("result", "evidence", "records_sampled", "interviewed", "answered_by",
                                              "answered_at")} if filled and answer["version"] else None})
    exclusions = tailoring.scope(session, ctx.audit.id, audit_unit_id)["exclusions"]
    return {"agency": org_settings.get(session, f"org_name_{lang}"), "code": ctx.audit.code,
            "title": ctx.audit.title, "unit": f"{unit.code} – {unit.name}", "date": ctx.audit_unit.audit_date,
            "auditors": list(auditors), "lead": lead.full_name if lead else "", "scope": ctx.audit.scope,
            "auditee_reps": ctx.audit_unit.auditee_reps, "filled": filled, "clauses": clauses,
            "not_applicable": {c: exclusions[c] for c in sorted(exclusions, key=standards.clause_sort_key)}}
