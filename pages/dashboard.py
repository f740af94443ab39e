"""Dashboard: findings by status and grade within my scope."""

import streamlit as st

from qms import charts, clock, db, metrics
from qms.models import FindingStatus
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.widgets import empty, label

me = session.require_user()
st.title(t("dashboard.title"))
with db.session_scope(session.engine()) as s:
    rows = metrics.findings_by_status_grade(s, me["id"])
    overdue = metrics.overdue_count(s, me["id"], clock.today())
if not rows:
    empty("dashboard.no_data")
    st.stop()
data = [{"status": label("status", r["status"]), "grade": label("grade", r["grade"]), "count": r["count"]}
        for r in rows]
open_total = sum(r["count"] for r in rows if r["status"] not in (FindingStatus.closed, FindingStatus.draft))
left, right = st.columns(2)
left.metric(t("dashboard.open_findings"), open_total)
right.metric(t("dashboard.overdue"), overdue)
st.altair_chart(charts.stacked_bars(data, "status", "grade", "count", t("field.status"), t("field.grade"),
                                    t("dashboard.count"), [label("status", s.value) for s in FindingStatus]),
                width="stretch")
with st.expander(t("dashboard.table")):
    st.dataframe([{t("field.status"): d["status"], t("field.grade"): d["grade"], t("dashboard.count"): d["count"]}
                  for d in data], hide_index=True, width="stretch")
