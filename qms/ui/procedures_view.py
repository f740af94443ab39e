"""The Procedures & processes screen's parts: lag flags, the procedure register, processes and their issues, and
the import of a procedure list (mapping, preview, confirm)."""

from __future__ import annotations


import streamlit as st

from qms import (attachments, checklist_excel, clock, db, demo, demo_procedures, exports, filetypes, limits,
                 permissions, procedures, processes, units)
from qms.models import ProcedureStatus
from qms.ui import session
from qms.ui.checklist_import import problem_table
from qms.ui.column_map import map_columns, read_once, sample, sheet_and_header
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.pickers import unit_picker
from qms.ui.tables import widths
from qms.ui.widgets import attempt, date_text, download, empty, flash, form_key, label, labeler, later, reset_form

_PARSED = "_procedure_workbook"  # the last list uploaded, as column_map.read_once keeps it
_UPLOADER = "procedure_upload"


def may_manage(me: dict) -> bool:
    with db.session_scope(session.engine()) as s:
        return bool(permissions.reaches(s, me["id"], "procedures:manage"))


def flag_rows(found: list[dict]) -> list[dict]:
    """Flags as table rows (the same columns on this screen, My work and audit day)."""
    return [{t("processes.kind_col"): t(f"processes.kind.{f['kind']}"), t("field.unit"): f["unit"],
             t("processes.procedure"): f["procedure"] or "—", t("processes.process"): f["process"] or "—",
             t("processes.since"): date_text(f["since"]), t("processes.days"): f["days_late"]} for f in found]


def flag_table(found: list[dict], key: str) -> None:
    if not found:
        empty("processes.no_flags")
        return
    st.dataframe(flag_rows(found), hide_index=True, width="stretch", key=key,
                 column_config=widths({t("processes.kind_col"): 190, t("processes.since"): 104, t("processes.days"): 72},
                                      [t("field.unit"), t("processes.procedure"), t("processes.process")]))


def flags_view(me: dict) -> None:
    term = st.text_input(t("common.search"), placeholder=t("processes.flags_search_hint"), key="flag_search")
    left, right = st.columns(2)
    unit_id = unit_picker(t("findings.unit_tree"), "flag_unit", none_label=t("common.all"), where=left)
    kind = right.selectbox(t("processes.kind_col"), [None, *processes.KINDS], key="flag_kind",
                           format_func=labeler("processes.kind"), placeholder=t("common.choose"))
    with db.session_scope(session.engine()) as s:
        scope = None if unit_id is None else units.descendant_ids(s, unit_id)
        ok, found = attempt(processes.flags, s, me["id"], clock.today(), unit_ids=scope)
        days = processes.allowance(s)
    if not ok:
        return
    found = [f.as_dict() for f in processes.narrow(found, kind=kind, term=term)]
    st.caption(t("processes.flags_help", days=days))
    counts = st.columns(len(processes.KINDS))
    for column, name in zip(counts, processes.KINDS):
        column.metric(t(f"processes.kind.{name}"), sum(1 for f in found if f["kind"] == name))
    flag_table(found, "flags_table")
    if found:
        download(t("procedures.excel"), later(exports.flags_file, me["id"], lang(), unit_ids=scope, kind=kind, term=term),
                 "tthc-canh-bao.xlsx", mime=filetypes.XLSX, icon=":material/table_view:", key="flags_xlsx")


def procedures_view(me: dict) -> None:
    search = st.text_input(t("common.search"), placeholder=t("procedures.search_hint"), key="proc_search")
    cols = st.columns(3)
    unit_id = unit_picker(t("findings.unit_tree"), "proc_unit", none_label=t("common.all"), where=cols[0])
    with db.session_scope(session.engine()) as s:
        names = procedures.fields(s)
    field_name = cols[1].selectbox(t("procedures.field"), [None, *names], key="proc_field",
                                   format_func=lambda f, everything=t("common.all"): everything if f is None else f,
                                   placeholder=t("common.choose"))
    status = cols[2].selectbox(t("field.status"), [None, *[s.value for s in ProcedureStatus]], key="proc_status",
                               format_func=labeler("procedures.status"), placeholder=t("common.choose"))
    with db.session_scope(session.engine()) as s:
        ok, found = attempt(procedures.register, s, me["id"], unit_id=unit_id, term=search, status=status,
                            field_name=field_name)
    if not ok:
        return
    rows = found["rows"]
    st.caption(t("procedures.count", n=found["total"]) + (" " + t("home.first_n", n=len(rows))
                                                           if len(rows) < found["total"] else ""))
    if not rows:
        empty("procedures.none")
        return
    st.dataframe([{t("procedures.code"): r["code"], t("field.status"): label("procedures.status", r["status"]),
                   t("procedures.effective"): date_text(r["effective_date"]), t("procedures.name"): r["name"],
                   t("procedures.field"): r["field"], t("field.unit"): r["unit"],
                   t("procedures.decision"): r["decision_number"]} for r in rows],
                 hide_index=True, width="stretch", key="proc_table",
                 column_config=widths({t("procedures.code"): 96, t("field.status"): 120, t("procedures.effective"): 104},
                                      [t("procedures.name"), t("procedures.field"), t("field.unit"),
                                       t("procedures.decision")]))
    download(t("procedures.excel"), later(exports.procedures_file, me["id"], lang(), unit_id=unit_id, term=search,
                                             status=status, field_name=field_name),
             "tthc.xlsx", mime=filetypes.XLSX, icon=":material/table_view:", key="proc_xlsx")


