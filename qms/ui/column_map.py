"""The steps every workbook import shares (checklists, procedure lists): pick the sheet and the header row, map
each role to a column (guessed from the header, changeable), and see the first mapped rows before anything is saved."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from qms import checklist_excel, limits
from qms.checklist_excel import Sheet
from qms.errors import QMSError
from qms.ui.i18n import error_text, t
from qms.ui.markdown import md_escape
from qms.ui.tables import widths

SAMPLE = 10  # rows shown under the mapping


def read_once(raw: bytes, key: str, cap: limits.ImportLimits | None = None
              ) -> tuple[list[Sheet], dict, QMSError | None, bool]:
    """The uploaded workbook's sheets, Info fields and refusal, read once per file (kept under `key`: each widget
    below the upload reruns the page, and reading again would cost each time); and whether it was read just now."""
    digest = hashlib.sha256(raw).hexdigest()
    cached = st.session_state.get(key)
    fresh = cached is None or cached[0] != digest
    if fresh:
        try:
            sheets, info = checklist_excel.read(raw, cap)
            cached = (digest, sheets, info, None)
        except QMSError as exc:
            cached = (digest, [], {}, exc)
        st.session_state[key] = cached
    return cached[1], cached[2], cached[3], fresh


def problem_text(problem) -> str:
    """A workbook's problem in words, its parameters (names, cells from the file) escaped for Markdown."""
    text = t(problem.key, **{k: md_escape(str(v)) for k, v in problem.params.items()})
    return text[:1].upper() + text[1:]


def sheet_and_header(sheets: list[Sheet], key: str, find_header=None,
                     refusal: QMSError | None = None) -> tuple[Sheet, int] | None:
    """The chosen sheet and its header row (1 = first, or where `find_header(rows)` finds it); None when the
    workbook (`refusal`) or the sheet was refused, or holds nothing (the reason is shown)."""
    if refusal is not None:
        st.error(error_text(refusal), icon=":material/error:")
        return None
    sheets = [s for s in sheets if s.rows or s.problem]
    if not sheets:
        st.error(t("checklist.err.no_rows"))
        return None
    names = [s.name for s in sheets]
    left, right = st.columns(2)
    name = left.selectbox(t("checklists.sheet"), names, key=f"{key}_sheet", placeholder=t("common.choose"))
    sheet = sheets[names.index(name)]
    if sheet.problem is not None:
        st.error(problem_text(sheet.problem), icon=":material/error:")
        return None
    first = find_header(sheet.rows) if find_header else 1
    header_row = right.number_input(t("checklists.header_row"), 1, max(1, len(sheet.rows)), first,
                                    key=f"{key}_header_{name}" if find_header else f"{key}_header")
    return sheet, int(header_row)


def map_columns(header: list[str], roles: list[str], guessed: dict[str, int], *, label: str, key: str,
                per_row: int = 5) -> dict[str, int]:
    """A column (or none) for each role, starting from the guess; `label` prefixes each role's catalogue key."""
    columns = [None, *range(len(header))]
    st.markdown(f"**{t('checklists.mapping')}**")
    mapping: dict[str, int] = {}
    cols = st.columns(per_row)
    for n, role in enumerate(roles):
        choice = cols[n % per_row].selectbox(
            t(f"{label}.{role}"), columns, index=columns.index(guessed.get(role)), key=f"{key}_{role}",
            format_func=lambda i, none=t("checklists.no_column"): none if i is None else f"{i + 1}. {header[i][:60]}",
            placeholder=t("common.choose"))
        if choice is not None:
            mapping[role] = choice
    return mapping


def sample(body: list[list[str]], mapping: dict[str, int], *, label: str) -> None:
    """The first rows as the mapping reads them (plain cells: the grid never renders Markdown)."""
    st.markdown(f"**{t('checklists.preview')}**")
    rows = [{t(f"{label}.{role}"): (row[i] if i < len(row) else "") for role, i in mapping.items()}
            for row in body[:SAMPLE] if row]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch",
                 column_config=widths({}, list(rows[0]) if rows else []))
