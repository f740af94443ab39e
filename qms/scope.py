"""Which findings a user may see: auditees only their own units (and sub-units), drafts only the audit side."""

from __future__ import annotations

from sqlmodel import Session

from qms import permissions
from qms.models import AuditUnit, Finding, FindingStatus


def visible_unit_ids(session: Session, user_id: int | None) -> set[int] | None:
    """None means every unit; otherwise the units whose findings the user may read (possibly none)."""
    return permissions.unit_ids(session, user_id, "findings:read")


def sees_drafts(session: Session, user_id: int | None) -> bool:
    """Findings stay drafts, visible to the audit side only, until the report is issued."""
    return permissions.allowed(session, user_id, "findings:read_drafts")


def restrict_findings(session: Session, user_id: int | None, query):
    """Narrow a query that joins Finding and AuditUnit to what the user may see."""
    unit_ids = visible_unit_ids(session, user_id)
    if unit_ids is not None:
        query = query.where(AuditUnit.unit_id.in_(unit_ids))
    if not sees_drafts(session, user_id):
        query = query.where(Finding.status != FindingStatus.draft)
    return query
