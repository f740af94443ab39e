"""The management review on a meeting-room screen: one 9.3.2 input per screen, large type, no sidebar,
next/previous from buttons or the arrow keys; decisions recorded as tracked actions."""

from __future__ import annotations

from html import escape

import pandas as pd
import streamlit as st

from qms import charts, clock, db, formats, reviews
from qms.reports import review_pack
from qms.reports.pdf import unprintable
from qms.ui import session
from qms.ui.background import count_in_background
from qms.ui.i18n import lang, t
from qms.ui.widgets import attempt, date_text, datetime_text, distinct, download, flash, label, later, replaced_warning
from qms.ui.tables import widths

# A meeting-room screen (1920×1080 seen from the back of the room): the whole width, type twice the usual size,
# tables as HTML (a canvas grid cannot be enlarged), the navigation fixed at the bottom. Our own CSS, no user text.
PRESENTATION_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {display: none;}
[data-testid="stMainBlockContainer"] {max-width: none; padding: 1.5rem 3rem 7rem;}
[data-testid="stMainBlockContainer"] h1 {font-size: 3.2rem; padding-top: 0.5rem;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {font-size: 1.75rem;}
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"],
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p {font-size: 1.35rem;}
[data-testid="stMetricLabel"] p {font-size: 1.75rem !important;}
[data-testid="stMetricValue"], [data-testid="stMetricValue"] * {font-size: 4.5rem !important; line-height: 1.15;}
.qms-slide-table {width: 100%; border-collapse: collapse; font-size: 1.6rem; line-height: 1.35;}
.qms-slide-table th {text-align: left; font-weight: 600; border-bottom: 2px solid #888; padding: 0.5rem 0.75rem;}
.qms-slide-table td {border-bottom: 1px solid #ddd; padding: 0.5rem 0.75rem; vertical-align: top;}
.st-key-review_nav {position: fixed; left: 3rem; right: 3rem; bottom: 1rem; width: auto !important; z-index: 100;
  background: #fff; padding-top: 0.5rem;}
.st-key-review_nav button p {font-size: 1.5rem;}
</style>"""
# Arrow keys press our Next / Previous buttons (found by their stable keys' container class).
KEYS_JS = """<script>
if (!window.parent.__qmsReviewKeys) {
  window.parent.__qmsReviewKeys = true;
  window.parent.document.addEventListener("keydown", (e) => {
    if (["INPUT", "TEXTAREA"].includes(e.target.tagName)) return;
    const key = e.key === "ArrowRight" || e.key === "PageDown" ? "st-key-review_next"
      : e.key === "ArrowLeft" || e.key === "PageUp" ? "st-key-review_prev" : null;
    const button = key && window.parent.document.querySelector("." + key + " button");
    if (button) { e.preventDefault(); button.click(); }
  });
}
</script>"""


def _table(rows: list[dict], columns: dict[str, str], dates: tuple[str, ...] = ("due", "done")) -> None:
    if rows:
        st.dataframe(pd.DataFrame(rows)[list(columns)].rename(columns=columns), hide_index=True, width="stretch",
                     column_config=widths({columns[k]: 104 for k in dates if k in columns},
                                          [v for k, v in columns.items() if k not in dates]))
    else:
        st.caption(t("review.nothing"))


def _slide_table(rows: list[dict], columns: dict[str, str]) -> None:
    """A table in the room's type size; every cell escaped, so typed text stays text."""
    if not rows:
        st.caption(t("review.nothing"))
        return
    head = "".join(f"<th>{escape(title)}</th>" for title in columns.values())
    body = "".join("<tr>" + "".join(f"<td>{escape(str(row.get(c) or ''))}</td>" for c in columns) + "</tr>"
                   for row in rows)
    st.html(f'<table class="qms-slide-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>')


def _chart(chart, bars: int = 0) -> None:
    st.altair_chart(charts.for_room(chart, bars), width="stretch")


def _section(name: str, review: dict, live: dict, count: str) -> None:
    if name == "previous_actions":
        rows = [r | {"state": t("review.done") if r["done_date"] else (t("field.overdue") if r["overdue"]
                                                                        else t("review.open_state")),
                     "review": date_text(r["review_date"]), "due": date_text(r["due_date"])}
                for r in live["previous_actions"]]
        done = sum(1 for r in rows if r["done_date"])
        st.metric(t("review.done_of", done=done, total=len(rows)),
                  formats.percent(round(100 * done / len(rows)) if rows else 0, lang()))
        _slide_table(rows, {"review": t("review.meeting_of"), "action": t("car.action"), "owner_name": t("car.owner"),
                      "due": t("field.due"), "state": t("field.status")})
    elif name == "nonconformities":
        open_now = sum(r["count"] for r in live["status_grade"] if r["status"] not in ("closed", "draft"))
        left, middle, right = st.columns(3)
        left.metric(t("dashboard.open_findings"), open_now)
        middle.metric(t("dashboard.overdue"), live["overdue"])
        right.metric(t("review.closed_period"), sum(r["closed"] for r in live["months"]))
        left, right = st.columns(2)
        with left:
            if live["by_clause"]:
                _chart(charts.pareto(live["by_clause"], t("field.clause"), count, t("dashboard.cumulative")))
        with right:
            if live["months"]:
                _chart(charts.monthly_lines(live["months"], t("dashboard.month"), count,
                                            {"opened": t("dashboard.opened"), "closed": t("dashboard.closed")}))
    elif name == "monitoring":
        cov = live["coverage"]
        st.metric(t("dashboard.coverage", year=cov["year"]), f"{cov['planned']}/{cov['active']}")
        if live["conformity"]:
            _chart(charts.conformity(live["conformity"], t("field.unit"), t("dashboard.rate")), len(live["conformity"]))
        st.text(review["inputs"].get("monitoring") or "")
    elif name == "audits":
        _slide_table([a | {"status": label("audit_status", a["status"]),
                     "result": ", ".join(f"{label('grade', g)}: {n}" for g, n in sorted(a["grades"].items()))}
                for a in live["audits"]],
               {"code": t("field.code"), "title": t("field.title"), "status": t("field.status"),
                "units": t("programme.units"), "result": t("review.findings_by_grade")})
    elif name == "decisions":
        _slide_table([d | {"due": date_text(d["due_date"]), "state": t("review.done") if d["done_date"] else
                     (t("field.overdue") if d["overdue"] else t("review.open_state"))}
                for d in live["decisions"]],
               {"action": t("car.action"), "owner_name": t("car.owner"), "due": t("field.due"), "state": t("field.status")})
        st.text(review.get("outputs") or "")
    else:
        text = review["inputs"].get(name) or ""
        if text:
            st.text(text)
        else:
            st.caption(t("review.not_entered"))


def meeting(me: dict, review_id: int) -> None:
    """Presentation mode: section index in session state, the arrow keys move through it."""
    st.html(PRESENTATION_CSS)
    st.html(KEYS_JS, unsafe_allow_javascript=True)
    today = clock.today()
    with db.session_scope(session.engine()) as s:
        review = reviews.get(s, me["id"], review_id)
        live = reviews.live_inputs(s, me["id"], review, today)
        live["decisions"] = reviews.decisions(s, review_id, today)
    if live["due"]:
        count_in_background(f"review {me['id']} {review_id} {today}",
              lambda s: reviews.refresh_live_inputs(s, me["id"], review, today), session.engine())
    sections = reviews.SECTIONS
    index = min(st.session_state.get("review_section", 0), len(sections) - 1)
    name = sections[index]
    st.caption(f"{t('review.title')} · {date_text(review['held_on'])} · {index + 1}/{len(sections)}")
    st.title(t(f"review.section.{name}"))
    st.caption(t(f"review.clause.{name}"))
    st.caption(t(reviews.figures_note(review, live, today), at=datetime_text(live["counted_at"])))
    _section(name, review, live, t("dashboard.count"))

    @session.guarded
    def move(step: int) -> None:
        st.session_state["review_section"] = max(0, min(len(sections) - 1, index + step))

    left, middle, right = st.container(key="review_nav").columns([1, 2, 1])
    left.button(t("common.previous"), key="review_prev", on_click=move, args=(-1,), disabled=index == 0,
                width="stretch", icon=":material/arrow_back:")
    right.button(t("common.next"), key="review_next", on_click=move, args=(1,), disabled=index + 1 == len(sections),
                 width="stretch", icon=":material/arrow_forward:", type="primary")
    if middle.button(t("review.leave"), key="review_leave", width="stretch"):
        st.session_state["review_present"] = False
        st.rerun()


def pack_pdf(me: dict, review: dict, items: list[dict]) -> None:
    """The review pack as PDF, built when the button is clicked: one click, one file."""
    download(t("report.download_review"), later(review_pack.for_review, me["id"], review["id"], clock.today(), lang()),
             f"xem-xet-lanh-dao-{review['held_on']}.pdf", mime="application/pdf", icon=":material/picture_as_pdf:",
             key=f"review_pack_{review['id']}")
    replaced_warning(*unprintable([review, items]))


def record(me: dict, review_id: int, editable: bool) -> None:
    """The meeting record and its decisions; the ISO secretary edits, leaders read."""
    with db.session_scope(session.engine()) as s:
        review = reviews.get(s, me["id"], review_id)
        items = reviews.decisions(s, review_id, clock.today())
    pack_pdf(me, review, items)
    with st.form(f"review_{review_id}"):
        left, right = st.columns(2)
        held_on = left.date_input(t("field.date"), review["held_on"], format="DD/MM/YYYY", disabled=not editable)
        chair = right.text_input(t("review.chair"), review["chair"], disabled=not editable)
        attendees = st.text_area(t("review.attendees"), review["attendees"], disabled=not editable)
        inputs = {k: st.text_area(t(f"review.section.{k}"), review["inputs"].get(k, ""), help=t(f"review.clause.{k}"),
                                  disabled=not editable) for k in reviews.MANUAL_INPUTS}
        outputs = st.text_area(t("review.outputs"), review["outputs"], help=t("review.clause.decisions"),
                               disabled=not editable)
        if st.form_submit_button(t("common.save"), type="primary", disabled=not editable):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(reviews.save_record, s, me["id"], review_id, held_on, chair, attendees, inputs, outputs)
            if ok:
                flash(t("common.saved"))
                st.rerun()
    st.subheader(t("review.decisions_title"))
    _table([d | {"due": date_text(d["due_date"]), "done": date_text(d["done_date"])} for d in items],
           {"action": t("car.action"), "owner_name": t("car.owner"), "due": t("field.due"), "done": t("car.done"),
            "evidence": t("car.evidence")})
    if not editable:
        return
    with st.form(f"decision_{review_id}", clear_on_submit=False):
        action = st.text_input(t("review.decision"))
        left, right = st.columns(2)
        owner = left.text_input(t("car.owner"))
        due = right.date_input(t("field.due"), None, format="DD/MM/YYYY")
        if st.form_submit_button(t("review.add_decision")):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(reviews.add_decision, s, me["id"], review_id, action, owner, due)
            if ok:
                flash(t("review.decision_added"))
                st.rerun()
    open_items = [d for d in items if not d["done_date"]]
    if open_items:
        with st.form(f"decision_done_{review_id}"):
            names = distinct({d["id"]: d["action"] for d in open_items})
            chosen = st.selectbox(t("review.decision"), list(names), format_func=names.get,
                                  placeholder=t("common.choose"))
            left, right = st.columns([1, 2])
            done = left.date_input(t("car.done"), clock.today(), format="DD/MM/YYYY")
            evidence = right.text_input(t("car.evidence"))
            if st.form_submit_button(t("car.report_done")):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(reviews.complete_decision, s, me["id"], chosen, done, evidence)
                if ok:
                    flash(t("common.saved"))
                    st.rerun()
