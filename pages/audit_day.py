"""Audit day: my units today first, then walk a unit's checklist; every answer is saved as it is entered."""

import streamlit as st

from qms import clock, db, responses, standards
from qms.ui import session
from qms.ui.answer_card import card, conflict_box, messages
from qms.ui.audit_panels import findings_panel, meetings_panel, report_panel
from qms.ui.i18n import lang, t
from qms.ui.widgets import date_text, empty, labeler, show_flash

me = session.require_user()
show_flash()
st.title(t("audit_day.title"))
with db.session_scope(session.engine()) as s:
    mine = responses.my_units(s, me["id"])
if not mine:
    empty("audit_day.none")
    st.stop()

today = clock.today()
mine.sort(key=lambda u: (u["date"] != today, u["date"] or today, u["audit"], u["unit_code"]))
by_id = {u["audit_unit_id"]: u for u in mine}
today_word = t("audit_day.today_word")
unit_names = {i: f"{u['audit']} · {u['unit']} · {today_word if u['date'] == today else date_text(u['date'])}"
              for i, u in by_id.items()}  # formatted in this run's language
au = st.selectbox(t("audit_day.pick_unit"), list(by_id), key="audit_unit",
                  format_func=lambda i: unit_names.get(i, str(i)))
unit = by_id[au]
with db.session_scope(session.engine()) as s:
    ctx = responses.context(s, au)
    rows = responses.sheet(s, au)
status = ctx.audit.status
editable = status in responses.OPEN
done = responses.progress(rows)
st.progress(done["answered"] / max(done["total"], 1),
            text=t("audit_day.progress", answered=done["answered"], total=done["total"]))
if not editable:
    st.info(t("audit_day.locked"), icon=":material/lock:")
messages()
conflict_box()

walk, found_tab, meeting_tab, *lead_tab = st.tabs(
    [t("audit_day.walk"), t("audit_day.findings"), t("audit_day.meetings")] + ([t("audit_day.report")] if unit["lead"] else []))

with walk:
    left, right = st.columns([2, 1])
    show = left.segmented_control(t("audit_day.filter"), ["all", "open", "findings"], default="all",
                                  format_func=labeler("audit_day.show"), key="answer_filter")
    groups = sorted({standards.group_of(r["clause"]) for r in rows}, key=int)
    titles = standards.clauses()
    group = right.selectbox(t("audit_day.group"), [None, *groups], key="answer_group",
                            format_func=lambda g, everything=t("common.all"): everything if g is None else
                            f"{g}. {titles[g]['title_' + lang()]}")
    visible = [r for r in rows if (group is None or standards.group_of(r["clause"]) == group)
               and (show != "open" or r["answer"]["version"] == 0)
               and (show != "findings" or r["answer"]["result"] in ("nc_major", "nc_minor", "observation", "ofi"))]
    if not visible:
        empty("audit_day.nothing_to_show")
    else:
        ids = [r["id"] for r in visible]
        if st.session_state.get("answer_item") not in ids:
            st.session_state["answer_item"] = ids[0]
        clause_progress = done["clauses"]
        marks = {r["id"]: ("✓" if r["answer"]["version"] else "○") for r in visible}
        current = st.selectbox(t("audit_day.question"), ids, key="answer_item",
                               format_func=lambda i, rows_by={r["id"]: r for r in visible}: (
                                   f"{marks[i]} {rows_by[i]['item_key']} — "
                                   f"{(rows_by[i]['text_' + lang()] or rows_by[i]['text_vi'])[:70]}"))
        row = next(r for r in visible if r["id"] == current)
        c = clause_progress[row["clause"]]
        st.caption(t("audit_day.clause_progress", clause=row["clause"], answered=c["answered"], total=c["total"]))
        with st.container(border=True):
            card(au, row, editable)
        back, forward, jump = st.columns(3)
        position = ids.index(current)

        def go(item_id):
            st.session_state["answer_item"] = item_id  # a callback may set the selectbox before it is drawn

        back.button(t("common.previous"), disabled=position == 0, on_click=go, args=(ids[max(position - 1, 0)],),
                    width="stretch", icon=":material/arrow_back:")
        forward.button(t("common.next"), disabled=position + 1 >= len(ids), width="stretch",
                       on_click=go, args=(ids[min(position + 1, len(ids) - 1)],), icon=":material/arrow_forward:")
        pending = [r["id"] for r in rows if r["answer"]["version"] == 0]
        after = [i for i in pending if i in ids[position + 1:]] or [i for i in pending if i in ids] or pending

        def go_open(item_id):
            if item_id not in ids:  # the next open question is hidden by the filters: show everything
                st.session_state["answer_filter"], st.session_state["answer_group"] = "all", None
            go(item_id)

        jump.button(t("audit_day.next_open"), disabled=not pending, width="stretch", type="primary",
                    on_click=go_open, args=(after[0] if after else current,), icon=":material/skip_next:")

with found_tab:
    findings_panel(au, editable)
with meeting_tab:
    meetings_panel(au, editable)
if lead_tab:
    with lead_tab[0]:
        report_panel(ctx.audit.id, status)
