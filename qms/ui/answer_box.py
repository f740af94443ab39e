"""One question's answer as a browser component: the question, the result buttons and the text fields.

Streamlit redraws a page element by element, so for a moment after "next" the new question's title can stand
above the old question's buttons, and a tap there would answer the old one. This component draws the question
and its controls in one piece. A Streamlit text widget also only reaches the server when the field is left, and
what it holds is gone with a reload or a dropped connection: here every tap and keystroke is kept in the
browser's localStorage and sent (a result at once, text after a short pause or on leaving the field); the
server acknowledges each draft by its nonce, and only then does the browser forget it. Each draft names its
audit unit and question, so it is saved on the question it was entered on, whatever the screen shows when it
arrives.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import streamlit as st

from qms import db, responses
from qms.errors import QMSError
from qms.ui import session
from qms.models import Result
from qms.text import nfc
from qms.ui.i18n import error_text, lang, t

TEXT_FIELDS = ("evidence", "records_sampled", "interviewed")
FIELDS = ("result", *TEXT_FIELDS)
RESULTS = [r.value for r in Result]
ROWS = {"evidence": 4, "records_sampled": 2, "interviewed": 2}
ACKS_KEPT = 100  # enough for a burst of drafts; sent to the browser on every run
DRAFT_STATES = ("saving", "saved", "offline", "held")  # what the line under the fields says

_CSS = """
.qms-answer .qms-head { margin: 0 0 0.5rem; }
.qms-answer .qms-question { margin: 0 0 0.75rem; white-space: pre-wrap; }
.qms-answer .qms-guidance { margin: 0 0 0.75rem; padding: 0.5rem 0.75rem; border-radius: var(--st-base-radius, 0.5rem);
  border: 1px solid var(--st-border-color, #ddd); }
.qms-answer .qms-guidance summary { cursor: pointer; }
.qms-answer .qms-guidance-text { white-space: pre-wrap; margin-top: 0.5rem; }
.qms-answer .qms-label, .qms-answer label { display: block; font-size: 0.875rem; margin-bottom: 0.25rem; }
.qms-answer .qms-results { display: flex; flex-wrap: wrap; gap: 0.375rem; margin-bottom: 0.75rem; }
.qms-answer .qms-result {
  flex: 1 1 5rem; min-height: 2.75rem; font: inherit; font-size: 0.95rem; cursor: pointer; color: var(--st-text-color);
  background: var(--st-background-color); border: 1px solid var(--st-border-color, #ccc);
  border-radius: var(--st-button-radius, 0.5rem); padding: 0.25rem 0.5rem;
}
.qms-answer .qms-result.qms-on { color: var(--st-primary-color); border-color: var(--st-primary-color);
  background: color-mix(in srgb, var(--st-primary-color) 10%, transparent); font-weight: 600; }
.qms-answer .qms-result:disabled { opacity: 0.6; cursor: default; }
.qms-answer .qms-field { margin-bottom: 0.75rem; }
.qms-answer textarea {
  box-sizing: border-box; width: 100%; resize: vertical; font: inherit; font-size: 1rem; line-height: 1.4;
  padding: 0.5rem 0.75rem; border-radius: var(--st-base-radius, 0.5rem); color: var(--st-text-color);
  background: var(--st-secondary-background-color); border: 1px solid var(--st-widget-border-color, transparent);
}
.qms-answer textarea:focus { outline: 2px solid var(--st-primary-color); outline-offset: 0; }
.qms-answer textarea:disabled { opacity: 0.6; }
.qms-answer .qms-save-status { min-height: 1.25rem; font-size: 0.8rem; opacity: 0.75; }
.qms-answer .qms-save-status[data-state="offline"],
.qms-answer .qms-save-status[data-state="held"] { color: var(--st-red-color); opacity: 1; }
"""

_COMPONENT = st.components.v2.component("qms_answer_box", js=(Path(__file__).with_name("answer_box.js"))
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


@session.guarded
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
        if field not in FIELDS:
            continue
        with db.session_scope(session.engine()) as s:
            try:
                try:
                    responses.save(s, session.actor_id(), au, item, {field: text}, bases={field: base})
                except responses.EditConflict as conflict:
                    # What is stored is text this browser sent earlier, whose acknowledgement never came back:
                    # the auditor's own keystrokes, not someone else's change.
                    if conflict.theirs[field] not in {nfc(x) for x in sent}:  # stored trimmed, sent as typed
                        raise
                    responses.save(s, session.actor_id(), au, item, {field: text}, bases={field: conflict.theirs[field]})
                acks[nonce] = "ok"
                st.session_state["_saved_at"] = True
            except session.SessionEnded:
                return  # unacknowledged, the draft stays in the browser and is sent again after sign-in
            except responses.EditConflict as conflict:
                acks[nonce] = "conflict"
                st.session_state["_conflict"] = {"au": au, "item": item, "mine": conflict.mine,
                                                 "theirs": conflict.theirs, "nonce": nonce}
            except QMSError as exc:
                acks[nonce] = "refused"
                st.session_state["_answer_error"] = error_text(exc)
    for old in list(acks)[:-ACKS_KEPT]:
        del acks[old]


def answer_box(user_id: int, au: int, row: dict, editable: bool, position: str) -> None:
    """The question and its answer, showing what is stored unless the browser holds newer input."""
    answer, field = row["answer"], lang()
    data = {"user": user_id, "au": au, "item": row["id"], "version": answer["version"], "disabled": not editable,
            "key": row["item_key"], "position": position, "text": row[f"text_{field}"] or row["text_vi"],
            "guidance": row[f"guidance_{field}"] or row["guidance_vi"], "guidanceLabel": t("checklists.guidance"),
            "resultLabel": t("audit_day.result"),
            "results": [{"value": r, "label": t(f"result_short.{r}")} for r in RESULTS],
            "values": {"result": answer["result"] if answer["version"] else None} | {f: answer[f] for f in TEXT_FIELDS},
            "acks": _acks(), "dropped": _dropped(),
            "fields": [{"name": f, "label": t(f"audit_day.{f}"), "hint": t(f"audit_day.{f}_hint"), "rows": ROWS[f]}
                       for f in TEXT_FIELDS],
            "labels": {k: t(f"audit_day.draft_{k}") for k in DRAFT_STATES}}
    key = "answer_box"  # one identity for every question, so a late draft from the last one still arrives
    _COMPONENT(key=key, data=data, on_save_change=partial(_on_save, key))
