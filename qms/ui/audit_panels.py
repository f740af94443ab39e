"""Audit-day panels: the unit's draft findings, its opening and closing meetings, and the lead's report steps."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from qms import clock, completion, db, fieldwork, findings, meetings
from qms.models import Grade
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.widgets import attempt, datetime_text, empty, flash, label, labeler
from qms.ui.tables import widths

GRADES = [g.value for g in Grade]
FLAGS_SHOWN = 20


def process_flags_panel(au: int, editable: bool) -> None:
    """The unit's processes behind their procedures: evidence to check, each a draft finding in one tap."""
    with db.session_scope(session.engine()) as s:
        ok, flags = attempt(findings.process_flags, s, session.actor_id(), au, clock.today())
    if not ok or not flags:
        return
    with st.expander(t("audit_day.process_flags", n=len(flags)), icon=":material/account_balance:",
                     expanded=True):
        st.caption(t("audit_day.process_flags_help"))
        for n, flag in enumerate(flags[:FLAGS_SHOWN]):
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.text(t(f"processes.flag.{flag['kind']}", unit=flag["unit"], procedure=flag["procedure"],
                        process=flag["process"], days=flag["days_late"]))
            if editable and button.button(t("audit_day.raise_flag"), key=f"flag_raise_{au}_{n}", icon=":material/flag:",
                                          width="stretch"):
                with db.session_scope(session.engine()) as s:
                    ok, finding_id = attempt(findings.raise_from_flag, s, session.actor_id(), au, clock.today(),
                                             kind=flag["kind"], procedure_id=flag["procedure_id"],
                                             process_id=flag["process_id"], lang=lang())
                if ok:
                    st.session_state["_open_finding"] = finding_id
                    flash(t("audit_day.flag_raised"))
                    st.rerun()
        if len(flags) > FLAGS_SHOWN:
            st.caption(t("home.first_n", n=FLAGS_SHOWN))


def findings_panel(au: int, editable: bool) -> None:
    process_flags_panel(au, editable)
    with db.session_scope(session.engine()) as s:
        rows = findings.for_audit_unit(s, au)
    if not rows:
        st.caption(t("audit_day.no_findings"))
        return
    opened = st.session_state.get("_open_finding")
    for f in rows:
        title = f"{md_escape(f['code'] or t('finding.draft_code'))} · {md_escape(f['clause'])} · " \
                f"{label('grade', f['grade'])}"
        with st.expander(title, expanded=f["id"] == opened):
            if not editable or f["status"] != "draft":
                st.text(f["statement"])
                st.caption(md_escape(f["evidence"]))
                continue
            with st.form(f"finding_{f['id']}"):
                grade = st.segmented_control(t("field.grade"), GRADES, default=f["grade"], format_func=labeler("grade"))
                statement = st.text_area(t("field.statement"), f["statement"])
                evidence = st.text_area(t("audit_day.finding_evidence"), f["evidence"])
                requirement = st.text_input(t("audit_day.requirement"), f["requirement_ref"])
                if st.form_submit_button(t("common.save"), type="primary"):
                    with db.session_scope(session.engine()) as s:
                        ok, _ = attempt(findings.update_draft, s, session.actor_id(), f["id"], grade or f["grade"],
                                        statement, evidence, requirement)
                    if ok:
                        flash(t("common.saved"))
                        st.rerun()
            if st.button(t("common.delete"), key=f"del_finding_{f['id']}", icon=":material/delete:"):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(findings.delete_draft, s, session.actor_id(), f["id"])
                if ok:
                    st.rerun()


