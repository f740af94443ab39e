"""Who may do what, and where: one table, enforced in the domain for reads and writes alike.

Each action lists the roles that may do it and how far each role reaches:
  ANY    every unit;
  UNITS  the user's own units and every unit below them;
  TEAM   the audited units the user audits (named on the unit's team, or lead auditor of the audit);
  LEAD   the audits the user leads.
A user's roles combine: the action is allowed when any of them reaches the target. A deactivated user may do
nothing; actor None is the command line (or first-run set-up) and may do everything.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from qms import logs
from qms.errors import PermissionDenied
from qms.models import Audit, AuditUnit, AuditUnitAuditor, Role, User, UserRole, UserUnit

ROLES = [r.value for r in Role]


class Reach(StrEnum):
    any = "any"
    units = "units"
    team = "team"
    lead = "lead"


A, I, U, E, V = Role.admin, Role.iso_rep, Role.auditor, Role.auditee, Role.viewer
ANY, UNITS, TEAM, LEAD = Reach.any, Reach.units, Reach.team, Reach.lead
_EVERYONE = {A: ANY, I: ANY, U: ANY, E: ANY, V: ANY}

RULES: dict[str, dict[Role, Reach]] = {
    # administration
    "users:manage": {A: ANY},
    "units:manage": {A: ANY},
    "settings:manage": {A: ANY},
    "backup:manage": {A: ANY},  # a backup holds every record and password hash: administrators only
    "checklists:manage": {A: ANY, I: ANY},
    # planning
    "programme:read": _EVERYONE,
    "programme:plan": {A: ANY, I: ANY},
    "audit:tailor": {A: ANY, I: ANY},
    "audit:reopen": {A: ANY},
    "audit:close": {U: LEAD},  # complete the audit and issue its report
    "audit:progress": {A: ANY, I: ANY, U: LEAD},
    "report:read": {A: ANY, I: ANY, U: ANY, V: ANY},
    # audit day
    "answers:read": {A: ANY, I: ANY, U: ANY, V: ANY, E: UNITS},  # a unit sees what was recorded about it
    "answers:record": {U: TEAM},  # answers, their files, meetings, draft findings
    # findings and their corrective actions
    "findings:read": {A: ANY, I: ANY, U: ANY, V: ANY, E: UNITS},
    "findings:read_drafts": {A: ANY, I: ANY, U: ANY},
    "findings:respond": {E: UNITS},  # plan, submit, report actions done (with evidence files), mark implemented
    "findings:review": {I: ANY},  # accept or return a plan, verify (with evidence files), close
    # management review and the dashboard
    "reviews:read": {A: ANY, I: ANY, V: ANY},
    "reviews:manage": {I: ANY},
    "dashboard:read": {A: ANY, I: ANY, U: ANY, V: ANY, E: UNITS},
    # administrative procedures and the unit's processes: a unit head keeps their own, the ISO secretary all
    "procedures:read": _EVERYONE,
    "procedures:manage": {A: ANY, I: ANY, E: UNITS},
    # every agency's QMS status (a province's ISO secretary, or a Department of Science and Technology)
    "overview:read": {A: ANY, I: ANY, V: ANY},
    "overview:manage": {I: ANY},
}

_DENIED = {ANY: "error.permission_denied", UNITS: "error.not_your_unit", TEAM: "error.not_assigned",
           LEAD: "error.lead_only"}


@dataclass(frozen=True)
class Actor:
    id: int | None
    active: bool
    roles: frozenset[str]

    @property
    def is_system(self) -> bool:
        return self.id is None


_MEMO = "_qms_permissions"  # session.info: what this transaction already knows of its actors


def _memo(session: Session) -> dict:
    return session.info.setdefault(_MEMO, {})


@event.listens_for(OrmSession, "after_commit")
@event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    """Roles and units are read once per transaction: the several checks of one screen or one step share them,
    and a change committed (a role granted, an account deactivated) is seen by the next transaction."""
    session.info.pop(_MEMO, None)


def actor(session: Session, actor_id: int | None) -> Actor:
    """The user behind an id with their roles, in one query; an unknown id is an inactive nobody."""
    if actor_id is None:
        return Actor(None, True, frozenset(ROLES))
    memo = _memo(session)
    if ("actor", actor_id) in memo:
        return memo[("actor", actor_id)]
    rows = session.exec(select(User.active, UserRole.role).outerjoin(UserRole, UserRole.user_id == User.id)
                        .where(User.id == actor_id)).all()
    found = Actor(actor_id, bool(rows[0][0]), frozenset(r for _, r in rows if r is not None)) if rows \
        else Actor(actor_id, False, frozenset())
    memo[("actor", actor_id)] = found
    return found


def roles_of(session: Session, user_id: int | None) -> set[str]:
    """The roles a user may use now: none once deactivated."""
    if user_id is None:
        return set()
    who = actor(session, user_id)
    return set(who.roles) if who.active else set()


def units_of(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(UserUnit.unit_id).where(UserUnit.user_id == user_id)).all())


def own_unit_ids(session: Session, user_id: int) -> set[int]:
    """The user's units and every unit below them (read once per transaction)."""
    from qms import units  # units imports this module for its own checks
    memo = _memo(session)
    if ("units", user_id) not in memo:
        found: set[int] = set()
        for unit_id in units_of(session, user_id):
            found |= units.descendant_ids(session, unit_id)
        memo[("units", user_id)] = frozenset(found)
    return set(memo[("units", user_id)])


