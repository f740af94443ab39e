"""The import panel of the Checklists screen: YAML validated as is; Excel mapped column by column with a preview."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from qms import checklist_excel, checklists, db, limits, logs
from qms.ui import session
from qms.ui.column_map import map_columns, problem_text, read_once, sample, sheet_and_header
from qms.ui.i18n import t
from qms.ui.markdown import md_escape
from qms.ui.widgets import attempt, flash, form_key, reset_form
from qms.ui.tables import widths


def problem_table(source: str, problems) -> None:
    """Problems as FILE:LINE: message rows (plain cells, never HTML)."""
    st.dataframe(pd.DataFrame([{t("checklists.line"): p.line, t("checklists.problem"): t(p.key, **p.params)}
                               for p in problems]), hide_index=True, width="stretch",
                 column_config=widths({t("checklists.line"): 80}, [t("checklists.problem")]))
    st.caption(t("checklists.problems_in", source=md_escape(source), n=len(problems)))


_PARSED = "_checklist_workbook"  # the last workbook uploaded, as column_map.read_once keeps it
_UPLOADER = "checklist_upload"
# Problems fixed by a choice on this screen (a column for a role, the code or version), not by editing the file.
_CHOICES = ("checklist.err.map_clause", "checklist.err.map_text", "checklist.err.missing_key")


def _log(source: str, status: str, rows: int | None = None, reason: str | None = None) -> None:
    logs.event("import", source=source, kind="checklist", rows=rows, status=status, reason=reason,
               user=(st.session_state.get("user") or {}).get("id"))


def _report(result: checklists.LoadResult, questions: int | None = None) -> None:
    _log(result.source, result.status, questions, result.problems[0].key if result.problems else None)
    if result.status == "invalid":
        st.error(t("checklists.invalid", source=md_escape(result.source)), icon=":material/error:")
        problem_table(result.source, result.problems)
    else:
        flash(t(f"cli.checklist_{result.status}", source=md_escape(result.source),
                version=md_escape(result.version)))
        # The file leaves the uploader: kept there, the rerun would import it again, and again, without end.
        reset_form(_UPLOADER)
        st.session_state.pop(_PARSED, None)
        st.rerun()


def yaml_import(me: dict, upload) -> None:
    with db.session_scope(session.engine()) as s:
        ok, result = attempt(checklists.import_yaml, s, me["id"], upload.getvalue(), upload.name)
    if ok:
        _report(result)


def excel_import(me: dict, upload) -> None:
    sheets, info, refusal, fresh = read_once(upload.getvalue(), _PARSED)
    if refusal is not None and fresh:
        _log(upload.name, "refused", reason=refusal.key)
    chosen = sheet_and_header(sheets, "xl", refusal=refusal)
    if chosen is None:
        return
    sheet, header_row = chosen
    header = sheet.rows[header_row - 1] or []
    guessed = checklist_excel.guess_mapping(header, sheet.rows[header_row:])
    # The file's language is asked, not inferred from whichever column a header happened to match.
    found = [lang for lang in ("vi", "en") if f"text_{lang}" in guessed]
    languages = {"vi": t("lang.vi"), "en": t("lang.en"), "both": t("checklists.both_languages")}
    file_lang = st.segmented_control(t("checklists.file_language"), list(languages),
                                     format_func=lambda k: md_escape(languages[k]),
                                     default=found[0] if len(found) == 1 else ("both" if found else "vi"),
                                     key=f"xl_lang_{header_row}") or "vi"
    if file_lang != "both":
        guessed = checklist_excel.in_language(guessed, file_lang)
    other = {"vi": "_en", "en": "_vi"}.get(file_lang)
    roles = [r for r in checklist_excel.ROLES if other is None or not r.endswith(other)]
    mapping = map_columns(header, roles, guessed, label="checklists.role", key=f"xl_map_{header_row}_{file_lang}")
    default_id = Path(upload.name).stem.lower().replace(" ", "-")
    meta_cols = st.columns(3)
    meta = {"id": meta_cols[0].text_input(t("checklists.code"), info.get("id", default_id), key="xl_id"),
            "version": meta_cols[1].text_input(t("checklists.version"), info.get("version", "1.0"), key="xl_version"),
            "standard": meta_cols[2].text_input(t("checklists.standard"), info.get("standard", "TCVN ISO 9001:2015"),
                                                key="xl_standard"),
            "title_vi": st.text_input(t("checklists.title_vi"), info.get("title_vi", ""), key="xl_title_vi"),
            "title_en": st.text_input(t("checklists.title_en"), info.get("title_en", ""), key="xl_title_en")}
    meta["standard_titles"] = st.session_state.get("xl_std_titles", True)
    body = sheet.rows[header_row:]
    sample(body, mapping, label="checklists.role")
    result = checklist_excel.build(body, mapping, meta, header_row)
    choices = [p for p in result.problems if p.key in _CHOICES]
    if choices:  # nothing is wrong with the file: a column or a name is still to be chosen above
        st.warning(t("checklists.choose_first", what="; ".join(problem_text(p).lower() for p in choices)),
                   icon=":material/touch_app:")
        return
    if result.problems:
        st.error(t("checklists.rows_with_problems", n=len(result.problems)), icon=":material/error:")
        problem_table(upload.name, result.problems)
        return
    if result.other_titles:
        st.warning(t("checklists.other_titles", n=len({c for c, *_ in result.other_titles})), icon=":material/rule:")
        st.dataframe(pd.DataFrame([{t("field.clause"): c, t("checklists.in_file"): given,
                                    t("checklists.in_standard"): official}
                                   for c, _lang, given, official in result.other_titles]),
                     hide_index=True, width="stretch",
                     column_config=widths({t("field.clause"): 80}, [t("checklists.in_file"), t("checklists.in_standard")]))
        st.toggle(t("checklists.use_standard_titles"), value=True, key="xl_std_titles")
    st.success(t("checklists.ready", questions=int(result.rows), clauses=len(result.checklist["clauses"])))
    if st.button(t("checklists.import_now"), type="primary", key="xl_import"):
        with db.session_scope(session.engine()) as s:
            ok, loaded = attempt(checklists.import_checklist, s, me["id"], result.checklist, upload.name)
        if ok:
            _report(loaded, int(result.rows))


def import_panel(me: dict) -> None:
    cap = limits.imports()
    st.caption(t("checklists.import_help"))
    st.caption(t("checklists.limits", mb=int(cap.file_mb), rows=limits.grouped(int(cap.rows)), columns=int(cap.columns),
                 chars=limits.grouped(int(cap.cell_chars))))
    # The browser refuses a larger file before sending it; the size check below covers any other client.
    upload = st.file_uploader(t("checklists.file"), type=["yaml", "yml", "xlsx"], key=form_key(_UPLOADER),
                              max_upload_size=cap.file_mb)
    if upload is None:
        return
    if upload.size > cap.file_bytes:
        st.error(t("error.file_too_large", mb=int(cap.file_mb)), icon=":material/error:")
        _log(upload.name, "refused", reason="error.file_too_large")
        return
    if upload.name.lower().endswith(".xlsx"):
        excel_import(me, upload)
    else:
        yaml_import(me, upload)

