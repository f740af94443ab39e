"""Role checks, enforced in the domain: a forbidden call raises PermissionDenied."""

from __future__ import annotations

from sqlmodel import Session, select

from qms.errors import PermissionDenied
from qms.models import Role, User, UserRole, UserUnit

ROLES = [r.value for r in Role]


def roles_of(session: Session, user_id: int | None) -> set[str]:
    if user_id is None:
        return set()
    return set(session.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all())


def units_of(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(UserUnit.unit_id).where(UserUnit.user_id == user_id)).all())


def require_role(session: Session, actor_id: int | None, *roles: str) -> None:
    """Refuse unless the actor is active and holds one of `roles`. actor None is the command line."""
    if actor_id is None:
        return
    user = session.get(User, actor_id)
    if user is None or not user.active or not (roles_of(session, actor_id) & set(roles)):
        raise PermissionDenied("error.permission_denied")
