"""User text stays text in a real browser: every editable text field holds Markdown image, link and colour
payloads, every screen that shows one is opened by the role that sees it, and nothing is fetched or styled."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from qms import clock, db
from qms.models import (Attachment, Audit, AuditUnit, ChecklistClause, ChecklistItem, CorrectiveAction, Finding,
                        Response, Unit, User)
from tests.e2e.audit_day_helpers import PNG
from tests.e2e.conftest import assert_no_exception, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e
TRAP = "127.0.0.1:9"  # the discard port: whatever the payloads make the browser fetch is recorded, never served


def payload(tag: str) -> str:
    """Markdown that would fetch, link, colour, draw an icon, an emoji, the logo or a formula, named by `tag`."""
    return (f"![{tag}](http://{TRAP}/{tag}.png) [{tag}](http://{TRAP}/{tag}) :red[{tag}] ![ ](/auth/logout) "
            f":material/pets: :smile: :streamlit: $x^2$ <b>{tag}</b>")


# Unit codes hold 40 characters and are kept in capitals; question ids hold 60.
CODE = f"![UC](HTTP://{TRAP}/UC.PNG):RED[UC]"
QUESTION = f"![qi](http://{TRAP}/qi.png) :red[qi]"


def seed(db_url: str) -> dict:
    """Every field of the issue's list gets its payload; returns where the screens find them."""
    with Session(db.get_engine(db_url)) as s:
        people = {u.username: u for u in s.exec(select(User)).all()}
        people["admin"].full_name = payload("fa")
        people["auditor"].full_name = payload("fn")
        unit = s.exec(select(Unit).where(Unit.code == "SKHCN")).one()
        unit.code, unit.name = CODE, payload("un")
        # Today's audit of the unit: an answered question gets a payload id, and files with payload names.
        current, past = (s.exec(select(AuditUnit).join(Audit).where(AuditUnit.unit_id == unit.id)
                                .order_by(Audit.planned_start.desc())).all()[:2])
        answered = s.exec(select(Response, ChecklistItem).join(ChecklistItem)
                          .where(Response.audit_unit_id == current.id).order_by(ChecklistItem.position)).first()
        response, item = answered
        response.answered_by_id = people["auditor"].id
        item.item_key = QUESTION
        clause = s.exec(select(ChecklistClause).where(ChecklistClause.checklist_id == item.checklist_id,
                                                      ChecklistClause.clause == item.clause)).one()
        clause.title_vi = payload("ct")
        na_clause = s.exec(select(ChecklistClause).where(ChecklistClause.checklist_id == item.checklist_id,
                                                         ChecklistClause.na_default)).first()
        na_clause.na_justification_vi = payload("nj")
        # Last year's nonconformity of the unit, issued again with a returned plan: the auditee's next step.
        finding = s.exec(select(Finding).where(Finding.audit_unit_id == past.id, Finding.grade == "minor",
                                               Finding.response_id.is_not(None))).first()
        finding.status, finding.plan_due, finding.requirement_ref = "issued", clock.today() + timedelta(days=9), payload("rr")
        source = s.get(Response, finding.response_id)
        source.records_sampled, source.interviewed = payload("rs"), payload("pi")
        action = s.exec(select(CorrectiveAction).where(CorrectiveAction.finding_id == finding.id)).first()
        action = action or CorrectiveAction(finding_id=finding.id)
        action.return_comment = payload("rc")
        s.add(action)
        files = [(payload("ai") + ".png", "image/png", PNG, {"response_id": response.id}),
                 (payload("af") + ".txt", "text/plain", b"bien ban", {"response_id": response.id}),
                 (payload("qf") + ".png", "image/png", PNG, {"finding_id": finding.id})]
        for name, mime, data, owner in files:
            s.add(Attachment(name=name, mime=mime, size=len(data), sha256="0" * 64, data=data,
                             uploaded_by_id=people["auditor"].id, uploaded_at=clock.now(), **owner))
        s.commit()
        return {"au": current.id, "question": QUESTION, "clause": clause.clause, "na_clause": na_clause.clause,
                "finding": finding.id}


