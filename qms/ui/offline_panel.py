"""Audit day away from the server: the unit's worksheet on paper (PDF) or in a workbook (.xlsx), and the filled
workbook brought back through a preview the auditor confirms, choosing row by row where the server moved on."""

from __future__ import annotations

import hashlib

import streamlit as st

from qms import db, filetypes, findings, limits, offline, report_data
from qms.reports import worksheet
from qms.ui import session
from qms.ui.i18n import lang, t
from qms.ui.markdown import md_escape
from qms.ui.tables import widths
from qms.ui.widgets import attempt, datetime_text, download, flash, form_key, label, later, reset_form

UPLOADER = "offline_import"


def offline_panel(unit: dict, editable: bool, audits_units: int) -> None:
    """`unit` is one of responses.my_units; `audits_units` how many units of its audit the auditor answers for."""
    au, language = unit["audit_unit_id"], lang()
    name = f"{unit['audit']}-{unit['unit_code']}"
    st.subheader(t("offline.paper"))
    st.caption(t("offline.paper_help"))
    left, right = st.columns(2)
    for column, filled in ((left, False), (right, True)):
        download(t("worksheet.download_filled" if filled else "worksheet.download_blank"),
                 later(_worksheet, au, session.actor_id(), language, filled),
                 f"{name}-{'ket-qua' if filled else 'phieu'}.pdf", where=column, mime="application/pdf",
                 icon=":material/picture_as_pdf:", key=f"worksheet_{au}_{filled}", width="stretch")
    if not editable:
        return
    st.subheader(t("offline.title"))
    st.caption(t("offline.help"))
    left, right = st.columns(2)
    download(t("offline.export_unit"), later(offline.export, session.actor_id(), lang=language, audit_unit_id=au),
             f"{name}.xlsx", where=left, icon=":material/table_view:", key=f"offline_unit_{au}", width="stretch",
             mime=filetypes.XLSX)
    if audits_units > 1:
        download(t("offline.export_audit", n=audits_units),
                 later(offline.export, session.actor_id(), lang=language, audit_id=unit["audit_id"]),
                 f"{unit['audit']}.xlsx", where=right, icon=":material/table_view:", key=f"offline_audit_{au}",
                 width="stretch", mime=filetypes.XLSX)
    _raise_pending(au)
    cap = limits.answers()
    upload = st.file_uploader(t("offline.import"), type=["xlsx"], key=form_key(f"{UPLOADER}_{au}"),
                              max_upload_size=int(cap.file_mb), help=t("offline.import_help"))
    if upload is None:
        return
    if upload.size > cap.file_bytes:
        st.error(t("error.file_too_large", mb=int(cap.file_mb)), icon=":material/error:")
        return
    _preview(au, unit["audit_id"], upload.getvalue())


def _worksheet(s, audit_unit_id: int, actor_id: int, language: str, filled: bool) -> bytes:
    return worksheet.build(offline.worksheet(s, actor_id, audit_unit_id, language, filled=filled), language,
                           report_data.letterhead(s, language))


def _answer(values: dict) -> str:
    """An answer as plain text, one field a line (shown with st.text: never Markdown)."""
    lines = [label("result", values["result"]) if values["result"] else "—"]
    lines += [f"{t(f'offline.col.{k}')}: {values[k]}" for k in ("evidence", "records_sampled", "interviewed")
              if values[k]]
    return "\n".join(lines)


