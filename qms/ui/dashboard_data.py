"""Dashboard figures: read as last counted for the viewer's scope (qms.snapshots), counted again in the
background when due, so a page never waits for a count over the whole history (except the very first)."""

from __future__ import annotations

import threading
from datetime import date, datetime

from qms import db, logs, metrics
from qms.ui import session

_counting: set[str] = set()  # counts running in this process, by what they count
_lock = threading.Lock()


def figures(actor_id: int, flt: metrics.DashFilter, today: date, year: int) -> tuple[dict, datetime]:
    """The figures and when they were counted."""
    engine = session.engine()
    with db.session_scope(engine) as s:
        value, counted_at, due = metrics.dashboard_figures(s, actor_id, flt, today, year)
    if due:
        later(f"dashboard {actor_id} {flt} {today} {year}",
              lambda s: metrics.refresh_dashboard(s, actor_id, flt, today, year), engine)
    return value, counted_at


def later(name: str, count, engine) -> None:
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
