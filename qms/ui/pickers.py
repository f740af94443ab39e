"""Choosing among records that may number in the thousands (units, an audit's units): the options are the
matches of what was typed, found in SQL.

With few records (up to units.FIND_LIMIT) a picker is one plain list, as before; with more, a search box above
it narrows the list. A chosen record stays among the options whatever is typed next. In a form the search box
goes to `search_where`, a place outside the form: a form would hold the typed search back until submitted.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st
from sqlmodel import Session

from qms import audits, db, units
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.widgets import distinct

# (session, typed text, how many) -> {id: label}, in display order; and (session, ids) -> {id: label}
Finder = Callable[[Session, str, int], dict[int, str]]
Labeler = Callable[[Session, list[int]], dict[int, str]]


def _options(key: str, chosen: list[int], find: Finder, label_of: Labeler, label: str, where: Any,
             apart: bool) -> tuple[dict[int, str], bool]:
    """The options, and whether a search box was drawn: right above the list it narrows, under the list's own
    label (the list then shows none); `apart` (outside a form), under a label that names the list it serves."""
    find_key = f"{key}__find"
    term = st.session_state.get(find_key, "")
    with db.session_scope(session.engine()) as s:
        found = find(s, term, units.FIND_LIMIT + 1)
        many = bool(term) or len(found) > units.FIND_LIMIT
        names = dict(list(found.items())[:units.FIND_LIMIT])
        names |= label_of(s, [i for i in chosen if i not in names])
    names = distinct(names)
    if many:
        where.text_input(t("units.find_for", field=label) if apart else label, key=find_key,
                         placeholder=t("units.search_hint"), help=t("units.find_help", n=units.FIND_LIMIT))
    return names, many and not apart


def picker(label: str, key: str, find: Finder, label_of: Labeler, *, none_label: str | None = None,
           placeholder: str | None = None, where: Any = None, search_where: Any = None, **kwargs: Any) -> int | None:
    """One record (or None: `none_label` offers "all" as an option, `placeholder` leaves it empty until chosen)."""
    where = where or st
    chosen = st.session_state.get(key)
    names, searched = _options(key, [chosen] if isinstance(chosen, int) else [], find, label_of, label,
                               search_where or where, search_where is not None)
    options: list[int | None] = ([None] if none_label is not None else []) + list(names)
    if chosen not in options:
        st.session_state.pop(key, None)
    fmt = lambda i: none_label if i is None else names.get(i, str(i))  # noqa: E731
    if searched:
        kwargs.setdefault("label_visibility", "collapsed")
    if none_label is None:
        return where.selectbox(label, options, key=key, format_func=fmt, index=None,
                               placeholder=placeholder or t("units.pick"), **kwargs)
    return where.selectbox(label, options, key=key, format_func=fmt, **kwargs, placeholder=t("common.choose"))


def _find_units(include_inactive: bool, s: Session, term: str, limit: int) -> dict[int, str]:
    return {u["id"]: f"{u['code']} – {u['name']}" for u in units.find(s, term, include_inactive=include_inactive,
                                                                       limit=limit)}


def unit_picker(label: str, key: str, *, include_inactive: bool = True, **kwargs: Any) -> int | None:
    """One unit of the whole tree."""
    return picker(label, key, partial(_find_units, include_inactive), units.labels, **kwargs)


def audit_unit_picker(label: str, key: str, audit_id: int, **kwargs: Any) -> int | None:
    """One audited unit of an audit (its id in the audit, not the unit's)."""
    return picker(label, key, partial(audits.find_units, audit_id=audit_id), audits.unit_labels, **kwargs)


def units_picker(label: str, key: str, *, include_inactive: bool = False, where: Any = None,
                 search_where: Any = None, **kwargs: Any) -> list[int]:
    """Several units; those chosen (and saved, in a form) stay among the options while others are searched for."""
    where = where or st
    chosen = [i for i in st.session_state.get(key) or [] if isinstance(i, int)]
    names, searched = _options(key, chosen, partial(_find_units, include_inactive), units.labels, label,
                               search_where or where, search_where is not None)
    if searched:
        kwargs.setdefault("label_visibility", "collapsed")
    return where.multiselect(label, list(names), key=key, format_func=lambda i: names.get(i, str(i)), **kwargs,
                             placeholder=t("common.choose_many"))
