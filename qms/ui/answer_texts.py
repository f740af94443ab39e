"""The text fields of an answer (evidence, records sampled, people interviewed), kept in the browser until saved.

A Streamlit text widget only reaches the server when the field is left, and what it holds is gone with a reload
or a dropped connection. This component keeps every keystroke in the browser's localStorage and sends it after a
short pause or on leaving the field; the server acknowledges each draft by its nonce, and only then does the
browser forget it. Each draft names its audit unit and question, so text typed on one question can never be
saved on another, whatever the screen shows when it arrives.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import streamlit as st

from qms import db, responses
from qms.errors import QMSError
from qms.ui import session
from qms.ui.i18n import error_text, t

TEXT_FIELDS = ("evidence", "records_sampled", "interviewed")
ROWS = {"evidence": 4, "records_sampled": 2, "interviewed": 2}
ACKS_KEPT = 100  # enough for a burst of drafts; sent to the browser on every run
DRAFT_STATES = ("typing", "saving", "saved", "offline", "held")  # what the line under the fields says

_CSS = """
.qms-answer-texts .qms-field { margin-bottom: 0.75rem; }
.qms-answer-texts label { display: block; font-size: 0.875rem; margin-bottom: 0.25rem; color: var(--st-text-color); }
.qms-answer-texts textarea {
  box-sizing: border-box; width: 100%; resize: vertical; font: inherit; font-size: 1rem; line-height: 1.4;
  padding: 0.5rem 0.75rem; border-radius: var(--st-base-radius, 0.5rem); color: var(--st-text-color);
  background: var(--st-secondary-background-color); border: 1px solid var(--st-widget-border-color, transparent);
}
.qms-answer-texts textarea:focus { outline: 2px solid var(--st-primary-color); outline-offset: 0; }
.qms-answer-texts textarea:disabled { opacity: 0.6; }
.qms-answer-texts .qms-save-status { min-height: 1.25rem; font-size: 0.8rem; color: var(--st-text-color); opacity: 0.75; }
.qms-answer-texts .qms-save-status[data-state="offline"],
.qms-answer-texts .qms-save-status[data-state="held"] { color: var(--st-red-color); opacity: 1; }
"""

_COMPONENT = st.components.v2.component("qms_answer_texts", js=(Path(__file__).with_name("answer_texts.js"))
                                        .read_text(encoding="utf-8"), css=_CSS, isolate_styles=False)


def _acks() -> dict:
    return st.session_state.setdefault("_draft_acks", {})


def _dropped() -> list:
    return st.session_state.setdefault("_draft_dropped", [])


def drop(nonce: str | None) -> None:
    """Tell the browser to forget a draft (the auditor kept the other version)."""
    if nonce:
        _dropped().append(nonce)
        del _dropped()[:-50]


def _on_save(key: str) -> None:
    """Save each draft on the question it names; every draft is acknowledged, saved or refused."""
    drafts = ((st.session_state.get(key) or {}).get("save") or {}).get("drafts") or []
    acks = _acks()
    for draft in drafts[:ACKS_KEPT]:
        try:
            au, item, field = int(draft["au"]), int(draft["item"]), str(draft["field"])
            text, base, nonce = str(draft["text"]), str(draft.get("base") or ""), str(draft["nonce"])[:40]
            sent = [str(x) for x in draft.get("sent") or []][:20]
        except (KeyError, TypeError, ValueError):
            continue
        if field not in TEXT_FIELDS:
            continue
        with db.session_scope(session.engine()) as s:
            try:
                try:
                    responses.save(s, session.actor_id(), au, item, {field: text}, bases={field: base})
                except responses.EditConflict as conflict:
                    # What is stored is text this browser sent earlier, whose acknowledgement never came back:
                    # the auditor's own keystrokes, not someone else's change.
                    if conflict.theirs[field] not in sent:
                        raise
                    responses.save(s, session.actor_id(), au, item, {field: text}, bases={field: conflict.theirs[field]})
                acks[nonce] = "ok"
                st.session_state["_saved_at"] = True
            except responses.EditConflict as conflict:
                acks[nonce] = "conflict"
                st.session_state["_conflict"] = {"au": au, "item": item, "mine": conflict.mine,
                                                 "theirs": conflict.theirs, "nonce": nonce}
            except QMSError as exc:
                acks[nonce] = "refused"
                st.session_state["_answer_error"] = error_text(exc)
    for old in list(acks)[:-ACKS_KEPT]:
        del acks[old]


def answer_texts(user_id: int, au: int, row: dict, editable: bool) -> None:
    """The three text fields of one question, showing what is stored unless the browser holds newer text."""
    answer = row["answer"]
    key = "answer_texts"  # one identity for every question, so a late draft from the last one still arrives
    data = {"user": user_id, "au": au, "item": row["id"], "version": answer["version"], "disabled": not editable,
            "values": {f: answer[f] for f in TEXT_FIELDS}, "acks": _acks(), "dropped": _dropped(),
            "fields": [{"name": f, "label": t(f"audit_day.{f}"), "hint": t(f"audit_day.{f}_hint"), "rows": ROWS[f]}
                       for f in TEXT_FIELDS],
            "labels": {k: t(f"audit_day.draft_{k}") for k in DRAFT_STATES}}
    _COMPONENT(key=key, data=data, on_save_change=partial(_on_save, key))
