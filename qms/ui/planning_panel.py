"""Planning on the programme screen: new programme or copy of last year, new audit, units with their auditors."""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from qms import audits, checklists, clock, completion, db, planning, units
from qms import report_data
from qms.reports import audit_plan, audit_report
from qms.ui.report_buttons import pdf_button
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.pickers import unit_picker
from qms.ui.widgets import attempt, date_text, distinct, download, empty, flash, form_key, reset_form
from qms.ui.tables import widths


def new_programme(me: dict, years: list[int]) -> None:
    with st.form(form_key("programme_new")):
        year = st.number_input(t("field.year"), 2000, 2100, max(years, default=clock.today().year - 1) + 1, step=1)
        objectives = st.text_area(t("programme.objectives"))
        copy = st.selectbox(t("planning.copy_from"), [None, *years],
                            format_func=lambda y, none=t("planning.no_copy"): none if y is None else str(y),
                            placeholder=t("common.choose"))
        if st.form_submit_button(t("planning.create_programme"), type="primary"):
            with db.session_scope(session.engine()) as s:
                if copy is None:
                    ok, _ = attempt(planning.create_programme, s, me["id"], int(year), objectives)
                else:
                    ok, _ = attempt(planning.copy_programme, s, me["id"], copy, int(year))
            if ok:
                reset_form("programme_new")
                st.session_state["programme_year"] = int(year)
                flash(t("planning.programme_created", year=int(year)))
                st.rerun()


def new_audit(me: dict, year: int) -> None:
    with db.session_scope(session.engine()) as s:
        people = planning.auditors(s)
        versions = checklists.list_checklists(s)
    names = distinct({p["id"]: p["full_name"] for p in people})
    version_names = {v["id"]: f"{v['title_' + lang()] or v['title_vi']} (v{v['version']})" for v in versions}
    with st.form(form_key("audit_new")):
        title = st.text_input(t("field.title"), t("planning.default_title", year=year))
        checklist = st.selectbox(t("field.checklist"), list(version_names), format_func=version_names.get,
                                 placeholder=t("common.choose"))
        left, right = st.columns(2)
        # Planning next year's programme in December: its audits start next year, not today.
        first_day = clock.today() if clock.today().year == year else date(year, 1, 15)
        start = left.date_input(t("programme.start"), first_day, format="DD/MM/YYYY")
        end = right.date_input(t("programme.end"), first_day + timedelta(days=14), format="DD/MM/YYYY")
        lead = st.selectbox(t("field.lead"), list(names), format_func=names.get, index=None,
                            placeholder=t("common.choose"))
        team = st.multiselect(t("planning.team"), list(names), format_func=names.get,
                              placeholder=t("common.choose_many"))
        scope = st.text_area(t("planning.scope"), t("planning.default_scope"))
        criteria = st.text_area(t("planning.criteria"), t("planning.default_criteria"))
        if st.form_submit_button(t("planning.create_audit"), type="primary"):
            with db.session_scope(session.engine()) as s:
                ok, audit_id = attempt(planning.create_audit, s, me["id"], year, title, checklist, start, end, lead,
                                       team, scope, criteria)
            if ok:
                reset_form("audit_new")
                # The page chooses it on the audits tab (its pickers were drawn already in this run).
                st.session_state["programme_opened"] = audit_id
                flash(t("planning.audit_created"))
                st.rerun()


def plan_pdf(me: dict, audit: dict) -> None:
    """The printable audit plan for the opening meeting, built when asked for."""
    if st.button(t("report.download_plan"), icon=":material/picture_as_pdf:", key=f"plan_pdf_{audit['id']}"):
        with db.session_scope(session.engine()) as s:
            document = audits.plan_document(s, me["id"], audit["id"], lang())
            head = report_data.letterhead(s, lang())
        download(t("report.download_plan"), audit_plan.build(document, lang(), head),
                 f"{audit['code']}-ke-hoach.pdf", mime="application/pdf", type="primary",
                 key=f"plan_pdf_dl_{audit['id']}", icon=":material/download:")


def audit_report_pdf(me: dict, audit: dict) -> None:
    """The internal audit report, once the report has been issued."""
    if audit["status"] not in ("report_issued", "closed"):
        return
    language = lang()

    def build(progress):
        with db.session_scope(session.engine()) as s:
            data = report_data.audit_report(s, me["id"], audit["id"], language)
        return audit_report.build(data, language, progress)

    with db.session_scope(session.engine()) as s:
        version = (language, planning.report_version(s, audit["id"]))
    pdf_button(t("report.download_audit"), f"audit_{audit['id']}", version, build,
               f"{audit['code']}-bao-cao-danh-gia.pdf")


