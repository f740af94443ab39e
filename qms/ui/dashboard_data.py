"""Dashboard figures, cached briefly per viewer and filter so a rerun does not query again."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

import streamlit as st

from qms import db, metrics
from qms.ui import session

TTL_SECONDS = 60


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def _figures(url: str, actor_id: int, flt: dict, today: date, year: int) -> dict:
    f = metrics.DashFilter(**flt)
    with db.session_scope(db.get_engine(url)) as s:
        return {"status_grade": metrics.findings_by_status_grade(s, actor_id, f),
                "by_unit": metrics.open_by_unit(s, actor_id, f), "by_clause": metrics.open_by_clause(s, actor_id, f),
                "by_grade": metrics.open_by_grade(s, actor_id, f), "by_age": metrics.open_by_age(s, actor_id, f, today),
                "overdue_unit": metrics.overdue_actions(s, actor_id, f, today, "unit"),
                "overdue_owner": metrics.overdue_actions(s, actor_id, f, today, "owner"),
                "months": metrics.opened_closed_by_month(s, actor_id, f),
                "conformity": metrics.conformity_by_unit(s, actor_id, f),
                "coverage": metrics.programme_coverage(s, actor_id, year),
                "overdue": metrics.overdue_count(s, actor_id, today, f)}


def figures(actor_id: int, flt: metrics.DashFilter, today: date, year: int) -> dict:
    url = session.engine().url.render_as_string(hide_password=False)
    return _figures(url, actor_id, asdict(flt), today, year)
