"""Counts that run beside the pages: a page shows the figures it has and never waits for a recount."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import Engine
from sqlmodel import Session

from qms import db, logs

_counting: set[str] = set()  # counts running in this process, by what they count
_lock = threading.Lock()


def count_in_background(name: str, count: Callable[[Session], None], engine: Engine) -> None:
    """Run `count(session)` in a thread of its own, once at a time for the same `name`."""
    with _lock:
        if name in _counting:
            return
        _counting.add(name)

    def run() -> None:
        try:
            with db.session_scope(engine) as s:
                count(s)
        except Exception as exc:  # a failed count leaves the last figures in place; the log says why
            logs.crash(exc, where=f"count {name}")
        finally:
            with _lock:
                _counting.discard(name)
    threading.Thread(target=run, name=f"qms-count-{name}", daemon=True).start()
