"""Audit day when things go wrong: the connection drops while text is typed, the tab is reloaded before a save,
and two auditors work the same unit at once."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.audit_day_helpers import (EVIDENCE, RECORDS, audit_code, fresh_unit, item_keys, on_screen, stored,
                                         tap_result)
from tests.e2e.conftest import assert_no_exception, new_page, open_app, shot, sign_in, wait_for_app
from tests.e2e.netcut import CuttableProxy

pytestmark = pytest.mark.e2e


def _until(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def _typed(db_url: str, au: int, key: str, field: str, text: str) -> bool:
    return stored(db_url, au).get(key, {}).get(field) == text


def test_text_typed_while_the_connection_is_cut_is_saved_when_it_returns(browser, own_server):
    au = fresh_unit(own_server.db_url, "SNNMT")
    with CuttableProxy(int(own_server.rsplit(":", 1)[1])) as proxy:
        context = browser.new_context(viewport={"width": 768, "height": 1000}, base_url=proxy.url)
        page = context.new_page()
        page.set_default_timeout(45_000)
        sign_in(page, "auditor2")
        open_app(page, f"/audit_day?unit={au}")
        key = on_screen(page)
        tap_result(page, "conform")
        field = page.get_by_label(EVIDENCE, exact=True)
        field.click()
        field.press_sequentially("Đã xem 5 hồ sơ ")
        proxy.cut()  # the Wi-Fi drops mid-sentence, before the pause that would have saved it
        context.set_offline(True)
        field.press_sequentially("cấp phép xây dựng quý III")
        field.press("Tab")
        page.get_by_label(RECORDS, exact=True).fill("Số 012, 045")
        page.get_by_label(RECORDS, exact=True).press("Tab")
        expect(page.get_by_text("Mất kết nối: nội dung được giữ trên máy này")).to_be_visible()
        shot(page, "auditor2_audit_day_offline_768")
        time.sleep(3)
        # At most what was typed before the cut can have reached the server (a loaded machine pauses mid-word
        # long enough for a save), never what was typed after it.
        assert "Đã xem 5 hồ sơ".startswith(stored(own_server.db_url, au)[key]["evidence"]), "nothing typed offline"
        proxy.restore()
        context.set_offline(False)
        assert _until(lambda: _typed(own_server.db_url, au, key, "evidence", "Đã xem 5 hồ sơ cấp phép xây dựng quý III")
                      and _typed(own_server.db_url, au, key, "records_sampled", "Số 012, 045"), 60), stored(own_server.db_url, au)
        wait_for_app(page)
        expect(page.get_by_label(EVIDENCE, exact=True)).to_have_value("Đã xem 5 hồ sơ cấp phép xây dựng quý III")
        assert_no_exception(page)
        context.close()


def test_a_reload_before_the_save_keeps_the_text_and_the_question(browser, own_server):
    au = fresh_unit(own_server.db_url, "SKHCN")
    page = new_page(browser, own_server, width=768)
    sign_in(page, "auditor2")
    open_app(page, f"/audit_day?unit={au}")
    key = item_keys(own_server.db_url, au)[1]
    page.get_by_role("button", name="Câu sau").click()
    expect(page.locator("strong").filter(has_text=key)).to_be_visible()
    wait_for_app(page)
    tap_result(page, "observation")
    field = page.get_by_label(EVIDENCE, exact=True)
    field.click()
    field.press_sequentially("Sổ theo dõi chưa ghi ngày nhận")
    page.reload()  # at once: the pause that would have saved it never came
    wait_for_app(page)
    expect(page.locator("strong").filter(has_text=key)).to_be_visible()  # the question, not question 1
    expect(page.get_by_label(EVIDENCE, exact=True)).to_have_value("Sổ theo dõi chưa ghi ngày nhận")
    assert _until(lambda: _typed(own_server.db_url, au, key, "evidence", "Sổ theo dõi chưa ghi ngày nhận"), 60), (
        stored(own_server.db_url, au), page.evaluate("() => localStorage.getItem('qms.answerDrafts.v1')"))
    page.context.close()


def _next_question(page, key: str) -> None:
    """Press "Câu sau" until the card shows `key`: a click during a timed redraw can land on the old copy."""
    for _attempt in range(3):
        wait_for_app(page)
        if on_screen(page) == key:
            return
        page.get_by_role("button", name="Câu sau").first.click()
        try:
            expect(page.locator(".qms-answer strong").filter(has_text=key)).to_be_visible(timeout=10_000)
        except AssertionError:
            continue
    wait_for_app(page)
    assert on_screen(page) == key


def test_two_auditors_see_each_others_answers_without_a_reload(browser, own_server):
    au = fresh_unit(own_server.db_url, "SXD", auditors=("auditor", "auditor2"))
    first = new_page(browser, own_server, width=768)
    sign_in(first, "auditor2")
    open_app(first, f"/audit_day?unit={au}")
    key = on_screen(first)
    with CuttableProxy(int(own_server.rsplit(":", 1)[1])) as proxy:  # the second tablet is on weak Wi-Fi
        context = browser.new_context(viewport={"width": 1366, "height": 1000}, base_url=proxy.url)
        second = context.new_page()
        second.set_default_timeout(45_000)
        sign_in(second, "auditor")
        open_app(second, f"/audit_day?unit={au}")
        assert on_screen(second) == key
        tap_result(second, "nc_minor")
        second.get_by_label(EVIDENCE, exact=True).fill("2/10 hồ sơ trễ hạn")
        second.get_by_label(EVIDENCE, exact=True).press("Tab")
        # The first auditor does nothing: the answer appears on their screen within a few seconds.
        expect(first.get_by_label(EVIDENCE, exact=True)).to_have_value("2/10 hồ sơ trễ hạn", timeout=15_000)
        expect(first.locator(".qms-answer").get_by_role("radio", name="KPH nhẹ", exact=True)).to_be_checked(
            timeout=15_000)
        # Both write the first answer of the next question while the second tablet is offline: when it is back,
        # its save is refused with both versions side by side (the race of two first answers), and nothing is lost.
        key = item_keys(own_server.db_url, au)[1]
        for page in (first, second):
            _next_question(page, key)
        assert key not in stored(own_server.db_url, au)
        proxy.cut()
        second.get_by_label(EVIDENCE, exact=True).fill("2/10 hồ sơ trễ hạn, 1 hồ sơ thiếu phiếu")
        second.get_by_label(EVIDENCE, exact=True).press("Tab")
        first.get_by_label(EVIDENCE, exact=True).fill("3/10 hồ sơ trễ hạn (đếm lại)")
        first.get_by_label(EVIDENCE, exact=True).press("Tab")
        assert _until(lambda: _typed(own_server.db_url, au, key, "evidence", "3/10 hồ sơ trễ hạn (đếm lại)"))
        proxy.restore()
        expect(second.get_by_role("button", name="Giữ bản của tôi")).to_be_visible(timeout=60_000)
        expect(second.get_by_text("3/10 hồ sơ trễ hạn (đếm lại)")).to_be_visible()
        shot(second, "auditor_audit_day_conflict_1366")
        assert _typed(own_server.db_url, au, key, "evidence", "3/10 hồ sơ trễ hạn (đếm lại)"), "nothing overwritten"
        second.get_by_role("button", name="Giữ bản của tôi").click()
        wait_for_app(second)
        assert _until(lambda: _typed(own_server.db_url, au, key, "evidence", "2/10 hồ sơ trễ hạn, 1 hồ sơ thiếu phiếu"))
        expect(first.get_by_label(EVIDENCE, exact=True)).to_have_value("2/10 hồ sơ trễ hạn, 1 hồ sơ thiếu phiếu",
                                                                       timeout=15_000)
        assert_no_exception(second)
        context.close()

    rep = new_page(browser, own_server, width=1366)  # the ISO secretary follows the field without reloading
    sign_in(rep, "isorep")
    open_app(rep, "/audit_day")
    row = rep.locator("[data-testid='stDataFrame'] tr").filter(has_text=audit_code(own_server.db_url, au))
    expect(row.locator("td").filter(has_text=re.compile(r"^2/170$"))).to_be_attached()
    first.get_by_role("button", name="Câu sau").click()
    expect(first.locator("strong").filter(has_text=item_keys(own_server.db_url, au)[2])).to_be_visible()
    wait_for_app(first)
    tap_result(first, "conform")
    expect(row.locator("td").filter(has_text=re.compile(r"^3/170$"))).to_be_attached(timeout=25_000)
    shot(rep, "isorep_audit_day_progress_1366")
    for page in (first, rep):
        assert_no_exception(page)
        page.context.close()