def reaches(session: Session, actor_id: int | None, action: str) -> set[Reach]:
    """How far the actor reaches for an action: empty when not at all."""
    rule = RULES[action]
    who = actor(session, actor_id)
    if who.is_system:
        return {ANY}
    if not who.active:
        return set()
    return {reach for role, reach in rule.items() if role in who.roles}


def unit_ids(session: Session, actor_id: int | None, action: str) -> set[int] | None:
    """The units an action reaches by unit membership: None for every unit, an empty set for none."""
    found = reaches(session, actor_id, action)
    if ANY in found:
        return None
    return own_unit_ids(session, actor_id) if UNITS in found else set()


@dataclass(frozen=True)
class _Target:
    unit_id: int | None
    audit_id: int | None
    team: bool  # the actor audits this audited unit (on its team, or lead auditor of its audit)
    lead: bool  # the actor leads the audit


def _target(session: Session, actor_id: int, unit_id: int | None, audit_unit_id: int | None,
            audit_id: int | None) -> _Target:
    """Everything the reaches need to know about the target, in one query (two when an audit other than the
    audited unit's is named as well)."""
    team = False
    if audit_unit_id is not None:
        on_team = select(AuditUnitAuditor.user_id).where(AuditUnitAuditor.audit_unit_id == AuditUnit.id,
                                                         AuditUnitAuditor.user_id == actor_id).exists()
        found = session.exec(select(AuditUnit.unit_id, AuditUnit.audit_id, Audit.lead_auditor_id, on_team)
                             .join(Audit, Audit.id == AuditUnit.audit_id).where(AuditUnit.id == audit_unit_id)).first()
        if found is not None:
            au_unit, au_audit, au_lead, on = found
            team = bool(on) or au_lead == actor_id
            unit_id = au_unit if unit_id is None else unit_id
            if audit_id is None or audit_id == au_audit:
                return _Target(unit_id, au_audit, team, au_lead == actor_id)
    lead = session.exec(select(Audit.lead_auditor_id).where(Audit.id == audit_id)).first() \
        if audit_id is not None else None
    return _Target(unit_id, audit_id, team, lead is not None and lead == actor_id)


def _reached(session: Session, actor_id: int, reach: Reach, target: _Target) -> bool:
    if reach == ANY:
        return True
    if reach == UNITS:
        return target.unit_id is not None and target.unit_id in own_unit_ids(session, actor_id)
    if reach == TEAM:
        return target.team
    return target.lead


def allowed(session: Session, actor_id: int | None, action: str, *, unit_id: int | None = None,
            audit_unit_id: int | None = None, audit_id: int | None = None) -> bool:
    """Whether the actor may do `action` on the target named by unit, audited unit or audit (or anywhere)."""
    return _denial(session, actor_id, action, unit_id, audit_unit_id, audit_id) is None


def require(session: Session, actor_id: int | None, action: str, *, unit_id: int | None = None,
            audit_unit_id: int | None = None, audit_id: int | None = None) -> None:
    """Refuse with PermissionDenied unless `allowed`; the message says what was missing."""
    key = _denial(session, actor_id, action, unit_id, audit_unit_id, audit_id)
    if key is not None:
        logs.event("refused", logging.WARNING, action=action, user=actor_id, unit=unit_id, audit_unit=audit_unit_id,
                   audit=audit_id, reason=key.removeprefix("error."))
        raise PermissionDenied(key)


def _denial(session: Session, actor_id: int | None, action: str, unit_id: int | None, audit_unit_id: int | None,
            audit_id: int | None) -> str | None:
    found = reaches(session, actor_id, action)
    if actor_id is None:
        return None
    if not found:
        return "error.permission_denied"
    if unit_id is None and audit_unit_id is None and audit_id is None:
        return None  # no target: may the actor do this anywhere (a list then narrows itself with unit_ids)
    if ANY not in found:
        target = _target(session, actor_id, unit_id, audit_unit_id, audit_id)
        if any(_reached(session, actor_id, reach, target) for reach in found):
            return None
        return _DENIED[min(found, key=list(Reach).index)]
    return None
