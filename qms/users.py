"""User accounts: create, edit roles and units, deactivate, reset passwords, first admin."""

from __future__ import annotations

import re

from sqlalchemy import delete, func
from sqlmodel import Session, select

from qms import auth, changelog, clock, passwords
from qms.config import LANGUAGES
from qms.errors import NotFound, ValidationError
from qms.models import Role, Unit, User, UserRole, UserUnit
from qms.permissions import ROLES, require
from qms.text import nfc

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean_email(email: str | None) -> str | None:
    email = nfc(email).lower()
    if email and not _EMAIL.match(email):
        raise ValidationError("error.email_invalid")
    return email or None


def has_users(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(User)).one() > 0


def profile(session: Session, user_id: int) -> dict:
    """Who the user is: names, roles, units, language."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_missing")
    roles = session.exec(select(UserRole.role).where(UserRole.user_id == user_id)).all()
    units = session.exec(select(Unit).join(UserUnit, UserUnit.unit_id == Unit.id)
                         .where(UserUnit.user_id == user_id).order_by(Unit.code)).all()
    return _as_profile(user, roles, [{"id": u.id, "code": u.code, "name": u.name} for u in units])


def _as_profile(user: User, roles: list[str], units: list[dict]) -> dict:
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "active": user.active,
            "language": user.language, "email": user.email or "", "roles": sorted(roles, key=ROLES.index),
            "must_change_password": user.must_change_password, "units": units}


def list_users(session: Session, actor_id: int | None) -> list[dict]:
    """Every account as `profile` gives it, in three queries however many there are."""
    require(session, actor_id, "users:manage")
    accounts = session.exec(select(User).order_by(User.username)).all()
    roles: dict[int, list[str]] = {}
    for user_id, role in session.exec(select(UserRole.user_id, UserRole.role)).all():
        roles.setdefault(user_id, []).append(role)
    units: dict[int, list[dict]] = {}
    for user_id, unit in session.exec(select(UserUnit.user_id, Unit).join(Unit, Unit.id == UserUnit.unit_id)
                                      .order_by(Unit.code)).all():
        units.setdefault(user_id, []).append({"id": unit.id, "code": unit.code, "name": unit.name})
    return [_as_profile(user, roles.get(user.id, []), units.get(user.id, [])) for user in accounts]


def _check_roles_units(session: Session, roles: list[str], unit_ids: list[int]) -> None:
    if not roles:
        raise ValidationError("error.roles_required")
    if any(r not in ROLES for r in roles):
        raise ValidationError("error.role_invalid")
    if unit_ids:
        found = session.exec(select(func.count()).select_from(Unit).where(Unit.id.in_(unit_ids))).one()
        if found != len(set(unit_ids)):
            raise NotFound("error.unit_missing")
    if Role.auditee in roles and not unit_ids:
        raise ValidationError("error.auditee_needs_unit")


def _set_links(session: Session, user_id: int, roles: list[str], unit_ids: list[int]) -> None:
    session.exec(delete(UserRole).where(UserRole.user_id == user_id))
    session.exec(delete(UserUnit).where(UserUnit.user_id == user_id))
    session.add_all([UserRole(user_id=user_id, role=r) for r in sorted(set(roles))])
    session.add_all([UserUnit(user_id=user_id, unit_id=u) for u in sorted(set(unit_ids))])


def create_user(session: Session, actor_id: int | None, username: str, full_name: str, password: str,
                roles: list[str], unit_ids: list[int] | None = None, language: str = "vi",
                email: str | None = None) -> int:
    """Create an account; actor None is the command line or first-run set-up."""
    require(session, actor_id, "users:manage")
    username, full_name, unit_ids = nfc(username).lower(), nfc(full_name), list(unit_ids or [])
    if not _USERNAME.match(username):
        raise ValidationError("error.username_invalid")
    if not full_name:
        raise ValidationError("error.name_required")
    if session.exec(select(User.id).where(User.username == username)).first() is not None:
        raise ValidationError("error.username_taken", username=username)
    _check_roles_units(session, roles, unit_ids)
    user = User(username=username, full_name=full_name, password_hash=passwords.hash_password(password, username),
                email=_clean_email(email), language=language if language in LANGUAGES else "vi",
                created_at=clock.now())
    session.add(user)
    session.flush()
    _set_links(session, user.id, roles, unit_ids)
    changelog.record(session, "user", user.id, actor_id,
                     {"username": (None, username), "roles": (None, ",".join(sorted(roles)))})
    session.commit()
    return user.id


def create_first_admin(session: Session, username: str, full_name: str, password: str) -> int:
    """Only on an empty database: the first account is an administrator."""
    if has_users(session):
        raise ValidationError("error.first_admin_exists")
    return create_user(session, None, username, full_name, password, [Role.admin])


def update_user(session: Session, actor_id: int | None, user_id: int, full_name: str, roles: list[str],
                unit_ids: list[int], active: bool = True, email: str | None = None) -> None:
    require(session, actor_id, "users:manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_missing")
    full_name = nfc(full_name)
    if not full_name:
        raise ValidationError("error.name_required")
    _check_roles_units(session, roles, unit_ids)
    if user_id == actor_id and (not active or Role.admin not in roles):
        raise ValidationError("error.cannot_demote_self")
    before = profile(session, user_id)
    changes = changelog.diff(user, {"full_name": full_name, "active": bool(active), "email": _clean_email(email)})
    changes["roles"] = (",".join(before["roles"]), ",".join(sorted(set(roles), key=ROLES.index)))
    changes["units"] = (",".join(str(u["id"]) for u in before["units"]), ",".join(map(str, sorted(set(unit_ids)))))
    session.add(user)
    _set_links(session, user_id, roles, unit_ids)
    changelog.record(session, "user", user_id, actor_id, changes)
    if not user.active:
        auth.revoke_all(session, user_id)
    session.commit()


def set_active(session: Session, actor_id: int | None, user_id: int, active: bool) -> None:
    require(session, actor_id, "users:manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_missing")
    if user_id == actor_id and not active:
        raise ValidationError("error.cannot_demote_self")
    changelog.record(session, "user", user_id, actor_id, changelog.diff(user, {"active": bool(active)}))
    session.add(user)
    if not user.active:
        auth.revoke_all(session, user_id)
    session.commit()


def id_for_username(session: Session, username: str) -> int:
    user_id = session.exec(select(User.id).where(User.username == nfc(username).lower())).first()
    if user_id is None:
        raise NotFound("error.user_missing")
    return user_id


def reset_password(session: Session, actor_id: int | None, user_id: int, new_password: str) -> None:
    """An administrator (or the command line) sets a password: the user must choose their own at next sign-in,
    every open session of theirs ends, and their sign-in delay is cleared."""
    require(session, actor_id, "users:manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_missing")
    user.password_hash = passwords.hash_password(new_password, user.username)
    user.must_change_password = True
    session.add(user)
    auth.unlock(session, user.username)
    auth.revoke_all(session, user_id)
    changelog.record(session, "user", user_id, actor_id, {"password": ("***", "reset")})
    session.commit()


def change_own_password(session: Session, user_id: int, current: str, new: str, keep_token: str | None = None) -> None:
    """The signed-in user replaces their password, proving the current one; their other sessions end (the
    browser holding `keep_token` stays signed in)."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise NotFound("error.user_missing")
    if not auth.check_own_password(session, user, current):
        raise ValidationError("error.current_password_wrong")
    if new == current:
        raise ValidationError("error.password_unchanged")
    user.password_hash = passwords.hash_password(new, user.username)
    user.must_change_password = False
    session.add(user)
    auth.revoke_all(session, user_id, keep=keep_token)
    changelog.record(session, "user", user_id, user_id, {"password": ("***", "changed")})
    session.commit()


def signin_failures(session: Session, actor_id: int | None, user_id: int) -> int:
    """Recent failed sign-ins under a user's name (what an unlock would clear)."""
    require(session, actor_id, "users:manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_missing")
    return auth.throttle_state(session, user.username)["failures"]


def unlock(session: Session, actor_id: int | None, user_id: int) -> None:
    """Clear a user's sign-in delay (failures counted against their username)."""
    require(session, actor_id, "users:manage")
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("error.user_missing")
    failures = auth.throttle_state(session, user.username)["failures"]
    auth.unlock(session, user.username)
    changelog.record(session, "user", user_id, actor_id, {"signin_failures": (failures, 0)})
    session.commit()


def set_language(session: Session, user_id: int, language: str) -> None:
    user = session.get(User, user_id)
    if user is not None and language in LANGUAGES and user.language != language:
        user.language = language
        session.add(user)
        session.commit()
