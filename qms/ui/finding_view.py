"""A finding's page: the finding and its evidence, the answer it came from, files, the corrective-action chain,
the history, and the next step open to the viewer."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from qms import actions, attachments, changelog, clock, db, findings
from qms import settings as org_settings
from qms.errors import QMSError
from qms.i18n import history_field, history_value
from qms.reports import car
from qms.reports.pdf import unprintable
from qms.ui import session
from qms.ui.i18n import error_text, lang, t
from qms.ui.markdown import md_escape
from qms.ui.tables import widths
from qms.ui.widgets import (attempt, date_text, datetime_text, download, flash, label, labeler, later,
                            evidence_upload, replaced_warning)


def _seen(finding_id: int, version: int | None) -> int | None:
    """Remember the version drawn now and return the one drawn before; None forgets it (after one's own step)."""
    key = f"finding_seen_{finding_id}"
    before = st.session_state.get(key, version)
    if version is None:
        st.session_state.pop(key, None)
    else:
        st.session_state[key] = version
    return before


def _run(fn, *args, done: str, **kwargs) -> None:
    with db.session_scope(session.engine()) as s:
        ok, _ = attempt(fn, s, *args, **kwargs)
    if ok:
        _seen(args[1], None)
        flash(t(done))
        st.rerun()


def _files(finding: dict) -> None:
    with db.session_scope(session.engine()) as s:
        files = attachments.list_for(s, session.actor_id(), finding_id=finding["id"])
        if finding["response_id"]:
            files += attachments.list_for(s, session.actor_id(), response_id=finding["response_id"])
        contents = {f["id"]: attachments.content(s, session.actor_id(), f["id"]) for f in files}
    for f in files:
        name, mime, data = contents[f["id"]]
        if f["is_image"]:
            st.image(data, caption=md_escape(name), width=320)
        else:
            download(md_escape(name), data, name, mime=mime, key=f"file_{f['id']}",
                     icon=":material/attach_file:")


def _plan_form(me: dict, finding: dict, chain: dict, submit_open: bool) -> None:
    action = chain["action"] or {}
    whys = list(action.get("why_steps") or []) + [""] * 5
    rows = chain["rows"]
    with st.form(f"plan_{finding['id']}"):
        st.markdown(f"**{t('car.correction')}**")
        correction = st.text_area(t("car.correction"), action.get("correction", ""), label_visibility="collapsed")
        left, right = st.columns(2)
        correction_by = left.text_input(t("car.correction_by"), action.get("correction_by", ""))
        correction_date = right.date_input(t("car.correction_date"), action.get("correction_date") or clock.today(),
                                           format="DD/MM/YYYY")
        st.markdown(f"**{t('car.root_cause')}** — {t('car.five_whys')}")
        steps = [st.text_input(t("car.why", n=n + 1), whys[n], key=f"why_{finding['id']}_{n}") for n in range(5)]
        root_cause = st.text_area(t("car.root_cause_text"), action.get("root_cause", ""))
        options = [None, *actions.CAUSE_CATEGORIES]
        category = st.selectbox(t("car.category"), options, format_func=labeler("cause", "car.no_category"),
                                index=options.index(action.get("cause_category") or None),
                                placeholder=t("common.choose"))
        st.markdown(f"**{t('car.plan')}**")
        count = max(len(rows) + 1, st.session_state.get(f"plan_rows_{finding['id']}", 1))
        with db.session_scope(session.engine()) as s:
            default_due = clock.today() + timedelta(days=int(org_settings.get(s, "action_due_days")))
        plan_rows = []
        for n in range(count):
            row = rows[n] if n < len(rows) else {}
            a, o, d = st.columns([3, 2, 1.3])
            plan_rows.append({
                "action": a.text_input(t("car.action"), row.get("action", ""), key=f"act_{finding['id']}_{n}",
                                       disabled=bool(row.get("done_date"))),
                "owner_name": o.text_input(t("car.owner"), row.get("owner_name", ""), key=f"own_{finding['id']}_{n}"),
                "due_date": d.date_input(t("field.due"), row.get("due_date") or (default_due if n == len(rows) else None),
                                         format="DD/MM/YYYY", key=f"due_{finding['id']}_{n}")})
        left, middle, right = st.columns(3)
        save = left.form_submit_button(t("car.save_plan"))
        more = middle.form_submit_button(t("car.add_row"), icon=":material/add:")
        submit = right.form_submit_button(t("car.submit_plan"), type="primary", disabled=not submit_open)
    if more:
        st.session_state[f"plan_rows_{finding['id']}"] = count + 1
        save = True
    if save or submit:
        with db.session_scope(session.engine()) as s:
            ok, _ = attempt(actions.save_plan, s, me["id"], finding["id"], correction, correction_by, correction_date,
                            root_cause, steps, category or "", plan_rows)
            if ok and submit:
                ok, _ = attempt(actions.submit_plan, s, me["id"], finding["id"],
                                expected_version=finding["shown_version"])
        if ok:
            _seen(finding["id"], None)
            flash(t("car.submitted" if submit else "common.saved"))
            st.rerun()


def _report_done(me: dict, finding: dict, chain: dict) -> None:
    for row in chain["rows"]:
        if row["done_date"]:
            continue
        with st.form(f"done_{row['id']}"):
            st.markdown(f"**{md_escape(row['action'])}** · {md_escape(row['owner_name'])} · "
                        f"{t('field.due')} {date_text(row['due_date'])}")
            left, right = st.columns([1, 2])
            done = left.date_input(t("car.done"), clock.today(), format="DD/MM/YYYY", max_value=clock.today())
            evidence = right.text_input(t("car.evidence"))
            upload = evidence_upload(f"done_file_{row['id']}")
            if st.form_submit_button(t("car.report_done")):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(actions.report_done, s, me["id"], row["id"], done, evidence)
                    if ok and upload is not None:
                        ok, _ = attempt(attachments.add, s, me["id"], upload.name, upload.getvalue(),
                                        action_item_id=row["id"])
                if ok:
                    flash(t("common.saved"))
                    st.rerun()


def _next_step(me: dict, finding: dict, chain: dict, steps: list[str]) -> None:
    if not steps:
        st.caption(t("finding.no_step"))
        return
    fid = finding["id"]
    if "plan" in steps:
        if chain["action"] and chain["action"].get("return_comment") and finding["status"] == "issued":
            st.warning(f"{t('car.return_comment')}: {md_escape(chain['action']['return_comment'])}",
                       icon=":material/undo:")
        _plan_form(me, finding, chain, "submit" in steps)
    if "report_done" in steps:
        _report_done(me, finding, chain)
    if "implemented" in steps and st.button(t("car.mark_implemented"), type="primary", key=f"impl_{fid}"):
        _run(actions.mark_implemented, me["id"], fid, done="car.implemented", expected_version=finding["shown_version"])
    if "accept" in steps:
        if st.button(t("car.accept"), type="primary", key=f"accept_{fid}"):
            _run(actions.accept_plan, me["id"], fid, done="car.accepted", expected_version=finding["shown_version"])
        with st.form(f"return_{fid}"):
            comment = st.text_area(t("car.return_comment"))
            if st.form_submit_button(t("car.return")):
                _run(actions.return_plan, me["id"], fid, comment, done="car.returned",
                     expected_version=finding["shown_version"])
    if "verify" in steps:
        with st.form(f"verify_{fid}"):
            left, right = st.columns(2)
            when = left.date_input(t("car.verified_at"), clock.today(), format="DD/MM/YYYY", max_value=clock.today())
            effective = right.radio(t("car.effective"), [True, False], horizontal=True,
                                    format_func=lambda v, yes=t("common.yes"), no=t("common.no"): yes if v else no)
            note = st.text_area(t("car.verification_note"))
            upload = evidence_upload(f"verify_file_{fid}")
            if st.form_submit_button(t("car.verify"), type="primary"):
                if upload is not None:  # the evidence is kept even if the verification itself is refused
                    with db.session_scope(session.engine()) as s:
                        attempt(attachments.add, s, me["id"], upload.name, upload.getvalue(), finding_id=fid)
                _run(actions.verify, me["id"], fid, effective, note, when, done="common.saved",
                     expected_version=finding["shown_version"])
    if "close" in steps:
        with st.form(f"close_{fid}"):
            note = "" if finding["grade"] in ("major", "minor") else st.text_area(t("car.close_note"))
            if st.form_submit_button(t("car.close"), type="primary"):
                _run(actions.close, me["id"], fid, note, done="car.closed", expected_version=finding["shown_version"])


def finding_page(me: dict, finding_id: int) -> None:
    with db.session_scope(session.engine()) as s:
        try:
            finding = findings.detail(s, me["id"], finding_id)
        except QMSError as exc:
            st.error(error_text(exc))
            return
        chain = actions.chain(s, me["id"], finding_id)
        steps = actions.next_steps(s, me["id"], finding_id) if finding["status"] != "draft" else []
        history = changelog.history_of_finding(s, finding_id)
        agency = org_settings.get(s, f"org_name_{lang()}")
    # The version the previous run drew is what the person saw when they clicked: a step taken on it is refused
    # if someone else moved the finding since (a button no longer drawn would otherwise swallow the click).
    finding["shown_version"] = _seen(finding_id, finding["version"])
    if st.button(t("finding.back"), icon=":material/arrow_back:", key="back_to_register"):
        del st.query_params["finding"]
        st.rerun()
    st.header(f"{md_escape(finding['code'] or t('finding.draft_code'))} · {label('grade', finding['grade'])}")
    if finding["shown_version"] != finding["version"]:
        st.warning(t("error.finding_changed"), icon=":material/sync_problem:")
    st.markdown(f"**{t('field.status')}:** {label('status', finding['status'])}"
                + (f" · :red[{t('field.overdue')}]" if finding["overdue"] else ""))
    if finding["recurring_of"]:
        st.warning(t("finding.recurring", code=md_escape(finding["recurring_of"]["code"] or "")),
                   icon=":material/replay:")
    left, right = st.columns(2)
    left.markdown(f"**{t('field.unit')}:** {md_escape(finding['unit'])}")
    left.markdown(f"**{t('field.audit')}:** {md_escape(finding['audit'])}")
    right.markdown(f"**{t('field.clause')}:** {md_escape(finding['clause'])}")
    right.markdown(f"**{t('field.due')}:** {date_text(finding['plan_due']) or '—'}")
    st.markdown(f"**{t('field.statement')}**")
    st.text(finding["statement"])
    st.markdown(f"**{t('audit_day.finding_evidence')}**")
    st.text(finding["evidence"] or "—")
    st.caption(f"{t('audit_day.requirement')}: {md_escape(finding['requirement_ref'])}")
    if finding["question"]:
        with st.expander(t("finding.source")):
            q = finding["question"]
            st.text(f"{q['item_key']}: {q['text_' + lang()] or q['text_vi']}")
            if finding["answer"]:
                a = finding["answer"]
                st.text(f"{t('audit_day.result')}: {t('result.' + a['result'])} · {a['evidence']}")
                st.caption(f"{t('audit_day.records_sampled')}: {md_escape(a['records_sampled'] or '—')} · "
                           f"{t('audit_day.interviewed')}: {md_escape(a['interviewed'] or '—')}")
    _files(finding)

    st.subheader(t("finding.chain"))
    action = chain["action"] or {}
    if action:
        st.markdown(f"**{t('car.correction')}:** " + md_escape((action.get("correction") or "—").replace("\n", " ")))
        for n, why in enumerate(action.get("why_steps") or [], start=1):
            st.text(f"{t('car.why', n=n)}: {why}")
        if action.get("root_cause"):
            st.text(f"{t('car.root_cause')}: {action['root_cause']}")
        if chain["rows"]:
            st.dataframe([{t("car.action"): r["action"], t("car.owner"): r["owner_name"],
                           t("field.due"): date_text(r["due_date"]), t("car.done"): date_text(r["done_date"]),
                           t("car.evidence"): r["evidence"]} for r in chain["rows"]], hide_index=True, width="stretch",
                         column_config=widths({t("field.due"): 104, t("car.done"): 104},
                                              [t("car.action"), t("car.owner"), t("car.evidence")]))
        if action.get("verification_note"):
            st.text(f"{t('car.verification_note')}: {action['verification_note']}")
        if action.get("reopen_count"):
            st.warning(t("finding.reopened", n=action["reopen_count"]), icon=":material/replay:")
    st.subheader(t("finding.next"))
    _next_step(me, finding, chain, steps)

    st.subheader(t("car.history"))
    if not history:
        st.caption(t("finding.no_history"))
    else:
        st.dataframe([{t("car.when"): datetime_text(h["at"]), t("car.who"): h["who"],
                       t("car.what"): history_field(h["field"], lang()),
                       t("car.from"): history_value(h["field"], h["old"], lang(), h["entity"]),
                       t("car.to"): history_value(h["field"], h["new"], lang(), h["entity"])} for h in history],
                     hide_index=True, width="stretch",
                     column_config=widths({t("car.when"): 140},
                                          [t("car.who"), t("car.what"), t("car.from"), t("car.to")]))
    if finding["code"]:
        download(t("car.download"), later(car.for_finding, me["id"], finding_id, lang()),
                 f"{finding['code']}-phieu-yeu-cau-khac-phuc.pdf", mime="application/pdf",
                 icon=":material/picture_as_pdf:", key=f"car_{finding_id}")
        replaced_warning(*unprintable([finding, chain, history, agency]))