def _preview(au: int, audit_id: int, raw: bytes) -> None:
    tag = hashlib.sha256(raw).hexdigest()[:12]  # a new file starts with no choices made
    cached = st.session_state.get(f"_offline_preview_{au}")
    if cached and cached[0] == tag:
        found = cached[1]  # every tap on a choice reruns the page; reading 8,000 rows again each time is not needed
    else:  # and a stale preview costs nothing: apply reads the workbook again and refuses what has moved since
        with db.session_scope(session.engine()) as s:
            ok, found = attempt(offline.preview, s, session.actor_id(), raw, audit_id=audit_id)
        if not ok:
            return
        st.session_state[f"_offline_preview_{au}"] = (tag, found)
    counts = st.columns(4)
    counts[0].metric(t("offline.new_label"), len(found.new))
    counts[1].metric(t("offline.changed_label"), len(found.changed))
    counts[2].metric(t("offline.conflicts_label"), len(found.conflicts))
    counts[3].metric(t("offline.refused_label"), len(found.refused))
    st.caption(t("offline.unchanged", n=md_escape(found.unchanged)))
    if found.emptied:
        st.caption(t("offline.emptied", n=int(found.emptied)))
    if found.refused:
        st.error(t("offline.err.refused_rows", n=len(found.refused)), icon=":material/error:")
        st.dataframe([{t("offline.row"): r["row"], t("offline.reason"): offline.refusal_text(r, lang())}
                      for r in found.refused], hide_index=True, width="stretch",
                     column_config=widths({t("offline.row"): 64}, [t("offline.reason")]))
    saving = found.new + found.changed
    if saving:
        st.markdown(f"**{t('offline.to_save')}**")
        st.dataframe([{t("offline.row"): e["row"], t("field.clause"): e["clause"],
                       t("offline.col.result"): label("result", e["mine"]["result"]),
                       t("offline.col.question"): e["question_en"] if lang() == "en" and e["question_en"]
                       else e["question"], t("offline.col.evidence"): e["mine"]["evidence"]} for e in saving],
                     hide_index=True, width="stretch",
                     column_config=widths({t("offline.row"): 64, t("field.clause"): 88, t("offline.col.result"): 150},
                                          [t("offline.col.question"), t("offline.col.evidence")]))
    choices: dict[int, tuple[str, int]] = {}
    if found.conflicts:
        st.markdown(f"**{t('offline.conflicts', n=len(found.conflicts))}**")
    for entry in found.conflicts:
        with st.container(border=True, key=f"conflict_{entry['row']}"):
            question = entry["question_en"] if lang() == "en" and entry["question_en"] else entry["question"]
            st.text(f"{t('offline.row')} {entry['row']} · {entry['clause']} · {question}")
            mine, theirs = st.columns(2)
            mine.caption(t("offline.workbook"))
            mine.text(_answer(entry["mine"]))
            theirs.caption(t("offline.server", who=md_escape(entry["theirs"]["answered_by"] or "—"),
                             at=datetime_text(entry["theirs"]["answered_at"])))
            theirs.text(_answer(entry["theirs"]))
            picked = st.segmented_control(t("offline.keep"), ["mine", "theirs"], key=f"keep_{au}_{tag}_{entry['row']}",
                                          format_func=lambda v: t(f"offline.keep_{v}"))
            if picked:
                choices[entry["row"]] = (picked, entry["version"])
    count = len(saving) + sum(1 for v, _ in choices.values() if v == "mine")
    waiting = len(found.conflicts) - len(choices)
    if waiting:
        st.caption(t("offline.choose_left", n=waiting))
    if not saving and not found.conflicts and not found.refused:
        st.info(t("offline.nothing"), icon=":material/check:")
        return
    if st.button(t("offline.confirm", n=count), type="primary", key=f"offline_confirm_{au}_{tag}",
                 disabled=bool(found.refused or waiting), icon=":material/save:"):
        with db.session_scope(session.engine()) as s, st.spinner(t("offline.saving")):
            ok, done = attempt(offline.apply, s, session.actor_id(), raw, choices, audit_id=audit_id)
        st.session_state.pop(f"_offline_preview_{au}", None)  # saved or refused, the next look reads afresh
        if not ok:
            return
        if done["graded"]:
            st.session_state[f"_imported_graded_{au}"] = done["graded"]
        reset_form(f"{UPLOADER}_{au}")
        flash(t("offline.saved", saved=md_escape(done["saved"]), kept=md_escape(done["kept"])))
        st.rerun()


def _raise_pending(au: int) -> None:
    """After an import with graded answers: their draft findings in one tap, as the question screen raises one."""
    pending = st.session_state.get(f"_imported_graded_{au}")
    if not pending:
        return
    with st.container(border=True):
        st.markdown(t("offline.graded", n=len(pending)))
        left, right = st.columns(2)
        if left.button(t("offline.raise", n=len(pending)), type="primary", icon=":material/flag:",
                       key=f"offline_raise_{au}"):
            with db.session_scope(session.engine()) as s:
                ok, raised = attempt(findings.raise_from_responses, s, session.actor_id(), pending)
            if not ok:
                return
            st.session_state.pop(f"_imported_graded_{au}", None)
            flash(t("offline.raised", n=len(raised)))
            st.rerun()
        if right.button(t("offline.raise_later"), key=f"offline_raise_later_{au}"):
            st.session_state.pop(f"_imported_graded_{au}", None)
            st.rerun()
