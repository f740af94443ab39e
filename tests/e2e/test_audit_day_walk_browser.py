"""An auditor walks 20 questions of a fresh unit on a tablet, in random order with pauses, back and edits;
then the database must hold every value on the question it was typed on, nothing lost or overwritten.

On PostgreSQL the walk takes the first 8 questions of the same order: what differs there is the database, whose
concurrent writes have their own thread tests, and the whole walk twice cost three minutes of CI."""

from __future__ import annotations

import random
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.audit_day_helpers import (EVIDENCE, PEOPLE, PNG, RECORDS, attach_photo, fresh_unit, item_keys,
                                         on_screen, pick_question, stored, tap_result, type_into)
from tests.e2e.conftest import assert_no_exception, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e

RESULTS = ["conform", "conform", "conform", "nc_minor", "observation", "ofi", "na"]


def _go(page, keys: list[str], here: str, target: str, rng: random.Random) -> None:
    """From `here`, reach `target` the way an auditor would: Next / Previous when it is beside them, else the picker."""
    here, there = keys.index(here), keys.index(target)
    if there == here + 1 and rng.random() < 0.8:
        page.get_by_role("button", name="Câu sau").click()
        wait_for_app(page)
    elif there == here - 1 and rng.random() < 0.8:
        page.get_by_role("button", name="Câu trước").click()
        wait_for_app(page)
    elif there != here:
        pick_question(page, target)
    try:
        expect(page.locator("strong").filter(has_text=target)).to_be_visible()
    except AssertionError:
        shot(page, "walk_failed_to_reach_" + target)
        raise


def _shows(page, values: dict) -> None:
    """The fields show what is stored: coming back to a question never shows it empty."""
    expect(page.get_by_label(EVIDENCE, exact=True)).to_have_value(values["evidence"])
    expect(page.get_by_label(RECORDS, exact=True)).to_have_value(values["records_sampled"])


def _settled(db_url: str, au: int, expected: dict, seconds: float = 20) -> dict:
    """What is stored once the last drafts have arrived (they travel a moment after the last keystroke)."""
    deadline = time.monotonic() + seconds
    while True:
        got = stored(db_url, au)
        if all(got.get(k, {}).get(f) == v for k, row in expected.items() for f, v in row.items()) \
                or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


def test_twenty_questions_land_on_the_question_they_were_typed_on(browser, any_server, tmp_path):
    au = fresh_unit(any_server.db_url, "SXD")
    keys = item_keys(any_server.db_url, au)[:20]
    walked = 20 if any_server.db_url.startswith("sqlite") else 8
    rng = random.Random(20261122)
    photo = tmp_path / "anh-hien-truong.png"
    photo.write_bytes(PNG)
    page = new_page(browser, any_server, width=768)  # a tablet
    sign_in(page, "auditor2")
    open_app(page, f"/audit_day?unit={au}")
    expected: dict[str, dict] = {}
    order = rng.sample(keys, len(keys))[:walked]
    here = keys[0]  # the first question without an answer
    expect(page.locator("strong").filter(has_text=here)).to_be_visible()
    for n, key in enumerate(order):
        _go(page, keys, here, key, rng)
        here = key
        result = rng.choice(RESULTS)
        tap_result(page, result)
        evidence = f"Câu {key}, lượt {n}: đã đối chiếu {rng.randint(2, 9)} hồ sơ với quy trình"
        records = f"Hồ sơ số {rng.randint(100, 999)}/{key}"
        type_into(page, EVIDENCE, evidence, leave=rng.random() < 0.5)
        time.sleep(rng.choice([0, 0.2, 0.6]))
        type_into(page, RECORDS, records, leave=rng.random() < 0.5)
        row = {"result": result, "evidence": evidence, "records_sampled": records, "photos": 0}
        if n % 4 == 1:
            people = f"Bà Nguyễn Thị {chr(65 + n)}, chuyên viên"
            type_into(page, PEOPLE, people, leave=True)
            row["interviewed"] = people
        if n % 5 == 2:
            attach_photo(page, photo)
            row["photos"] = 1
        expected[key] = row
        if n == walked // 2:  # a reload mid-walk comes back to the same question, with what was typed
            page.reload()
            wait_for_app(page)
            expect(page.locator("strong").filter(has_text=key)).to_be_visible()
            _shows(page, row)
        time.sleep(rng.choice([0, 0.3]))
    shot(page, "auditor2_audit_day_walk_768")

    for key in rng.sample(order[:-1], 4):  # back to earlier questions: they show what is stored; edit one field
        _go(page, keys, here, key, rng)
        here = key
        _shows(page, expected[key])
        edited = expected[key]["evidence"] + " — bổ sung sau khi phỏng vấn"
        type_into(page, EVIDENCE, edited, leave=rng.random() < 0.5)
        expected[key]["evidence"] = edited
        time.sleep(rng.choice([0, 0.5]))
    wait_for_app(page)
    assert_no_exception(page)

    got = _settled(any_server.db_url, au, expected)
    assert set(got) == set(expected), "answers on questions nobody answered, or answers missing"
    wrong = [(key, field, got[key][field], value) for key, row in expected.items() for field, value in row.items()
             if got[key][field] != value]
    assert not wrong, "\n".join(map(str, wrong))
    page.context.close()


def test_two_taps_keyboard_shortcuts_and_the_tablet_sidebar(browser, own_server):
    au = fresh_unit(own_server.db_url, "STC", auditors=("auditor",))
    keys = item_keys(own_server.db_url, au)
    desk = new_page(browser, own_server, width=1366)
    sign_in(desk, "auditor")
    open_app(desk, f"/audit_day?unit={au}")
    assert on_screen(desk) == keys[0]
    tap_result(desk, "conform")  # tap 1: saved at once
    desk.get_by_role("button", name="Câu chưa trả lời tiếp theo").click()  # tap 2: the next open question
    expect(desk.locator("strong").filter(has_text=keys[1])).to_be_visible()
    wait_for_app(desk)
    desk.keyboard.press("3")  # KPH nhẹ
    expect(desk.locator(".qms-answer").get_by_role("radio", name="KPH nhẹ", exact=True)).to_be_checked()
    wait_for_app(desk)
    desk.keyboard.press("n")
    expect(desk.locator("strong").filter(has_text=keys[2])).to_be_visible()
    wait_for_app(desk)
    desk.keyboard.press("p")
    expect(desk.locator("strong").filter(has_text=keys[1])).to_be_visible()
    wait_for_app(desk)
    got = stored(own_server.db_url, au)
    assert (got[keys[0]]["result"], got[keys[1]]["result"]) == ("conform", "nc_minor")
    shot(desk, "auditor_audit_day_1366")
    desk.context.close()

    tablet = new_page(browser, own_server, width=768)
    sign_in(tablet, "auditor")
    open_app(tablet, "/")
    sidebar = tablet.locator("[data-testid='stSidebar']")
    if sidebar.get_attribute("data-collapsed") != "false":
        tablet.locator("[data-testid='stExpandSidebarButton']").click()
    expect(sidebar).to_have_attribute("data-collapsed", "false")
    tablet.locator("[data-testid='stSidebarNavLink']").filter(has_text="Đánh giá tại đơn vị").click()
    wait_for_app(tablet)
    expect(sidebar).to_have_attribute("data-collapsed", "true")  # the page gets the whole tablet screen
    tablet.context.close()
