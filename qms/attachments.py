"""Evidence files attached to an answer, a finding or an action: allowed kind, size limit, checksum."""

from __future__ import annotations

import hashlib
import unicodedata

from sqlmodel import Session, select

from qms import changelog, clock, filetypes, findings, permissions, settings
from qms.errors import NotFound, ValidationError
# Re-exported: callers and tests know the file kinds by these names.
from qms.filetypes import ALLOWED, IMAGE_TYPES, sniff  # noqa: F401
from qms.models import ActionItem, Attachment, CorrectiveAction, Finding, ProcessDocument, ProcessIssue, Response
from qms.text import nfc

_OWNERS = {"response_id": Response, "finding_id": Finding, "action_item_id": ActionItem,
           "process_issue_id": ProcessIssue}
_MAX_NAME = 255
# Removed from names. Cc: PostgreSQL refuses NUL and line breaks would split a Content-Disposition header.
# Cf: invisible, and bidi overrides show "report\u202etxt.exe" as "reportexe.txt". Zl/Zp: line breaks too.
# Cs: a lone surrogate cannot be encoded for the database.
_UNSEEN = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_MIB = 1024 * 1024
# Columns for listing: everything but the bytes, so a list never loads the files themselves.
_META = (Attachment.id, Attachment.name, Attachment.mime, Attachment.size, Attachment.sha256, Attachment.uploaded_at)


def _clean_name(name: str) -> str:
    """The base name, NFC, without control or format characters, at most 255 characters (extension kept)."""
    value = nfc(name)
    # Browsers on Windows may send "C:\\dir\\file"; both separators are path components.
    value = value.replace("\\", "/").rsplit("/", 1)[-1]
    value = "".join(ch for ch in value if unicodedata.category(ch) not in _UNSEEN).strip()
    if value in {".", ".."}:
        return ""
    if len(value) > _MAX_NAME:
        stem, dot, ext = value.rpartition(".")
        if dot and stem and len(ext) <= 16:
            value = stem[:_MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            value = value[:_MAX_NAME].rstrip()
    return value


def _owner(session: Session, owners: dict[str, int | None]) -> tuple[str, int, Response | Finding | ActionItem]:
    """The single owner column and id given, and its row (which must exist)."""
    given = [(k, v) for k, v in owners.items() if v is not None]
    if len(given) != 1:
        raise ValidationError("error.attachment_owner")
    column, owner_id = given[0]
    # A missing owner would otherwise surface as a foreign-key IntegrityError at commit.
    row = session.get(_OWNERS[column], owner_id)
    if row is None:
        raise ValidationError("error.attachment_owner")
    return column, owner_id, row


def _finding_of(session: Session, column: str, owner_id: int) -> Finding | None:
    if column == "finding_id":
        return session.get(Finding, owner_id)
    if column == "action_item_id":
        item = session.get(ActionItem, owner_id)
        action = session.get(CorrectiveAction, item.corrective_action_id) if item.corrective_action_id else None
        return session.get(Finding, action.finding_id) if action else None
    return None


def _authorize(session: Session, actor_id: int | None, column: str, owner_id: int, write: bool,
               owner: Response | Finding | ActionItem | None = None) -> None:
    """Files follow what they belong to: an answer's its audited unit, a finding's or an action's the finding, a
    process issue's the process's unit."""
    if column == "process_issue_id":
        issue = owner or session.get(ProcessIssue, owner_id)
        process = session.get(ProcessDocument, issue.process_id)
        permissions.require(session, actor_id, "procedures:manage" if write else "procedures:read",
                            unit_id=process.unit_id)
        return
    if column == "response_id":
        response = owner or session.get(Response, owner_id)
        permissions.require(session, actor_id, "answers:record" if write else "answers:read",
                            audit_unit_id=response.audit_unit_id)
        return
    finding = _finding_of(session, column, owner_id)
    if finding is None:
        raise ValidationError("error.attachment_owner")
    if not write:
        findings.require_readable(session, actor_id, finding.id)
        return
    # The unit adds evidence of its actions; the ISO secretary adds the evidence of a verification.
    action = "findings:respond" if column == "action_item_id" else "findings:review"
    permissions.require(session, actor_id, action, audit_unit_id=finding.audit_unit_id)


def _as_dict(row) -> dict:
    return {"id": row.id, "name": row.name, "mime": row.mime, "size": row.size, "sha256": row.sha256,
            "uploaded_at": row.uploaded_at, "is_image": row.mime in IMAGE_TYPES}


def add(session: Session, actor_id: int | None, name: str, data: bytes, *, response_id: int | None = None,
        finding_id: int | None = None, action_item_id: int | None = None, process_issue_id: int | None = None,
        commit: bool = True) -> dict:
    """Store a file for exactly one answer, finding, action or process issue; returns its metadata (no bytes).
    `commit=False`: part of the caller's transaction (a process issue and its file are saved together)."""
    column, owner_id, owner = _owner(session, {"response_id": response_id, "finding_id": finding_id,
                                               "action_item_id": action_item_id, "process_issue_id": process_issue_id})
    _authorize(session, actor_id, column, owner_id, write=True, owner=owner)
    clean = _clean_name(name)
    if not clean:
        raise ValidationError("error.name_required")
    data = bytes(data)
    if not data:
        raise ValidationError("error.upload_empty")
    limit = settings.upload_limit_mb(session)
    if len(data) > limit * _MIB:
        raise ValidationError("error.upload_too_large", name=clean, mb=limit)
    mime = filetypes.identify(clean, data)
    row = Attachment(name=clean, mime=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                     uploaded_by_id=actor_id, uploaded_at=clock.now(), **{column: owner_id})
    session.add(row)
    session.flush()
    changelog.record(session, "attachment", row.id, actor_id, {"name": (None, clean)})
    if commit:
        session.commit()
    return _as_dict(row)


def list_for(session: Session, actor_id: int | None, *, response_id: int | None = None,
             finding_id: int | None = None, action_item_id: int | None = None,
             process_issue_id: int | None = None) -> list[dict]:
    """Metadata of the files of one answer, finding, action or process issue, oldest first."""
    column, owner_id, owner = _owner(session, {"response_id": response_id, "finding_id": finding_id,
                                               "action_item_id": action_item_id, "process_issue_id": process_issue_id})
    _authorize(session, actor_id, column, owner_id, write=False, owner=owner)
    rows = session.exec(select(*_META).where(getattr(Attachment, column) == owner_id).order_by(Attachment.id)).all()
    return [_as_dict(r) for r in rows]


def content(session: Session, actor_id: int | None, attachment_id: int) -> tuple[str, str, bytes]:
    """The stored name, MIME type and bytes of one file, for whoever may see what it belongs to."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("error.attachment_missing")
    column = next(c for c in _OWNERS if getattr(row, c) is not None)
    _authorize(session, actor_id, column, getattr(row, column), write=False)
    return row.name, row.mime, bytes(row.data)