def _procedure_choice(options: list[dict], label_key: str, key: str, default: list[int], where=st) -> list[int]:
    names = {o["id"]: f"{o['code']} – {o['name']}" + ("" if o["status"] != ProcedureStatus.abolished
                                                      else f" ({t('procedures.status.abolished')})") for o in options}
    return where.multiselect(t(label_key), list(names), default=[i for i in default if i in names], key=key,
                             format_func=lambda i: names.get(i, str(i)), placeholder=t("common.choose_many"))


def processes_view(me: dict, manage: bool) -> None:
    left, right = st.columns(2)
    search = left.text_input(t("common.search"), placeholder=t("processes.search_hint"), key="qt_search")
    with right:
        unit_id = unit_picker(t("findings.unit_tree"), "qt_unit", none_label=t("common.all"))
    with db.session_scope(session.engine()) as s:
        ok, found = attempt(processes.listing, s, me["id"], unit_id=unit_id, term=search)
    if not ok:
        return
    rows = found["rows"]
    if manage:
        with st.expander(t("processes.new"), icon=":material/add:"):
            _new_process(me)
    if not rows:
        empty("processes.none")
        return
    st.dataframe([{t("processes.code"): r["code"], t("processes.issue"): r["issue_no"],
                   t("processes.issued_on"): date_text(r["issued_on"]),
                   t("processes.covers"): r["procedures"], t("processes.title_col"): r["title"],
                   t("field.unit"): r["unit"],
                   t("field.status"): t("processes.withdrawn") if r["withdrawn_on"] else t("processes.current")}
                  for r in rows], hide_index=True, width="stretch", key="qt_table",
                 column_config=widths({t("processes.code"): 130, t("processes.issue"): 96,
                                       t("processes.issued_on"): 104, t("processes.covers"): 72,
                                       t("field.status"): 110}, [t("processes.title_col"), t("field.unit")]))
    by_id = {r["id"]: r for r in rows}
    chosen = st.selectbox(t("processes.open"), list(by_id), index=None, key="qt_open",
                          format_func=lambda i: f"{by_id[i]['code']} – {by_id[i]['title']}",
                          placeholder=t("common.choose"))
    if chosen is not None:
        _process(me, chosen, manage)


def _new_process(me: dict) -> None:
    unit_id = unit_picker(t("field.unit"), "qt_new_unit")
    if unit_id is None:
        return
    with db.session_scope(session.engine()) as s:
        ok, options = attempt(procedures.options, s, me["id"], unit_id)
    if not ok:
        return
    with st.form(form_key("qt_new")):
        cols = st.columns([2, 1, 1])
        code = cols[0].text_input(t("processes.code"), placeholder="QT-01/HT")
        issue_no = cols[1].text_input(t("processes.issue"), value="01")
        issued_on = cols[2].date_input(t("processes.issued_on"), value=clock.today(), format="DD/MM/YYYY")
        title = st.text_input(t("processes.title_col"))
        chosen = _procedure_choice(options, "processes.covers_which", "qt_new_procs", [])
        upload = st.file_uploader(t("processes.file"), type=FILE_TYPES, help=t("processes.file_help"))
        if st.form_submit_button(t("processes.create"), type="primary"):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(processes.create, s, me["id"], unit_id=unit_id, code=code, title=title,
                                issue_no=issue_no, issued_on=issued_on, procedure_ids=chosen, file=_file(upload))
            if ok:
                reset_form("qt_new")
                flash(t("processes.created", code=md_escape(code.strip())))
                st.rerun()


