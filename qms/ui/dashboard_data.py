"""Dashboard figures: read as last counted for the viewer's scope (qms.snapshots), counted again in the
background when due, so a page never waits for a count over the whole history (except the very first)."""

from __future__ import annotations

from datetime import date, datetime

from qms import db, metrics
from qms.ui import session
from qms.ui.background import count_in_background


def figures(actor_id: int, flt: metrics.DashFilter, today: date, year: int) -> tuple[dict, datetime]:
    """The figures and when they were counted."""
    engine = session.engine()
    with db.session_scope(engine) as s:
        value, counted_at, due = metrics.dashboard_figures(s, actor_id, flt, today, year)
    if due:
        count_in_background(f"dashboard {actor_id} {flt} {today} {year}",
              lambda s: metrics.refresh_dashboard(s, actor_id, flt, today, year), engine)
    return value, counted_at