def meetings_panel(au: int, editable: bool) -> None:
    with db.session_scope(session.engine()) as s:
        saved = meetings.for_unit(s, au)
    for kind in meetings.KINDS:
        current = saved.get(kind, {})
        held = clock.local(current["held_at"]) if current.get("held_at") else clock.now().replace(second=0, microsecond=0)
        with st.form(f"meeting_{au}_{kind}"):
            st.markdown(f"**{t(f'audit_day.meeting_{kind}')}**")
            left, right = st.columns(2)
            day = left.date_input(t("field.date"), held.date(), format="DD/MM/YYYY", disabled=not editable)
            time = right.time_input(t("audit_day.time"), held.time(), disabled=not editable)
            attendees = st.text_area(t("audit_day.attendees"), current.get("attendees", ""), disabled=not editable)
            notes = st.text_area(t("audit_day.notes"), current.get("notes", ""), disabled=not editable)
            if st.form_submit_button(t("common.save"), disabled=not editable):
                when = datetime.combine(day, time, tzinfo=clock.ZONE)
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(meetings.record, s, session.actor_id(), au, kind, when, attendees, notes)
                if ok:
                    flash(t("common.saved"))
                    st.rerun()


def report_panel(audit_id: int, status: str) -> None:
    """For the lead auditor: what still blocks the report, then complete and issue."""
    with db.session_scope(session.engine()) as s:
        found = completion.blockers(s, audit_id)
    unanswered = sum(found["unanswered"].values())
    st.metric(t("audit_day.unanswered_all"), unanswered)
    st.metric(t("audit_day.graded_without_finding"), found["graded_without_finding"])
    left, right = st.columns(2)
    if left.button(t("audit_day.complete"), disabled=status not in ("planned", "in_progress"), key="complete_audit"):
        with db.session_scope(session.engine()) as s:
            ok, _ = attempt(completion.complete, s, session.actor_id(), audit_id)
        if ok:
            flash(t("audit_day.completed"))
            st.rerun()
    if right.button(t("audit_day.issue_report"), type="primary", disabled=status != "completed", key="issue_report"):
        with db.session_scope(session.engine()) as s:
            ok, codes = attempt(completion.issue_report, s, session.actor_id(), audit_id)
        if ok:
            flash(t("audit_day.issued", n=len(codes)))
            st.rerun()


@st.fragment(run_every=10)
def progress_panel() -> None:
    """Every unit of the audits in the field, refreshed every few seconds: read-only, for the ISO secretary and leads."""
    session.keep_signed_in()
    with session.refusals():  # its reruns happen outside the router's guard
        _progress()


def _progress() -> None:
    """The table of units in the field."""
    st.subheader(t("audit_day.live"))
    with db.session_scope(session.engine()) as s:
        ok, rows = attempt(fieldwork.live_progress, s, session.actor_id())
    if not ok:
        return
    if not rows:
        empty("audit_day.live_none")
        return
    st.caption(t("audit_day.live_hint", at=datetime_text(clock.now())))
    # Every auditor of the team, with what each recorded (0 included): the team and its work in one column.
    columns = widths({t("field.audit"): 116, t("audit_day.live_progress"): 104, t("audit_day.live_answered"): 80,
                      t("audit_day.live_findings"): 80, t("audit_day.live_last"): 130},
                     [t("field.unit"), t("audit_day.live_by_auditor")])
    columns[t("audit_day.live_progress")] = st.column_config.ProgressColumn(
        t("audit_day.live_progress"), min_value=0.0, max_value=1.0, format="percent", width=104)
    st.dataframe([{t("field.audit"): r["audit"], t("field.unit"): r["unit"],
                   t("audit_day.live_progress"): r["answered"] / r["total"] if r["total"] else 0.0,
                   t("audit_day.live_answered"): f"{r['answered']}/{r['total']}",
                   t("audit_day.live_findings"): r["findings"],
                   t("audit_day.live_last"): datetime_text(r["last_activity"]),
                   t("audit_day.live_by_auditor"): "; ".join(
                       f"{name}: {r['by_auditor'].get(name, 0)}" for name in r["auditors"]) or "—"} for r in rows],
                 hide_index=True, width="stretch", column_config=columns)