FILE_TYPES = ["pdf", "docx"]  # a signed process: its scan, or the Word file it was issued from


def _file(upload) -> tuple[str, bytes] | None:
    return None if upload is None else (upload.name, upload.getvalue())


def _file_bytes(s, actor_id: int, attachment_id: int) -> bytes:
    return attachments.content(s, actor_id, attachment_id)[2]


def _process(me: dict, process_id: int, manage: bool) -> None:
    with db.session_scope(session.engine()) as s:
        ok, found = attempt(processes.detail, s, me["id"], process_id)
        may = ok and manage and permissions.allowed(s, me["id"], "procedures:manage", unit_id=found["unit_id"])
        options = procedures.options(s, me["id"], found["unit_id"]) if may else []
    if not ok:
        return
    with st.container(border=True):
        st.subheader(md_escape(f"{found['code']} – {found['title']}"))
        st.caption(t("processes.current_issue", issue=md_escape(found["issue_no"]), day=date_text(found["issued_on"]))
                   + (" · " + t("processes.withdrawn_on", day=date_text(found["withdrawn_on"]))
                      if found["withdrawn_on"] else ""))
        st.dataframe([{t("procedures.code"): p["code"], t("field.status"): label("procedures.status", p["status"]),
                       t("procedures.effective"): date_text(p["effective_date"]), t("procedures.name"): p["name"]}
                      for p in found["procedures"]], hide_index=True, width="stretch",
                     column_config=widths({t("procedures.code"): 96, t("field.status"): 120,
                                           t("procedures.effective"): 104}, [t("procedures.name")]))
        st.markdown(f"**{t('processes.issues')}**")
        st.dataframe([{t("processes.issue"): i["issue_no"], t("processes.issued_on"): date_text(i["issued_on"]),
                       t("processes.covers"): i["procedures"], t("processes.title_col"): i["title"],
                       t("processes.note"): i["note"], t("processes.file_col"): (i["file"] or {}).get("name", "")}
                      for i in found["issues"]], hide_index=True, width="stretch",
                     column_config=widths({t("processes.issue"): 96, t("processes.issued_on"): 104,
                                           t("processes.covers"): 72},
                                          [t("processes.title_col"), t("processes.note"), t("processes.file_col")]))
        for issue in found["issues"]:
            if issue["file"]:
                download(t("processes.download", issue=md_escape(issue["issue_no"]),
                           name=md_escape(issue["file"]["name"])),
                         later(_file_bytes, me["id"], issue["file"]["id"]), issue["file"]["name"],
                         icon=":material/download:", key=f"qt_file_{issue['file']['id']}")
        if not may or found["withdrawn_on"]:
            return
        with st.form(form_key(f"qt_issue_{process_id}")):
            st.markdown(f"**{t('processes.reissue')}**")
            cols = st.columns(2)
            issue_no = cols[0].text_input(t("processes.issue"))
            issued_on = cols[1].date_input(t("processes.issued_on"), value=clock.today(), format="DD/MM/YYYY")
            title = st.text_input(t("processes.title_col"), value=found["title"])
            chosen = _procedure_choice([o for o in options if o["status"] != ProcedureStatus.abolished]
                                       + [p | {"status": p["status"]} for p in found["procedures"]
                                          if p["status"] == ProcedureStatus.abolished],
                                       "processes.covers_which", f"qt_issue_procs_{process_id}",
                                       [p["id"] for p in found["procedures"]
                                        if p["status"] != ProcedureStatus.abolished])
            note = st.text_area(t("processes.note"), placeholder=t("processes.note_hint"))
            upload = st.file_uploader(t("processes.file"), type=FILE_TYPES, help=t("processes.file_help"))
            if st.form_submit_button(t("processes.reissue_now"), type="primary"):
                with db.session_scope(session.engine()) as s:
                    ok, _ = attempt(processes.reissue, s, me["id"], process_id, expected_version=found["version"],
                                    issue_no=issue_no, issued_on=issued_on, title=title, procedure_ids=chosen,
                                    note=note, file=_file(upload))
                if ok:
                    reset_form(f"qt_issue_{process_id}")
                    flash(t("processes.reissued", code=md_escape(found["code"]), issue=md_escape(issue_no.strip())))
                    st.rerun()
        if st.button(t("processes.withdraw"), key=f"qt_withdraw_{process_id}", icon=":material/archive:",
                     help=t("processes.withdraw_help")):
            with db.session_scope(session.engine()) as s:
                ok, _ = attempt(processes.withdraw, s, me["id"], process_id, expected_version=found["version"])
            if ok:
                flash(t("processes.withdrawn_done", code=md_escape(found["code"])))
                st.rerun()


