"""Statements per page run: every page for every role, and the run after an answer is saved, stay within a
budget on the demo database. A page that starts querying per row (per unit, per answer, per user) fails here,
with its name and count, long before anyone notices it on a large database."""

from __future__ import annotations

import json
import uuid

import pytest

from benchmarks.apptest import Counter, component, full_run, signed_in, trigger
from benchmarks.pages import ROLES, _roles_of, _visible_finding
from qms import db
from qms.ui.nav import ACCOUNT, visible_paths
from tests.app.conftest import no_errors

BUDGET = 40


@pytest.mark.parametrize("username", ROLES)
def test_every_page_stays_within_the_statement_budget(demo_url, username):
    engine = db.get_engine(demo_url)
    counter = Counter(engine)
    at = signed_in(username)
    counts = {}
    try:
        for path in [*visible_paths(_roles_of(engine, username)), ACCOUNT]:
            at.switch_page(path).run()
            counts[path] = full_run(at, counter)[1]
            no_errors(at)
        at.switch_page("pages/findings.py")
        at.query_params["finding"] = str(_visible_finding(engine, username))
        at.run()
        counts["a finding's page"] = full_run(at, counter)[1]
        no_errors(at)
    finally:
        counter.close()
    assert counts and all(counts.values()), counts  # every page was counted, and every page asks something
    over = {page: n for page, n in counts.items() if n > BUDGET}
    assert not over, f"statements per full run over {BUDGET} for {username}: {over}"


def test_an_answer_save_and_the_run_after_it_stay_within_the_budget(writable_demo_url):
    engine = db.get_engine(writable_demo_url)
    counter = Counter(engine)
    at = signed_in("auditor")
    at.switch_page("pages/audit_day.py").run()
    box = json.loads(component(at, "answer_box").proto.json)
    draft = {"au": box["au"], "item": box["item"], "field": "evidence", "text": "Đã xem 5 hồ sơ", "nonce": uuid.uuid4().hex,
             "base": box["values"]["evidence"], "sent": []}
    at.session_state["_session_checked_at"] = -1e9
    try:
        with counter.counting():
            trigger(at, "answer_box", "save", {"drafts": [draft]})
    finally:
        counter.close()
    no_errors(at)
    assert at.session_state["_draft_acks"][draft["nonce"]] == "ok"
    assert 0 < counter.count <= BUDGET, f"an answer save and the whole page after it: {counter.count} statements"
