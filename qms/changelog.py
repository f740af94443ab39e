"""The change log: who changed which field of which record, when, from what to what."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from qms import clock
from qms.models import ChangeLog


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


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
