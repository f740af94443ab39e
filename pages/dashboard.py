"""Dashboard: open nonconformities and actions by unit, clause, grade and age; trends; conformity; coverage.
A click on a bar narrows the dashboard; one more click opens the register with the same filters."""

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from qms import audits, charts, clock, db, exports, filetypes, metrics, processes
from qms.models import Grade
from qms.ui import session
from qms.ui.dashboard_data import figures
from qms.ui.i18n import t
from qms.ui.pickers import unit_picker
from qms.ui.widgets import datetime_text, download, label, labeler
from qms.ui.tables import widths

me = session.require_user()
st.title(t("dashboard.title"))
today = clock.today()
with db.session_scope(session.engine()) as s:
    years = audits.programme_years(s)
    audit_names = {a["id"]: a["code"] for y in years for a in (audits.programme(s, me["id"], y) or {"audits": []})["audits"]}

pending = st.session_state.pop("_dash_pick", None)
if pending:  # a bar clicked on the last run: set its filter before the filter widgets are drawn
    st.session_state[pending[0]] = pending[1]
everything = t("common.all")
cols = st.columns([3, 2, 2, 1.4])  # the period holds two dates: on a tablet it needs the widest column
period = cols[0].date_input(t("dashboard.period"), (date(today.year - 1, 1, 1), today), format="DD/MM/YYYY",
                            key="dash_period")
unit_id = unit_picker(t("findings.unit_tree"), "dash_unit", none_label=everything, where=cols[1])
audit_id = cols[2].selectbox(t("field.audit"), [None, *audit_names], key="dash_audit",
                             format_func=lambda i: everything if i is None else audit_names[i],
                             placeholder=t("common.choose"))
grade = cols[3].selectbox(t("field.grade"), [None, *[g.value for g in Grade]], key="dash_grade",
                          format_func=labeler("grade"), placeholder=t("common.choose"))
start, end = (period if isinstance(period, tuple) and len(period) == 2 else (None, None))
flt = metrics.DashFilter(start=start, end=end, unit_id=unit_id, audit_id=audit_id, grade=grade)
data, counted_at = figures(me["id"], flt, today, today.year)


def narrow(key: str, event) -> None:
    """A click on a bar sets the matching filter and reruns."""
    points = (event or {}).get("selection", {}).get("pick") or []
    if points:
        value = points[0].get({"dash_unit": "unit_id", "dash_grade": "grade"}[key])
        if value is not None and st.session_state.get(key) != value:
            st.session_state["_dash_pick"] = (key, value)
            st.rerun()


def panel(title: str, chart, rows: list[dict], columns: dict[str, str], name: str, pick: str | None = None) -> None:
    """A chart with its table view and an Excel download of its data."""
    st.markdown(f"**{title}**")
    if not rows:
        st.caption(t("dashboard.no_data"))
        return
    event = st.altair_chart(chart, width="stretch", key=f"chart_{name}",
                            on_select="rerun" if pick else "ignore")
    if pick:
        narrow(pick, event)
    table = pd.DataFrame(rows)[list(columns)].rename(columns=columns)
    with st.expander(t("dashboard.table")):
        st.dataframe(table, hide_index=True, width="stretch", column_config=widths({}, list(table.columns)))
        download(t("dashboard.download"), partial(exports.table_workbook, table, title), f"{name}.xlsx",
                 key=f"xlsx_{name}", mime=filetypes.XLSX)


count = t("dashboard.count")
cov = data["coverage"]
m = st.columns(4)
m[0].metric(t("dashboard.open_findings"), sum(r["count"] for r in data["by_grade"]))
m[1].metric(t("dashboard.overdue"), data["overdue"])
m[2].metric(t("dashboard.coverage", year=cov["year"]), f"{cov['planned']}/{cov['active']}")
m[3].metric(t("dashboard.audited_units"), cov["audited"])
if st.button(t("dashboard.open_register"), icon=":material/open_in_new:", key="to_register"):
    # Every filter the figures above were counted with, and nothing else: the register then lists what they count.
    for key in ("reg_search", "reg_year", "reg_audit", "reg_clause", "reg_status", "reg_owner", "reg_overdue",
                "reg_recurring", "reg_issued"):
        st.session_state.pop(key, None)
    st.session_state.update(reg_unit=unit_id, reg_grade=grade, reg_audit=audit_id, reg_open=True)
    if start and end:
        st.session_state["reg_issued"] = (start, end)
    st.switch_page("pages/findings.py")

