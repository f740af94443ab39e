"""Sessions end where people expect: signing out in one tab, a deactivation or a password reset ends every tab."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect
from sqlmodel import Session, select

from qms import db, users
from qms.ui.session import CHECK_SECONDS
from qms.models import User
from tests.e2e.audit_day_helpers import fresh_unit, stored, tap_result
from tests.e2e.conftest import assert_no_exception, new_page, open_app, sign_in, wait_for_app

pytestmark = pytest.mark.e2e
ENDED = "Phiên làm việc đã kết thúc"


def _user_id(db_url: str, username: str) -> int:
    with Session(db.get_engine(db_url)) as s:
        return s.exec(select(User.id).where(User.username == username)).one()


def _shows_sign_in(page) -> None:
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible(timeout=30_000)
    expect(page.get_by_text(ENDED)).to_be_visible()
    expect(page.get_by_role("button", name="Đăng xuất")).to_have_count(0)
    assert_no_exception(page)


def test_signing_out_in_one_tab_ends_the_other_tab(browser, own_server):
    first = new_page(browser, own_server)
    sign_in(first, "viewer")
    second = first.context.new_page()  # the same browser: the same cookie
    second.set_default_timeout(45_000)
    open_app(second, "/")
    expect(second.locator("[data-testid=stSidebar]")).to_be_visible()
    first.get_by_role("button", name="Đăng xuất").click()
    expect(first.get_by_label("Tên đăng nhập")).to_be_visible()
    second.wait_for_timeout(CHECK_SECONDS * 1000 + 100)  # the check is remembered that long within one tab
    second.get_by_role("link", name="Tổng quan").click()  # the next thing the person does in the other tab
    wait_for_app(second)
    _shows_sign_in(second)
    first.context.close()


@pytest.mark.parametrize("how", ["deactivate", "reset_password"])
def test_an_administrators_change_ends_an_open_audit_day_tab(browser, own_server, how):
    who = "auditor2" if how == "deactivate" else "auditor"  # each test changes its own person
    au = fresh_unit(own_server.db_url, "SKHCN", auditors=(who,), lead=who)
    page = new_page(browser, own_server, width=768)
    sign_in(page, who)
    open_app(page, f"/audit_day?unit={au}")
    tap_result(page, "conform")
    expect(page.locator(".qms-save-status")).to_have_attribute("data-state", "saved", timeout=30_000)
    user_id = _user_id(own_server.db_url, who)
    with Session(db.get_engine(own_server.db_url)) as s:
        if how == "deactivate":
            users.set_active(s, None, user_id, False)
        else:
            users.reset_password(s, None, user_id, "Mật-khẩu-mới-2026")
    before = stored(own_server.db_url, au)
    assert [a["result"] for a in before.values()] == ["conform"]
    page.wait_for_timeout(CHECK_SECONDS * 1000 + 100)
    # The next tap after the change; the walk's own 5 s refresh may have ended the session a moment earlier.
    other = page.locator(".qms-answer").get_by_role("radio", name="Lưu ý", exact=True)
    try:
        other.click(timeout=3_000)
    except PlaywrightTimeout:
        pass
    _shows_sign_in(page)
    assert stored(own_server.db_url, au) == before  # nothing more was saved in their name
    # The domain refuses at once, the screen's check within 2 s: in between a refusal is a message, never a traceback.
    assert "Uncaught app execution" not in own_server.log.read_text()
    page.context.close()
