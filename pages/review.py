"""Management review: the record of past reviews and their decisions."""

import streamlit as st

from qms import db, reviews
from qms.ui import session
from qms.ui.i18n import t
from qms.ui.widgets import date_text, empty, label

me = session.require_user()
st.title(t("review.title"))
with db.session_scope(session.engine()) as s:
    rows = reviews.list_reviews(s, me["id"])
if not rows:
    empty("review.none")
else:
    st.dataframe([{t("field.date"): date_text(r["held_on"]), t("review.chair"): r["chair"],
                   t("field.status"): label("review_status", r["status"]), t("review.decisions"): r["decisions"],
                   t("review.open"): r["open"]} for r in rows], hide_index=True, width="stretch")