left, right = st.columns(2)
with left:
    panel(t("dashboard.by_unit"), charts.ranked_bars(data["by_unit"], "unit", "count", t("field.unit"), count, "unit_id"),
          data["by_unit"], {"unit": t("field.unit"), "count": count}, "open_by_unit", pick="dash_unit")
with right:
    by_grade = [r | {"label": label("grade", r["grade"])} for r in data["by_grade"]]
    panel(t("dashboard.by_grade"), charts.columns(by_grade, "label", "count", t("field.grade"), count,
                                                  [label("grade", g.value) for g in Grade], "grade"),
          by_grade, {"label": t("field.grade"), "count": count}, "open_by_grade", pick="dash_grade")
panel(t("dashboard.pareto"), charts.pareto(data["by_clause"], t("field.clause"), count, t("dashboard.cumulative")),
      data["by_clause"], {"clause": t("field.clause"), "count": count, "cumulative": t("dashboard.cumulative")},
      "pareto_by_clause")
left, right = st.columns(2)
with left:
    ages = [r | {"label": t(f"dashboard.age.{n}")} for n, r in enumerate(data["by_age"])]
    panel(t("dashboard.by_age"), charts.columns(ages, "label", "count", t("dashboard.days"), count,
                                                [a["label"] for a in ages]),
          ages, {"label": t("dashboard.days"), "count": count}, "open_by_age")
with right:
    months = data["months"]
    panel(t("dashboard.by_month"), charts.monthly_lines(months, t("dashboard.month"), count,
                                                        {"opened": t("dashboard.opened"), "closed": t("dashboard.closed")}),
          months, {"month": t("dashboard.month"), "opened": t("dashboard.opened"), "closed": t("dashboard.closed")},
          "opened_closed")
left, right = st.columns(2)
with left:
    panel(t("dashboard.overdue_by_unit"), charts.ranked_bars(data["overdue_unit"], "unit", "count", t("field.unit"), count),
          data["overdue_unit"], {"unit": t("field.unit"), "count": count}, "overdue_by_unit")
with right:
    panel(t("dashboard.overdue_by_owner"), charts.ranked_bars(data["overdue_owner"], "owner", "count", t("car.owner"), count),
          data["overdue_owner"], {"owner": t("car.owner"), "count": count}, "overdue_by_owner")
lag = [{"unit": r["unit"], "kind": t(f"processes.kind.{k}"), "count": r[k]}
       for r in data.get("process_lag", []) for k in processes.KINDS if r[k]]
lag_tile, lag_link = st.columns(2, vertical_alignment="bottom")
lag_tile.metric(t("dashboard.process_lag"), sum(r["count"] for r in lag))
if lag_link.button(t("dashboard.open_procedures"), icon=":material/open_in_new:", key="to_procedures"):
    st.session_state.update(proc_view="flags", flag_unit=unit_id)
    st.switch_page("pages/procedures.py")
if lag:
    panel(t("dashboard.lag_by_unit"), charts.ranked_stacks(lag, "unit", "kind", "count", count,
                                                           t("processes.kind_col"),
                                                           [t(f"processes.kind.{k}") for k in processes.KINDS]),
          lag, {"unit": t("field.unit"), "kind": t("processes.kind_col"), "count": count}, "process_lag")
panel(t("dashboard.conformity"), charts.conformity(data["conformity"], t("field.unit"), t("dashboard.rate")),
      data["conformity"], {"audit": t("field.audit"), "unit": t("field.unit"), "rate": t("dashboard.rate"),
                           "answers": t("dashboard.answers")}, "conformity")
st.caption(t("dashboard.help"))
st.caption(t("dashboard.counted_at", at=datetime_text(counted_at)))