def check(page, seen: list[str], problems: list[str], where: str, visible: list[str]) -> None:
    """The payloads' text readable, nothing fetched for them, none turned into an image, link, colour or the like.

    Problems are collected rather than raised, so one run names every screen that fails."""
    assert_no_exception(page)
    literals = [{"UC": CODE, "qi": QUESTION}.get(tag) or payload(tag) for tag in visible]
    deadline = time.monotonic() + 20  # a fragment's timed rerun may be redrawing part of the screen
    while True:
        text = page.locator("body").inner_text().replace("\u2060", "")  # the joiner md_escape puts in ":streamlit:"
        missing = [literal for literal in literals if literal not in text]
        if not missing or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    problems += [f"{where}: {literal!r} is not shown as text" for literal in missing]
    made = page.evaluate("""(trap) => {
        const tags = /^(un|fa|fn|rr|rs|pi|rc|ct|nj|ai|af|qf|qi|UC)$/i;
        const where = (e) => (e.closest('[data-testid]') || e).getAttribute('data-testid') + ': ';
        const found = (selector, keep, show) => [...document.querySelectorAll(selector)].filter(keep)
            .map(e => where(e) + show(e));
        return [
            ...found('img', e => (e.getAttribute('src') || '').includes(trap)
                || (e.getAttribute('src') || '').toLowerCase().includes('/auth/logout'), e => e.getAttribute('src')),
            ...found('img[alt="Streamlit logo"]', () => true, () => 'logo'),
            // A bare address stays clickable (GFM autolink) but shows where it goes; a Markdown link would not.
            ...found('a', e => (e.getAttribute('href') || '').toLowerCase().includes(trap)
                && decodeURI(e.getAttribute('href')) !== e.textContent, e => e.outerHTML),
            ...found('.stMarkdownColoredText, .stMarkdownColoredBackground, b, strong', e => tags.test(e.textContent),
                     e => e.outerHTML),
            ...found('span[role="img"][aria-label="pets icon"]', () => true, () => 'icon'),
            ...found('.katex', () => true, () => 'formula'),
        ];
    }""", TRAP)
    if "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" in text:
        made.append("emoji")
    if made:
        problems.append(f"{where}: payload rendered as Markdown: {made}")
    leaked = [url for url in seen if TRAP in url or "/auth/logout" in url]
    seen.clear()
    if leaked:
        problems.append(f"{where}: the browser fetched {leaked}")
    assert page.locator("[data-testid='stSidebar']").count() == 1, f"{where}: signed out by a payload"


def open_expander(page, label: str | re.Pattern) -> None:
    summary = page.locator("[data-testid='stExpander'] summary").filter(has_text=label).first
    summary.scroll_into_view_if_needed()
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()
    wait_for_app(page)


def clause_label(clause: str) -> re.Pattern:
    """A clause's expander, whose summary also holds the arrow icon's name ("keyboard_arrow_right4.1 ...")."""
    return re.compile(r"(?<![\d.])" + re.escape(clause + " "))


def test_user_text_stays_text_on_every_screen(browser, own_server):
    where = seed(own_server.db_url)
    seen: list[str] = []
    problems: list[str] = []

    admin = new_page(browser, own_server, 1366)
    admin.on("request", lambda r: seen.append(r.url))
    sign_in(admin, "admin")
    check(admin, seen, problems, "admin home", ["fa"])
    for path in ("/admin_units", "/admin_users", "/programme"):
        open_app(admin, path)
        check(admin, seen, problems, path, [])
    # A table's own CSV download would hand =HYPERLINK(...) to a spreadsheet: the toolbar offers none.
    open_app(admin, "/admin_units")
    admin.locator("[data-testid='stDataFrame']").first.hover()
    expect(admin.get_by_role("button", name="Search")).to_be_visible()
    assert admin.get_by_role("button", name="Download as CSV").count() == 0
    admin.context.close()

    auditor = new_page(browser, own_server, 1366)
    auditor.on("request", lambda r: seen.append(r.url))
    sign_in(auditor, "auditor")
    open_app(auditor, f"/audit_day?unit={where['au']}&q={quote(where['question'], safe='')}")
    open_expander(auditor, "Danh sách câu hỏi")
    check(auditor, seen, problems, "audit day", ["fn", "ai", "af", "qi"])
    shot(auditor, "text_safety_audit_day")
    auditor.get_by_role("tab", name="Phát hiện", exact=True).click()
    wait_for_app(auditor)
    check(auditor, seen, problems, "audit day findings", [])
    auditor.context.close()

    auditee = new_page(browser, own_server, 1366)
    auditee.on("request", lambda r: seen.append(r.url))
    sign_in(auditee, "auditee")
    check(auditee, seen, problems, "auditee home", ["un", "UC"])
    open_app(auditee, f"/findings?finding={where['finding']}")
    open_expander(auditee, "Câu hỏi và câu trả lời gốc")
    check(auditee, seen, problems, "finding", ["rr", "rs", "pi", "rc", "qf", "un"])
    shot(auditee, "text_safety_finding")
    open_app(auditee, "/findings")
    check(auditee, seen, problems, "register", [])
    open_app(auditee, "/checklists")
    open_expander(auditee, clause_label(where["clause"]))
    open_expander(auditee, clause_label(where["na_clause"]))
    check(auditee, seen, problems, "checklists", ["ct", "nj", "qi"])
    # Signing out takes a POST from the app's own pages: neither an image's GET (Streamlit's own GET route of
    # that address only clears its own cookies) nor another origin's form ends the session.
    auditee.request.get("/auth/logout", max_redirects=0)
    refused = auditee.request.post("/auth/logout", max_redirects=0, headers={
        "Origin": "http://127.0.0.1:1", "Sec-Fetch-Site": "same-site"})
    assert refused.status == 403
    assert any(c["name"] == "qms_session" for c in auditee.context.cookies())
    open_app(auditee, "/")
    expect(auditee.locator("[data-testid='stSidebar']")).to_be_visible()
    auditee.context.close()
    assert problems == []
