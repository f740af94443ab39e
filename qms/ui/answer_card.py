"""One question on audit day: the answer component, then files, photos and the finding to raise.

The question on screen is named in the address (`?unit=…&q=…`), never inferred from a widget's value.
"""

from __future__ import annotations

import streamlit as st

from qms import attachments, db, findings, responses
from qms.errors import QMSError
from qms.ui import session
from qms.ui.answer_box import TEXT_FIELDS, answer_box, drop
from qms.ui.i18n import error_text, t
from qms.ui.markdown import md_escape
from qms.ui.widgets import datetime_text, download, upload_limit_mb

SHOWN = "_answer_shown"  # (audit unit, item, version) as the card last drew it
GRADED = {r.value for r in findings.GRADE_OF_RESULT}


def sync(au: int, row: dict) -> None:
    """Say so when someone else saved a newer version of the answer on screen (the component shows it)."""
    answer, shown = row["answer"], st.session_state.get(SHOWN)
    if shown is not None and shown[:2] == (au, row["id"]) and shown[2] != answer["version"] \
            and answer["answered_by_id"] != session.actor_id():
        st.session_state["_updated_by_other"] = answer["answered_by"]
    st.session_state[SHOWN] = (au, row["id"], answer["version"])


def _on_screen(key: str) -> bool:
    """Whether a tap on a control of question `key` is a tap on the question in the address.

    While the page is redrawn for the next question the old question's buttons may still be on screen for a
    moment; a tap there is refused rather than filed on a question the auditor has left.
    """
    if st.query_params.get("q") == key:
        return True
    st.session_state["_answer_error"] = t("audit_day.moved_on")
    return False


@session.guarded
def _resolve(keep_mine: bool) -> None:
    conflict = st.session_state.pop("_conflict")
    au, item = conflict["au"], conflict["item"]
    if keep_mine:
        values = {f: conflict["mine"][f] for f in ("result", *TEXT_FIELDS)}
        with db.session_scope(session.engine()) as s:
            try:
                responses.save(s, session.actor_id(), au, item, values, conflict["theirs"]["version"])
            except QMSError as exc:
                st.session_state["_answer_error"] = error_text(exc)
    drop(conflict.get("nonce"))  # either way the browser's draft has been dealt with


def conflict_box() -> None:
    conflict = st.session_state.get("_conflict")
    if not conflict:
        return
    with st.container(border=True):
        st.warning(t("error.edit_conflict", who=md_escape(conflict["theirs"]["answered_by"])),
                   icon=":material/sync_problem:")
        mine, theirs = st.columns(2)
        for column, title, values in ((mine, t("audit_day.my_version"), conflict["mine"]),
                                      (theirs, t("audit_day.their_version"), conflict["theirs"])):
            column.markdown(f"**{title}**")
            column.text(f"{t('audit_day.result')}: {t('result.' + values['result'])}")
            for field in TEXT_FIELDS:
                column.text(f"{t('audit_day.' + field)}: {values[field] or '—'}")
        mine.button(t("audit_day.keep_mine"), on_click=_resolve, args=(True,), key="keep_mine", type="primary")
        theirs.button(t("audit_day.keep_theirs"), on_click=_resolve, args=(False,), key="keep_theirs")


@session.guarded
def _upload(au: int, item: int, item_key: str, key: str) -> None:
    files = st.session_state.get(key)
    if not _on_screen(item_key):
        return
    files = files if isinstance(files, list) else [files] if files else []
    done = st.session_state.setdefault("_uploaded_ids", set())
    errors = []
    for upload in files:
        if upload.file_id in done:  # a rerun may hand the same file to the callback again: store it once
            continue
        done.add(upload.file_id)
        with db.session_scope(session.engine()) as s:
            try:
                responses.attach(s, session.actor_id(), au, item, upload.name, upload.getvalue())
            except QMSError as exc:
                errors.append(error_text(exc))
    if errors:
        st.session_state["_answer_error"] = " ".join(errors)
    st.session_state[f"_upload_round_{au}_{item}"] = st.session_state.get(f"_upload_round_{au}_{item}", 0) + 1


@session.guarded
def _raise_finding(response_id: int, item_key: str) -> None:
    if not _on_screen(item_key):
        return
    with db.session_scope(session.engine()) as s:
        try:
            st.session_state["_open_finding"] = findings.raise_from_response(s, session.actor_id(), response_id)
            st.session_state["_rerun_app"] = True  # the findings tab lives outside the walk's fragment
        except QMSError as exc:
            st.session_state["_answer_error"] = error_text(exc)


def card(au: int, row: dict, editable: bool, position: str) -> None:
    """The question and its answer (one component), then who saved it, its files and the finding it may need."""
    sync(au, row)
    answer_box(session.actor_id(), au, row, editable, position)
    answer = row["answer"]
    if answer["version"]:
        st.caption(t("audit_day.saved_by", who=md_escape(answer["answered_by"]),
                     at=datetime_text(answer["answered_at"])))
    if answer["id"]:
        _files(au, row, answer["id"], editable)
        if editable and answer["result"] in GRADED:
            st.button(t("audit_day.raise_finding"), icon=":material/flag:", key=f"raise_{answer['id']}",
                      on_click=_raise_finding, args=(answer["id"], row["item_key"]))
    elif editable:
        st.caption(t("audit_day.files_after_answer"))


def _files(au: int, row: dict, response_id: int, editable: bool) -> None:
    with db.session_scope(session.engine()) as s:
        files = attachments.list_for(s, session.actor_id(), response_id=response_id)
    images = [f for f in files if f["is_image"]]
    if images:
        columns = st.columns(4)
        for n, image in enumerate(images):
            with db.session_scope(session.engine()) as s:
                name, _mime, data = attachments.content(s, session.actor_id(), image["id"])
            columns[n % 4].image(data, caption=md_escape(name), width="stretch")
    for other in (f for f in files if not f["is_image"]):
        with db.session_scope(session.engine()) as s:
            name, mime, data = attachments.content(s, session.actor_id(), other["id"])
        download(f"{md_escape(name)} ({other['size'] // 1024 + 1} KB)", data, name, mime=mime,
                 key=f"dl_{other['id']}", icon=":material/attach_file:")
    if editable:
        round_no = st.session_state.get(f"_upload_round_{au}_{row['id']}", 0)
        key = f"up_{au}_{row['id']}_{round_no}"
        limit = upload_limit_mb()
        st.file_uploader(t("audit_day.attach"), accept_multiple_files=True, key=key, on_change=_upload,
                         args=(au, row["id"], row["item_key"], key), help=t("audit_day.upload_help", mb=limit),
                         max_upload_size=limit)
        if st.toggle(t("audit_day.camera"), key=f"cam_on_{au}_{row['id']}"):
            cam_key = f"cam_{au}_{row['id']}_{round_no}"
            st.camera_input(t("audit_day.camera"), key=cam_key, on_change=_upload,
                            args=(au, row["id"], row["item_key"], cam_key),
                            label_visibility="collapsed")


def messages() -> None:
    """Feedback from the callbacks of the last interaction."""
    error = st.session_state.pop("_answer_error", None)
    if error:
        st.error(error, icon=":material/error:")
    other = st.session_state.pop("_updated_by_other", None)
    if other:
        st.info(t("audit_day.updated_by_other", who=md_escape(other)), icon=":material/group:")
    note = st.session_state.pop("_walk_note", None)
    if note:
        st.success(note, icon=":material/check_circle:")
    if st.session_state.pop("_saved_at", None):
        st.toast(t("audit_day.saved"), icon=":material/cloud_done:")
