"""Evidence files attached to an answer, a finding or an action: type from content, size limit, checksum."""

from __future__ import annotations

import codecs
import hashlib
import io
import unicodedata
import zipfile

from sqlmodel import Session, select

from qms import changelog, clock, settings
from qms.errors import NotFound, ValidationError
from qms.models import ActionItem, Attachment, Finding, Response
from qms.text import nfc

JPEG, PNG, GIF, WEBP = "image/jpeg", "image/png", "image/gif", "image/webp"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
TEXT = "text/plain"

IMAGE_TYPES = frozenset({JPEG, PNG, GIF, WEBP})
ALLOWED = frozenset(IMAGE_TYPES | {PDF, DOCX, XLSX, PPTX, TEXT})

_OOXML_PARTS = (("word/", DOCX), ("xl/", XLSX), ("ppt/", PPTX))
_OWNERS = {"response_id": Response, "finding_id": Finding, "action_item_id": ActionItem}
_MAX_NAME = 255
_MIB = 1024 * 1024
# Columns for listing: everything but the bytes, so a list never loads the files themselves.
_META = (Attachment.id, Attachment.name, Attachment.mime, Attachment.size, Attachment.sha256, Attachment.uploaded_at)


def _ooxml(data: bytes) -> str | None:
    """The Office Open XML type of a zip archive, or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = archive.namelist()  # reads the central directory only, nothing is decompressed
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, KeyError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    for prefix, mime in _OOXML_PARTS:
        if any(n.startswith(prefix) for n in names):
            return mime
    return None


def _is_text(data: bytes) -> bool:
    """True for valid UTF-8 without NUL bytes."""
    if b"\x00" in data:
        return False
    # Decoded in slices so a large upload is not copied into one huge str just to be validated.
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(data)
    try:
        for start in range(0, len(view), _MIB):
            decoder.decode(view[start:start + _MIB])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(data: bytes) -> str | None:
    """The MIME type decided from the bytes (never the file name), or None if not an allowed type."""
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data.startswith(b"RIFF") and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    # Only a zip from its first byte counts: zipfile would also find an archive appended to an executable.
    if data.startswith(b"PK\x03\x04"):
        return _ooxml(data)
    if data and _is_text(data):
        return TEXT
    return None


def _clean_name(name: str) -> str:
    """The base name, NFC, without control characters, at most 255 characters (extension kept)."""
    value = nfc(name)
    # Browsers on Windows may send "C:\\dir\\file"; both separators are path components.
    value = value.replace("\\", "/").rsplit("/", 1)[-1]
    # PostgreSQL refuses NUL in text, and line breaks would split a Content-Disposition header.
    value = "".join(ch for ch in value if unicodedata.category(ch) != "Cc").strip()
    if value in {".", ".."}:
        return ""
    if len(value) > _MAX_NAME:
        stem, dot, ext = value.rpartition(".")
        if dot and stem and len(ext) <= 16:
            value = stem[:_MAX_NAME - len(ext) - 1].rstrip() + "." + ext
        else:
            value = value[:_MAX_NAME].rstrip()
    return value


def _owner(session: Session | None, owners: dict[str, int | None]) -> tuple[str, int]:
    """The single owner column and id given; checks the row exists when a session is given."""
    given = [(k, v) for k, v in owners.items() if v is not None]
    if len(given) != 1:
        raise ValidationError("error.attachment_owner")
    column, owner_id = given[0]
    # A missing owner would otherwise surface as a foreign-key IntegrityError at commit.
    if session is not None and session.get(_OWNERS[column], owner_id) is None:
        raise ValidationError("error.attachment_owner")
    return column, owner_id


def _as_dict(row) -> dict:
    return {"id": row.id, "name": row.name, "mime": row.mime, "size": row.size, "sha256": row.sha256,
            "uploaded_at": row.uploaded_at, "is_image": row.mime in IMAGE_TYPES}


def add(session: Session, actor_id: int | None, name: str, data: bytes, *, response_id: int | None = None,
        finding_id: int | None = None, action_item_id: int | None = None) -> dict:
    """Store a file for exactly one answer, finding or action; returns its metadata (no bytes)."""
    column, owner_id = _owner(session, {"response_id": response_id, "finding_id": finding_id,
                                        "action_item_id": action_item_id})
    clean = _clean_name(name)
    if not clean:
        raise ValidationError("error.name_required")
    data = bytes(data)
    if not data:
        raise ValidationError("error.upload_empty")
    limit = int(settings.get(session, "upload_limit_mb"))
    if len(data) > limit * _MIB:
        raise ValidationError("error.upload_too_large", name=clean, mb=limit)
    mime = sniff(data)
    if mime not in ALLOWED:
        raise ValidationError("error.upload_type", name=clean)
    row = Attachment(name=clean, mime=mime, size=len(data), sha256=hashlib.sha256(data).hexdigest(), data=data,
                     uploaded_by_id=actor_id, uploaded_at=clock.now(), **{column: owner_id})
    session.add(row)
    session.flush()
    changelog.record(session, "attachment", row.id, actor_id, {"name": (None, clean)})
    session.commit()
    return _as_dict(row)


def list_for(session: Session, *, response_id: int | None = None, finding_id: int | None = None,
             action_item_id: int | None = None) -> list[dict]:
    """Metadata of the files of one answer, finding or action, oldest first."""
    column, owner_id = _owner(None, {"response_id": response_id, "finding_id": finding_id,
                                     "action_item_id": action_item_id})
    rows = session.exec(select(*_META).where(getattr(Attachment, column) == owner_id).order_by(Attachment.id)).all()
    return [_as_dict(r) for r in rows]


def content(session: Session, attachment_id: int) -> tuple[str, str, bytes]:
    """The stored name, MIME type and bytes of one file."""
    row = session.get(Attachment, attachment_id)
    if row is None:
        raise NotFound("error.attachment_missing")
    return row.name, row.mime, bytes(row.data)
