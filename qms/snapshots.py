"""Figures that take seconds to count over years of history, kept in the database so that every person and every
app server reads the same counts until they are due again (the dashboard and the management review)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session

from qms import clock, db
from qms.models import Snapshot

MAX_AGE = timedelta(seconds=60)  # a figure on screen is at most this old, plus the time one count takes


def key(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, sort_keys=True).encode()).hexdigest()


def read(session: Session, snapshot_key: str) -> tuple[Any, datetime] | None:
    row = session.get(Snapshot, snapshot_key)
    return None if row is None else (row.value, row.computed_at)


def store(session: Session, snapshot_key: str, value: Any) -> datetime:
    """Save a freshly counted value (the last writer wins: two servers counting at once count the same)."""
    now = clock.now()
    insert = db.insert(session, Snapshot)
    session.connection().execute(insert.values(key=snapshot_key, value=value, computed_at=now).on_conflict_do_update(
        index_elements=["key"], set_={"value": value, "computed_at": now}))
    session.commit()
    return now


def fresh(computed_at: datetime, max_age: timedelta = MAX_AGE) -> bool:
    return clock.now() - computed_at < max_age


def get(session: Session, snapshot_key: str, compute: Callable[[], Any], max_age: timedelta = MAX_AGE
        ) -> tuple[Any, datetime, bool]:
    """The stored value and when it was counted, and whether it is due again; counted now if never stored.

    A value that is due is still returned: the caller shows it and has it counted again in the background,
    so nobody waits for a count that only makes a figure a minute younger.
    """
    found = read(session, snapshot_key)
    if found is None:
        value = compute()
        return value, store(session, snapshot_key, value), False
    value, computed_at = found
    return value, computed_at, not fresh(computed_at, max_age)


def refresh(session: Session, snapshot_key: str, compute: Callable[[], Any], max_age: timedelta = MAX_AGE) -> None:
    """Count again unless another server did meanwhile."""
    found = read(session, snapshot_key)
    if found is None or not fresh(found[1], max_age):
        store(session, snapshot_key, compute())
