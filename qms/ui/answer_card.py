"""One question on audit day: result, evidence, records, people, files — each saved the moment it changes."""

from __future__ import annotations

import streamlit as st

from qms import attachments, db, findings, responses
from qms import settings as org_settings
from qms.errors import QMSError
from qms.models import Result
from qms.ui import session
from qms.ui.i18n import error_text, lang, t
from qms.ui.widgets import datetime_text, labeler

RESULTS = [r.value for r in Result]
GRADED = {"nc_major", "nc_minor", "observation", "ofi"}
TEXT_FIELDS = ("evidence", "records_sampled", "interviewed")


def _key(field: str, au: int, item: int) -> str:
    return f"ans_{field}_{au}_{item}"


def _seen() -> dict:
    return st.session_state.setdefault("_seen_versions", {})


def sync(au: int, row: dict) -> None:
    """Show the saved answer; when someone else saved a newer one, the widgets take it (with a notice)."""
    answer, seen = row["answer"], _seen()
    if seen.get((au, row["id"])) != answer["version"]:
        if seen.get((au, row["id"])) is not None:
            st.session_state["_updated_by_other"] = answer["answered_by"]
        st.session_state[_key("result", au, row["id"])] = answer["result"] if answer["version"] else None
        for field in TEXT_FIELDS:
            st.session_state[_key(field, au, row["id"])] = answer[field]
        seen[(au, row["id"])] = answer["version"]


def _save(au: int, item: int, field: str) -> None:
    """Widget callback: save one field now, with the version this screen showed."""
    value = st.session_state.get(_key(field, au, item))
    if field == "result" and value is None:
        return
    with db.session_scope(session.engine()) as s:
        try:
            saved = responses.save(s, session.actor_id(), au, item, {field: value or ""}, _seen().get((au, item), 0))
        except responses.EditConflict as conflict:
            st.session_state["_conflict"] = {"au": au, "item": item, "mine": conflict.mine, "theirs": conflict.theirs}
            return
        except QMSError as exc:
            st.session_state["_answer_error"] = error_text(exc)
            return
    _seen()[(au, item)] = saved["version"]
    st.session_state["_saved_at"] = saved["answered_at"]


def _resolve(keep_mine: bool) -> None:
    conflict = st.session_state.pop("_conflict")
    au, item = conflict["au"], conflict["item"]
    if keep_mine:
        values = {f: conflict["mine"][f] for f in ("result", *TEXT_FIELDS)}
        with db.session_scope(session.engine()) as s:
            try:
                saved = responses.save(s, session.actor_id(), au, item, values, conflict["theirs"]["version"])
                _seen()[(au, item)] = saved["version"]
            except QMSError as exc:
                st.session_state["_answer_error"] = error_text(exc)
    else:
        _seen().pop((au, item), None)  # reload theirs into the widgets


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
    errors = []
    for upload in files:
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
        except QMSError as exc:
            st.session_state["_answer_error"] = error_text(exc)


def card(au: int, row: dict, editable: bool) -> None:
    """The question, its guidance one click away, and the answer fields."""
    sync(au, row)
    field = lang()
    text = row[f"text_{field}"] or row["text_vi"]
    guidance = row[f"guidance_{field}"] or row["guidance_vi"]
    st.markdown(f"**{row['item_key']}** · {t('field.clause')} {row['clause']}")
    st.text(text)
    if guidance:
        with st.expander(t("checklists.guidance"), icon=":material/lightbulb:"):
            st.text(guidance)
    st.segmented_control(t("audit_day.result"), RESULTS, key=_key("result", au, row["id"]),
                         format_func=labeler("result_short"), on_change=_save, args=(au, row["id"], "result"),
                         disabled=not editable, width="stretch")
    for name in TEXT_FIELDS:
        widget = st.text_area if name == "evidence" else st.text_input
        widget(t(f"audit_day.{name}"), key=_key(name, au, row["id"]), on_change=_save,
               args=(au, row["id"], name), disabled=not editable, placeholder=t(f"audit_day.{name}_hint"))
    answer = row["answer"]
    if answer["version"]:
        st.caption(t("audit_day.saved_by", who=answer["answered_by"], at=datetime_text(answer["answered_at"])))
    if answer["id"]:
        _files(au, row, answer["id"], editable)
        if editable and answer["result"] in GRADED:
            st.button(t("audit_day.raise_finding"), icon=":material/flag:", key=f"raise_{answer['id']}",
                      on_click=_raise_finding, args=(answer["id"],))


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
    saved = st.session_state.pop("_saved_at", None)
    if saved:
        st.toast(t("audit_day.saved"), icon=":material/cloud_done:")
