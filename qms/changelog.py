"""The change log: who changed which field of which record, when, from what to what."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from qms import clock
from qms.models import ChangeLog


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):  # 5-why steps and the like read better as a sentence than a repr
        return "; ".join(str(v) for v in value)
    return str(value)


def record(session: Session, entity: str, entity_id: int, user_id: int | None, changes: dict[str, tuple[Any, Any]]) -> None:
    """Add one row per changed field; unchanged fields are skipped. The caller commits."""
    at = clock.now()
    for field, (old, new) in changes.items():
        if _text(old) != _text(new):
            session.add(ChangeLog(entity=entity, entity_id=entity_id, field=field, old=_text(old),
                                  new=_text(new), user_id=user_id, at=at))


def diff(obj: Any, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """Apply `values` to `obj` and return the fields that changed as (old, new)."""
    changes = {}
    for field, new in values.items():
        old = getattr(obj, field)
        if old != new:
            changes[field] = (old, new)
            setattr(obj, field, new)
    return changes


def history(session: Session, entity: str, entity_id: int) -> list[dict]:
    rows = session.exec(select(ChangeLog).where(ChangeLog.entity == entity, ChangeLog.entity_id == entity_id)
                        .order_by(ChangeLog.at, ChangeLog.id)).all()
    return [r.model_dump() for r in rows]


def history_of_finding(session: Session, finding_id: int) -> list[dict]:
    """A finding's whole story: the finding, its corrective action and the action rows, with who did it."""
    from qms.models import ActionItem, CorrectiveAction, User
    ca = session.exec(select(CorrectiveAction.id).where(CorrectiveAction.finding_id == finding_id)).first()
    items = session.exec(select(ActionItem.id).where(ActionItem.corrective_action_id == ca)).all() if ca else []
    query = select(ChangeLog, User.full_name).outerjoin(User, User.id == ChangeLog.user_id).where(
        ((ChangeLog.entity == "finding") & (ChangeLog.entity_id == finding_id))
        | ((ChangeLog.entity == "correctiveaction") & (ChangeLog.entity_id == (ca or -1)))
        | ((ChangeLog.entity == "actionitem") & ChangeLog.entity_id.in_(list(items) or [-1])))
    return [row.model_dump() | {"who": name or ""} for row, name in
            session.exec(query.order_by(ChangeLog.at, ChangeLog.id)).all()]
