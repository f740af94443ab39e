"""Walking a unit's checklist: which question is on screen, how to move, and the live refresh.

The question on screen lives in the address (`q`, the question's id in the checklist), so a reload comes
back to it and nothing a widget does can change it behind the auditor's back.
"""

from __future__ import annotations

import streamlit as st

from qms import db, responses, standards
from qms.errors import QMSError
from qms.ui import session
from qms.ui.answer_card import card, conflict_box, messages
from qms.ui.i18n import error_text, lang, t
from qms.ui.markdown import md_escape
from qms.ui.widgets import empty

REFRESH_SECONDS = 5  # answers saved by another auditor on the same unit appear within this
PICKER = "answer_pick"
KEYS = "_walk_keys"  # the question keys of the unit on screen


def current_key(rows: list[dict]) -> str:
    """The question named in the address, or the first one without an answer (the first one when all are done)."""
    wanted = st.query_params.get("q")
    keys = [r["item_key"] for r in rows]
    if wanted in keys:
        return wanted
    return next((r["item_key"] for r in rows if r["answer"]["version"] == 0), keys[0])


@session.guarded
def go(key: str | None) -> None:
    """Open a question. Streamlit sends a choice back as its label, so a label that changed since it was drawn
    (○ became ✓) arrives as text that names no question: that is ignored, never guessed at."""
    if key in st.session_state.get(KEYS, ()):
        st.query_params["q"] = key


@session.guarded
def _picked() -> None:
    go(st.session_state[PICKER])


@session.guarded
def _mark_rest(au: int) -> None:
    reason = st.session_state.get("not_audited_reason", "")
    with db.session_scope(session.engine()) as s:
        try:
            n = responses.mark_not_audited(s, session.actor_id(), au, reason)
        except QMSError as exc:
            st.session_state["_answer_error"] = error_text(exc)
            return
    st.session_state["_walk_note"] = t("audit_day.marked_not_audited", n=n)
    st.session_state["not_audited_reason"] = ""
    st.session_state.pop("_answer_shown", None)


def _navigator(rows: list[dict], current: str, by_group: dict[str, list[dict]]) -> None:
    """The checklist by clause group, each collapsible, with what is answered: one tap opens a question."""
    titles = standards.clauses()
    # Drawn only while open: its 176 answered marks were a tenth of every save's run on the server.
    outline = st.expander(t("audit_day.all_questions"), icon=":material/list:", key="walk_outline", on_change="rerun")
    with outline:
        if not outline.open:
            return
        for group, members in by_group.items():
            answered = sum(1 for r in members if r["answer"]["version"])
            here = any(r["item_key"] == current for r in members)
            title = md_escape(f"{group}. {titles[group]['title_' + lang()]}")
            with st.expander(f"{title} · {answered}/{len(members)}", expanded=here):
                keys = [r["item_key"] for r in members]
                marks = {r["item_key"]: "✓" if r["answer"]["version"] else "○" for r in members}
                if st.session_state.get(f"nav_{group}") != (current if here else None):
                    st.session_state[f"nav_{group}"] = current if here else None
                st.pills(t("audit_day.question"), keys, key=f"nav_{group}", label_visibility="collapsed",
                         format_func=lambda k, m=marks: md_escape(f"{m[k]} {k}"), on_change=_nav_picked,
                         args=(f"nav_{group}",))


@session.guarded
def _nav_picked(key: str) -> None:
    go(st.session_state.get(key))


def walk(au: int, editable: bool) -> None:
    """The walk of one unit, rerun every few seconds so another auditor's answers appear without a reload."""
    def draw() -> None:
        with db.session_scope(session.engine()) as s:
            rows = responses.sheet(s, au)
        if st.session_state.pop("_rerun_app", False):
            st.rerun(scope="app")
        done = responses.progress(rows)
        st.progress(done["answered"] / max(done["total"], 1),
                    text=t("audit_day.progress", answered=done["answered"], total=done["total"]))
        messages()
        conflict_box()
        if not rows:
            empty("audit_day.nothing_to_show")
            return
        key = current_key(rows)
        if st.query_params.get("q") != key:
            st.query_params["q"] = key
        keys = [r["item_key"] for r in rows]
        st.session_state[KEYS] = frozenset(keys)
        position = keys.index(key)
        row = rows[position]
        pending = [r["item_key"] for r in rows if r["answer"]["version"] == 0 and r["item_key"] != key]
        after = [k for k in pending if keys.index(k) > position] or pending
        # Stable labels: the picker's value travels as its label, which must not change when a question is answered.
        labels = {r["item_key"]: f"{r['item_key']} — {(r['text_' + lang()] or r['text_vi'])[:70]}" for r in rows}
        if st.session_state.get(PICKER) != key:  # setting it unchanged would reset a half-typed search
            st.session_state[PICKER] = key
        st.selectbox(t("audit_day.question"), keys, key=PICKER, format_func=lambda k: labels.get(k, k),
                     on_change=_picked, filter_mode="contains", placeholder=t("common.choose"))
        clause = done["clauses"][row["clause"]]
        with st.container(border=True):
            card(au, row, editable, t("audit_day.clause_progress", clause=row["clause"], answered=clause["answered"],
                                      total=clause["total"]))
        # The second tap of the common case gets the whole width, where a thumb finds it on a tablet.
        with st.container(key="answer_next_open"):
            st.button(t("audit_day.next_open"), disabled=not after, width="stretch", type="primary",
                      on_click=go, args=(after[0] if after else key,), icon=":material/skip_next:")
        back, forward = st.columns(2)
        with back.container(key="answer_prev"):
            st.button(t("audit_day.previous"), disabled=position == 0, on_click=go, args=(keys[max(position - 1, 0)],),
                      width="stretch", icon=":material/arrow_back:")
        with forward.container(key="answer_next"):
            st.button(t("audit_day.next"), disabled=position + 1 >= len(keys), on_click=go,
                      args=(keys[min(position + 1, len(keys) - 1)],), width="stretch", icon=":material/arrow_forward:")
        st.caption(t("audit_day.shortcuts"))
        by_group: dict[str, list[dict]] = {}
        for r in rows:
            by_group.setdefault(standards.group_of(r["clause"]), []).append(r)
        _navigator(rows, key, dict(sorted(by_group.items(), key=lambda kv: int(kv[0]))))
        left = len([r for r in rows if r["answer"]["version"] == 0])
        if editable and left:
            with st.expander(t("audit_day.mark_rest", n=left), icon=":material/block:"):
                st.text_input(t("audit_day.not_audited_reason"), key="not_audited_reason",
                              placeholder=t("audit_day.not_audited_reason_hint"))
                st.button(t("audit_day.mark_rest_now", n=left), on_click=_mark_rest, args=(au,),
                          key="mark_rest")

    @st.fragment(run_every=REFRESH_SECONDS)
    def body() -> None:
        session.keep_signed_in()
        with session.refusals():  # its reruns happen outside the router's guard
            draw()
    body()
