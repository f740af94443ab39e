"""One question on audit day: result, evidence, records, people, files — each saved the moment it changes.

The question on screen is named in the address (`?unit=…&q=…`), never inferred from a widget's value, and
every field is drawn from what is stored each time a question is shown.
"""

from __future__ import annotations

import streamlit as st

from qms import attachments, db, findings, responses
from qms import settings as org_settings
from qms.errors import QMSError
from qms.models import Result
from qms.ui import session
from qms.ui.answer_texts import TEXT_FIELDS, answer_texts, drop
from qms.ui.i18n import error_text, lang, t
from qms.ui.widgets import datetime_text, labeler, md_escape

RESULTS = [r.value for r in Result]
GRADED = {"nc_major", "nc_minor", "observation", "ofi"}
SHOWN = "_answer_shown"  # (audit unit, item, version, result) as the card last drew it


def _result_key(au: int, item: int) -> str:
    return f"ans_result_{au}_{item}"


def shown_result(au: int, item: int) -> str | None:
    shown = st.session_state.get(SHOWN)
    return shown[3] if shown and shown[:2] == (au, item) else None


def _remember(au: int, item: int, answer: dict) -> None:
    st.session_state[SHOWN] = (au, item, answer["version"], answer["result"] if answer["version"] else None)


def sync(au: int, row: dict) -> None:
    """Draw the stored answer: on every new question, and whenever someone else saved a newer version."""
    answer, shown = row["answer"], st.session_state.get(SHOWN)
    if shown is not None and shown[:3] == (au, row["id"], answer["version"]):
        return
    if shown is not None and shown[:2] == (au, row["id"]) and answer["answered_by_id"] != session.actor_id():
        st.session_state["_updated_by_other"] = answer["answered_by"]
    st.session_state[_result_key(au, row["id"])] = answer["result"] if answer["version"] else None
    _remember(au, row["id"], answer)


def _save_result(au: int, item: int) -> None:
    """Widget callback: save the tapped result now, checked against the result the screen showed."""
    value = st.session_state.get(_result_key(au, item))
    if value not in RESULTS:  # deselected by a second tap, or a label from before a language switch: redraw
        st.session_state.pop(SHOWN, None)
        return
    with db.session_scope(session.engine()) as s:
        try:
            saved = responses.save(s, session.actor_id(), au, item, {"result": value},
                                   bases={"result": shown_result(au, item)})
        except responses.EditConflict as conflict:
            st.session_state["_conflict"] = {"au": au, "item": item, "mine": conflict.mine, "theirs": conflict.theirs}
            return
        except QMSError as exc:
            st.session_state["_answer_error"] = error_text(exc)
            return
    _remember(au, item, saved)
    st.session_state["_saved_at"] = True


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
    st.session_state.pop(SHOWN, None)  # redraw from what is stored now


def conflict_box() -> None:
    conflict = st.session_state.get("_conflict")
    if not conflict:
        return
    with st.container(border=True):
        st.warning(t("error.edit_conflict", who=conflict["theirs"]["answered_by"]), icon=":material/sync_problem:")
        mine, theirs = st.columns(2)
        for column, title, values in ((mine, t("audit_day.my_version"), conflict["mine"]),
                                      (theirs, t("audit_day.their_version"), conflict["theirs"])):
            column.markdown(f"**{title}**")
            column.text(f"{t('audit_day.result')}: {t('result.' + values['result'])}")
            for field in TEXT_FIELDS:
                column.text(f"{t('audit_day.' + field)}: {values[field] or '—'}")
        mine.button(t("audit_day.keep_mine"), on_click=_resolve, args=(True,), key="keep_mine", type="primary")
        theirs.button(t("audit_day.keep_theirs"), on_click=_resolve, args=(False,), key="keep_theirs")


def _upload(au: int, item: int, key: str) -> None:
    files = st.session_state.get(key)
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


