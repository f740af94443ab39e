"""Audit-day steps as an auditor takes them on a tablet, and the database read back afterwards."""

from __future__ import annotations

import re
from datetime import date

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlmodel import Session, select

from qms import checklists, clock, db, planning, responses
from qms.models import Attachment, ChecklistItem, Response, Unit, User
from tests.e2e.conftest import wait_for_app

RESULT_LABELS = {"conform": "Phù hợp", "nc_major": "KPH nặng", "nc_minor": "KPH nhẹ", "observation": "Lưu ý",
                 "ofi": "Cải tiến", "na": "Không áp dụng", "not_audited": "Chưa đánh giá"}
KEY = re.compile(r"^ISO-[\d.]+-\d+$")
EVIDENCE, RECORDS, PEOPLE = "Bằng chứng / ghi chép", "Hồ sơ đã xem", "Người được phỏng vấn"
# A 1×1 PNG: enough for the upload to be checked by content and stored.
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def fresh_unit(db_url: str, unit_code: str, auditors: tuple[str, ...] = ("auditor2",), lead: str = "auditor") -> int:
    """A new audit of the TCVN checklist with one unit planned for today; returns the audit unit's id."""
    with Session(db.get_engine(db_url)) as s:
        people = {u.username: u.id for u in s.exec(select(User)).all()}
        unit_id = s.exec(select(Unit.id).where(Unit.code == unit_code)).one()
        checklist = checklists.latest(s, "tcvn-iso-9001-2015").id
        team = [people[a] for a in {lead, *auditors}]
        audit = planning.create_audit(s, people["isorep"], 2026, f"Đánh giá thử {unit_code}", checklist,
                                      date(2026, 1, 1), date(2026, 12, 31), people[lead], team)
        return planning.plan_unit(s, people["isorep"], audit, unit_id, clock.today(), [people[a] for a in auditors])


def audit_code(db_url: str, au: int) -> str:
    with Session(db.get_engine(db_url)) as s:
        return responses.context(s, au).audit.code


def item_keys(db_url: str, au: int) -> list[str]:
    with Session(db.get_engine(db_url)) as s:
        return [r["item_key"] for r in responses.sheet(s, au)]


def stored(db_url: str, au: int) -> dict[str, dict]:
    """Every saved answer of the unit by question key, with its photo count."""
    with Session(db.get_engine(db_url)) as s:
        rows = s.exec(select(ChecklistItem.item_key, Response).join(Response, Response.item_id == ChecklistItem.id)
                      .where(Response.audit_unit_id == au)).all()
        counts: dict[int, int] = {}
        for rid in s.exec(select(Attachment.response_id).where(Attachment.response_id.in_([r.id for _k, r in rows]))).all():
            counts[rid] = counts.get(rid, 0) + 1
        return {key: {"result": r.result, "evidence": r.evidence, "records_sampled": r.records_sampled,
                      "interviewed": r.interviewed, "photos": counts.get(r.id, 0), "by": r.answered_by_id}
                for key, r in rows}


def on_screen(page) -> str:
    """The key of the question the card shows."""
    return page.locator(".qms-answer strong").filter(has_text=KEY).first.inner_text()


def pick_question(page, key: str) -> None:
    """Open a question through the searchable picker, typing its key as an auditor would.

    A redraw (a save landing, the live refresh) can close the open list under the finger; like a person, try
    again. Where the tap lands is what the test checks, not that every tap reaches the list.
    """
    box = page.locator("[data-testid='stSelectbox']").filter(has=page.get_by_text("Câu hỏi", exact=True)).first
    header = page.locator("strong").filter(has_text=key)
    for _attempt in range(3):
        # Leaving a text field saves it, and that save redraws the picker: let it land before opening the list.
        page.evaluate("document.activeElement && document.activeElement.blur()")
        wait_for_app(page)
        box.click()
        page.keyboard.type(key)
        option = page.get_by_role("option", name=re.compile(re.escape(key) + " —")).first
        try:
            option.click(timeout=5_000)
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            continue
        wait_for_app(page)
        if header.count():
            return


def tap_result(page, result: str) -> None:
    page.locator(".qms-answer").get_by_role("radio", name=RESULT_LABELS[result], exact=True).click()
    wait_for_app(page)


def type_into(page, label: str, text: str, leave: bool) -> None:
    """Type into a field; leave it (Tab) or just stop typing, as people do both."""
    field = page.get_by_label(label, exact=True)
    field.click()
    field.fill(text)
    if leave:
        field.press("Tab")


def attach_photo(page, path) -> None:
    # The walk's evidence uploader, not the offline tab's workbook import (both are in the page)
    page.locator("[data-testid='stFileUploaderDropzoneInput']:not([accept*='.xlsx'])").set_input_files(str(path))
    wait_for_app(page)
    expect(page.locator("[data-testid='stImage']").first).to_be_visible()