SHOWN = 200  # rows of a table of units; more are reached by search


def planned_units(audit: dict) -> None:
    """The audit's units and their days, for everyone who reads the programme."""
    with db.session_scope(session.engine()) as s:
        planned = audits.audit_units(s, audit["id"], limit=SHOWN)
    if not planned:
        empty("planning.no_units")
        return
    st.dataframe([{t("field.date"): date_text(u["date"]), t("field.unit"): f"{u['code']} – {u['name']}"}
                  for u in planned], hide_index=True, width="stretch",
                 column_config=widths({t("field.date"): 104}, [t("field.unit")]))
    if audit["units"] > len(planned):
        st.caption(t("planning.units_shown", shown=len(planned), total=int(audit["units"])))


def audit_units(me: dict, audit: dict) -> None:
    """The audit's units, and a form to add (or re-plan) one with its auditors."""
    planned_units(audit)
    with db.session_scope(session.engine()) as s:
        team = set(planning.team(s, audit["id"]))
        people = [p for p in planning.auditors(s) if p["id"] in team]
    names = distinct({p["id"]: p["full_name"] for p in people})
    search, form = st.container(), form_key(f"plan_unit_{audit['id']}")
    with st.form(form):
        unit = unit_picker(t("field.unit"), f"{form}_unit", include_inactive=False, search_where=search)
        day = st.date_input(t("field.date"), audit["planned_start"] or clock.today(), format="DD/MM/YYYY")
        chosen = st.multiselect(t("planning.unit_auditors"), list(names), format_func=names.get,
                                placeholder=t("common.choose_many"))
        reps = st.text_input(t("planning.auditee_reps"))
        if st.form_submit_button(t("planning.add_unit"), type="primary"):
            if unit is None:
                st.error(t("error.unit_missing"))
            else:
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(planning.plan_unit, s, me["id"], audit["id"], unit, day, chosen, reps)
                    label = units.labels(s, [unit]).get(unit, "")
                if ok:
                    reset_form(f"plan_unit_{audit['id']}")
                    flash(t("planning.unit_added", unit=md_escape(label)))
                    st.rerun()


def coverage_grid(year: int) -> None:
    """Units × clause groups: audited, planned, or not covered — gaps show before the year ends (9.2.2 a)."""
    term = st.text_input(t("common.search"), placeholder=t("units.search_hint"), key=f"coverage_find_{year}")
    with db.session_scope(session.engine()) as s:
        shown = units.find(s, term, include_inactive=False, limit=SHOWN)
        cells = planning.coverage(s, year, [u["id"] for u in shown])
        not_covered, active = planning.uncovered(s, year)
    marks = {"audited": "●", "planned": "○"}
    grid = {}
    for cell in cells:
        grid.setdefault(cell["unit_id"], {})[cell["group"]] = marks[cell["state"]]
    groups = [str(g) for g in range(4, 11)]
    rows = [{t("field.unit"): u["code"], **{g: grid.get(u["id"], {}).get(g, "—") for g in groups}} for u in shown]
    st.caption(t("planning.coverage_legend", uncovered=not_covered, total=active))
    st.dataframe(rows, hide_index=True, width="stretch", height=min(35 * len(rows) + 40, 420),
                 column_config=widths({t("field.unit"): 140} | dict.fromkeys(groups, 56)))
    if len(rows) < active:
        st.caption(t("planning.units_shown", shown=len(rows), total=active))
    unit_id = unit_picker(t("planning.drill_down"), f"coverage_unit_{year}", include_inactive=False)
    if unit_id is not None:
        with db.session_scope(session.engine()) as s:
            clauses = planning.coverage_of_unit(s, year, unit_id)
        if not clauses:
            st.caption(t("planning.not_covered"))
        else:
            st.dataframe([{t("field.clause"): c, t("field.status"): t(f"planning.state_{state}")}
                          for c, state in clauses.items()], hide_index=True, width="stretch",
                         column_config=widths({t("field.clause"): 100}, [t("field.status")]))


def reopen_form(me: dict, audit: dict) -> None:
    """Administrators only: reopen a completed or reported audit, with the reason logged."""
    with st.form(f"reopen_{audit['id']}"):
        st.markdown(f"**{t('planning.reopen')}**")
        reason = st.text_input(t("planning.reopen_reason"))
        if st.form_submit_button(t("planning.reopen")):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(completion.reopen, s, me["id"], audit["id"], reason)
            if ok:
                flash(t("planning.reopened", code=md_escape(audit["code"])))
                st.rerun()