def _raise_finding(response_id: int) -> None:
    with db.session_scope(session.engine()) as s:
        try:
            st.session_state["_open_finding"] = findings.raise_from_response(s, session.actor_id(), response_id)
            st.session_state["_rerun_app"] = True  # the findings tab lives outside the walk's fragment
        except QMSError as exc:
            st.session_state["_answer_error"] = error_text(exc)


def card(au: int, row: dict, editable: bool, position: str) -> None:
    """The question, its guidance one tap away, and the answer fields."""
    sync(au, row)
    field = lang()
    text = row[f"text_{field}"] or row["text_vi"]
    guidance = row[f"guidance_{field}"] or row["guidance_vi"]
    st.markdown(f"**{md_escape(row['item_key'])}** · {md_escape(position)}")
    st.text(text)
    if guidance:
        with st.expander(t("checklists.guidance"), icon=":material/lightbulb:"):
            st.text(guidance)
    with st.container(key="answer_result_box"):
        st.segmented_control(t("audit_day.result"), RESULTS, key=_result_key(au, row["id"]),
                             format_func=labeler("result_short"), on_change=_save_result, args=(au, row["id"]),
                             disabled=not editable, width="stretch")
    answer_texts(session.actor_id(), au, row, editable)
    answer = row["answer"]
    if answer["version"]:
        st.caption(t("audit_day.saved_by", who=answer["answered_by"], at=datetime_text(answer["answered_at"])))
    if answer["id"]:
        _files(au, row, answer["id"], editable)
        if editable and answer["result"] in GRADED:
            st.button(t("audit_day.raise_finding"), icon=":material/flag:", key=f"raise_{answer['id']}",
                      on_click=_raise_finding, args=(answer["id"],))
    elif editable:
        st.caption(t("audit_day.files_after_answer"))


def _files(au: int, row: dict, response_id: int, editable: bool) -> None:
    with db.session_scope(session.engine()) as s:
        files = attachments.list_for(s, response_id=response_id)
    images = [f for f in files if f["is_image"]]
    if images:
        columns = st.columns(4)
        for n, image in enumerate(images):
            with db.session_scope(session.engine()) as s:
                name, _mime, data = attachments.content(s, image["id"])
            columns[n % 4].image(data, caption=name, width="stretch")
    for other in (f for f in files if not f["is_image"]):
        with db.session_scope(session.engine()) as s:
            name, mime, data = attachments.content(s, other["id"])
        st.download_button(f"{name} ({other['size'] // 1024 + 1} KB)", data, name, mime=mime,
                           key=f"dl_{other['id']}", icon=":material/attach_file:")
    if editable:
        round_no = st.session_state.get(f"_upload_round_{au}_{row['id']}", 0)
        key = f"up_{au}_{row['id']}_{round_no}"
        with db.session_scope(session.engine()) as s:
            limit = org_settings.get(s, "upload_limit_mb")
        st.file_uploader(t("audit_day.attach"), accept_multiple_files=True, key=key, on_change=_upload,
                         args=(au, row["id"], key), help=t("audit_day.upload_help", mb=limit))
        if st.toggle(t("audit_day.camera"), key=f"cam_on_{au}_{row['id']}"):
            cam_key = f"cam_{au}_{row['id']}_{round_no}"
            st.camera_input(t("audit_day.camera"), key=cam_key, on_change=_upload, args=(au, row["id"], cam_key),
                            label_visibility="collapsed")


def messages() -> None:
    """Feedback from the callbacks of the last interaction."""
    error = st.session_state.pop("_answer_error", None)
    if error:
        st.error(error, icon=":material/error:")
    other = st.session_state.pop("_updated_by_other", None)
    if other:
        st.info(t("audit_day.updated_by_other", who=other), icon=":material/group:")
    note = st.session_state.pop("_walk_note", None)
    if note:
        st.success(note, icon=":material/check_circle:")
    if st.session_state.pop("_saved_at", None):
        st.toast(t("audit_day.saved"), icon=":material/cloud_done:")
