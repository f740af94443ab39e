"""Management review: the reviews held, a meeting-room presentation of the 9.3.2 inputs, the record and decisions."""

import streamlit as st

from qms import clock, db, reviews
from qms.models import Role
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.review_meeting import meeting, record
from qms.ui.widgets import attempt, date_text, distinct, empty, flash, label, show_flash
from qms.ui.tables import widths

me = session.require_user()
show_flash(shown=not st.session_state.get("review_present"))  # the room's screen is not told "saved"
editable = Role.iso_rep in me["roles"]
with db.session_scope(session.engine()) as s:
    rows = reviews.list_reviews(s, me["id"])
chosen = st.session_state.get("review_id")
if st.session_state.get("review_present") and chosen:
    meeting(me, chosen)
    st.stop()

st.title(t("review.title"))
if editable:
    with st.expander(t("review.new"), expanded=not rows):
        with st.form("review_new"):
            left, right = st.columns(2)
            held_on = left.date_input(t("field.date"), clock.today(), format="DD/MM/YYYY")
            chair = right.text_input(t("review.chair"))
            if st.form_submit_button(t("review.create"), type="primary"):
                with db.session_scope(session.engine()) as s:
                    ok, new_id = attempt(reviews.create, s, me["id"], held_on, chair)
                if ok:
                    st.session_state["review_id"] = st.session_state["review_pick"] = new_id
                    flash(t("review.created"))
                    st.rerun()
if not rows:
    empty("review.none")
    st.stop()
st.dataframe([{t("field.date"): date_text(r["held_on"]), t("field.status"): label("review_status", r["status"]),
               t("review.decisions"): r["decisions"], t("review.open"): r["open"], t("review.chair"): r["chair"]}
              for r in rows], hide_index=True, width="stretch",
             column_config=widths({t("field.date"): 104, t("field.status"): 120, t("review.decisions"): 110,
                                   t("review.open"): 130}, [t("review.chair")]))
by_id = {r["id"]: r for r in rows}
if chosen not in by_id:
    chosen = rows[0]["id"]
names = distinct({i: f"{date_text(r['held_on'])} – {r['chair']}" for i, r in by_id.items()})  # formatted in this run's language
chosen = st.selectbox(t("review.pick"), list(by_id), index=list(by_id).index(chosen), key="review_pick",
                      format_func=lambda i: names.get(i, str(i)), placeholder=t("common.choose"))
st.session_state["review_id"] = chosen
if st.button(t("review.present"), type="primary", icon=":material/slideshow:", key="review_present_start"):
    st.session_state.update(review_present=True, review_section=0)
    st.rerun()
record(me, chosen, editable)
