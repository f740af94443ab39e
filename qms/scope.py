"""Which records a user may see: auditees only their own units (and sub-units), drafts only to auditors."""

from __future__ import annotations

from sqlmodel import Session

from qms import units
from qms.models import AuditUnit, Finding, FindingStatus, Role
from qms.permissions import roles_of, units_of

# Roles that see every unit's findings.
WIDE_ROLES = {Role.admin, Role.iso_rep, Role.viewer, Role.auditor}


def visible_unit_ids(session: Session, user_id: int | None) -> set[int] | None:
    """None means every unit; otherwise the user's units and everything below them."""
    if user_id is None or roles_of(session, user_id) & WIDE_ROLES:  # None: the command line
        return None
    visible: set[int] = set()
    for unit_id in units_of(session, user_id):
        visible |= units.descendant_ids(session, unit_id)
    return visible


def sees_drafts(session: Session, user_id: int | None) -> bool:
    """Findings stay drafts, visible to the audit side only, until the report is issued."""
    return user_id is None or bool(roles_of(session, user_id) & {Role.admin, Role.iso_rep, Role.auditor})


def restrict_findings(session: Session, user_id: int, query):
    """Narrow a query that joins Finding and AuditUnit to what the user may see."""
    unit_ids = visible_unit_ids(session, user_id)
    if unit_ids is not None:
        query = query.where(AuditUnit.unit_id.in_(unit_ids))
    if not sees_drafts(session, user_id):
        query = query.where(Finding.status != FindingStatus.draft)
    return query
