"""Opening and closing meetings of an audited unit: when, who attended, what was said."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from qms import changelog, clock, permissions
from qms.errors import NotFound, ValidationError
from qms.models import Audit, AuditMeeting, AuditStatus, AuditUnit
from qms.text import nfc

KINDS = ("opening", "closing")


def record(session: Session, actor_id: int, audit_unit_id: int, kind: str, held_at: datetime, attendees: str,
           notes: str) -> int:
    """Save the opening or closing meeting of a unit (one of each; saving again updates it)."""
    permissions.require(session, actor_id, "answers:record", audit_unit_id=audit_unit_id)
    if kind not in KINDS:
        raise ValidationError("error.meeting_kind")
    if held_at.tzinfo is None:
        raise ValidationError("error.meeting_time")
    audit = session.exec(select(Audit).join(AuditUnit, AuditUnit.audit_id == Audit.id)
                         .where(AuditUnit.id == audit_unit_id)).first()
    if audit is None:
        raise NotFound("error.audit_unit_missing")
    if audit.status in (AuditStatus.report_issued, AuditStatus.closed):
        raise ValidationError("error.meeting_closed")
    year = audit.planned_start.year if audit.planned_start else clock.today().year
    clock.require_within(clock.local_date(held_at), date(year, 1, 1), clock.today(), field="auditmeeting.held_at")
    attendees = nfc(attendees)
    if not attendees:
        raise ValidationError("error.attendees_required")
    row = session.exec(select(AuditMeeting).where(AuditMeeting.audit_unit_id == audit_unit_id,
                                                  AuditMeeting.kind == kind)).first()
    row = row or AuditMeeting(audit_unit_id=audit_unit_id, kind=kind)
    changes = {k: (getattr(row, k), v) for k, v in
               {"held_at": held_at, "attendees": attendees, "notes": nfc(notes)}.items()}
    row.held_at, row.attendees, row.notes = held_at, attendees, nfc(notes)
    session.add(row)
    session.flush()
    changelog.record(session, "meeting", row.id, actor_id, changes)
    session.commit()
    return row.id


def for_unit(session: Session, audit_unit_id: int) -> dict[str, dict]:
    rows = session.exec(select(AuditMeeting).where(AuditMeeting.audit_unit_id == audit_unit_id)).all()
    return {r.kind: r.model_dump() for r in rows}