def import_view(me: dict) -> None:
    cap = limits.procedure_lists()
    st.caption(t("procedures.import_help"))
    with db.session_scope(session.engine()) as s:
        demo_mode = demo.is_demo(s)
    if demo_mode:  # a decision to try the import with
        download(t("procedures.demo_decision"), later(lambda _s: demo_procedures.amendment_workbook(clock.today())),
                 "qd-2456-sua-doi-tthc.xlsx", mime=filetypes.XLSX, icon=":material/download:", key="pi_demo")
    unit_id = unit_picker(t("procedures.import_unit"), "pi_unit")
    cols = st.columns(2)
    decision = cols[0].text_input(t("procedures.decision"), key="pi_decision", placeholder="1234/QĐ-UBND")
    decided = cols[1].date_input(t("procedures.decision_date"), value=None, key="pi_date", format="DD/MM/YYYY")
    upload = st.file_uploader(t("procedures.file"), type=["xlsx"], key=form_key(_UPLOADER),
                              max_upload_size=cap.file_mb)
    if upload is None or unit_id is None:
        return
    if upload.size > cap.file_bytes:
        st.error(t("error.file_too_large", mb=int(cap.file_mb)), icon=":material/error:")
        return
    sheets, _info, refusal, _fresh = read_once(upload.getvalue(), _PARSED, limits.procedure_lists())
    chosen = sheet_and_header(sheets, "pi", procedures.find_header_row, refusal)
    if chosen is None:
        return
    sheet, header_row = chosen
    header, body = sheet.rows[header_row - 1] or [], sheet.rows[header_row:]
    guessed = checklist_excel.guess_mapping(header, body, procedures.GUESSES)
    mapping = map_columns(header, procedures.ROLES, guessed, label="procedures.role", key=f"pi_map_{header_row}",
                          per_row=4)
    sample(body, mapping, label="procedures.role")
    entries, problems = procedures.read_entries(body, mapping, header_row, decision_number=decision,
                                                decision_date=decided)
    choose = [p for p in problems if p.key in ("procedures.err.map_code", "procedures.err.map_name")]
    if choose:
        st.warning(t("checklists.choose_first", what="; ".join(t(p.key).lower().rstrip(".") for p in choose)),
                   icon=":material/touch_app:")
        return
    if problems:
        st.error(t("checklists.rows_with_problems", n=len(problems)), icon=":material/error:")
        problem_table(upload.name, problems)
        return
    with db.session_scope(session.engine()) as s:
        ok, found = attempt(procedures.preview, s, me["id"], unit_id, entries)
    if not ok:
        return
    if found.problems:
        st.error(t("procedures.err.refused_rows", n=len(found.problems)), icon=":material/error:")
        problem_table(upload.name, found.problems)
        return
    counts = st.columns(4)
    for column, kind in zip(counts, ("new", "amended", "abolished")):
        column.metric(t(f"procedures.kind.{kind}"), len(getattr(found, kind)))
    counts[3].metric(t("procedures.kind.unchanged"), found.unchanged)
    for kind in ("new", "amended", "abolished"):
        rows = getattr(found, kind)
        if rows:
            st.markdown(f"**{t(f'procedures.kind.{kind}')} ({len(rows)})**")
            st.dataframe([{t("checklists.line"): r["row"], t("procedures.code"): r["code"],
                           t("procedures.effective"): date_text(r["effective_date"]), t("procedures.name"): r["name"],
                           t("procedures.before"): r.get("before", "")} for r in rows], hide_index=True,
                         width="stretch", column_config=widths(
                             {t("checklists.line"): 64, t("procedures.code"): 96, t("procedures.effective"): 104},
                             [t("procedures.name"), t("procedures.before")]))
    if found.outdated:
        st.warning(t("procedures.outdated", n=len(found.outdated),
                     rows=", ".join(str(int(r["row"])) for r in found.outdated[:20])), icon=":material/history:")
    if not found.changes:
        st.info(t("procedures.nothing"), icon=":material/check:")
        return
    if st.button(t("procedures.confirm", n=int(found.changes)), type="primary", icon=":material/save:", key="pi_confirm"):
        with db.session_scope(session.engine()) as s:
            ok, done = attempt(procedures.apply, s, me["id"], unit_id, entries, source=upload.name)
        if ok:
            reset_form(_UPLOADER)
            st.session_state.pop(_PARSED, None)
            flash(t("procedures.saved", **done))
            st.rerun()
