"""A management review on demo data in a real browser: present it, record it, decide, and see the decisions as actions."""

import subprocess

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, choose, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def test_run_a_management_review(browser, server):
    rep = new_page(browser, server)
    sign_in(rep, "isorep")
    open_app(rep, "/review")
    rep.get_by_text("Tạo cuộc họp xem xét mới").click()
    new_form = rep.locator("[data-testid='stForm']").filter(has=rep.get_by_role("button", name="Tạo", exact=True))
    new_form.get_by_role("textbox", name="Chủ trì").fill("Chủ tịch UBND tỉnh")
    new_form.get_by_role("button", name="Tạo", exact=True).click()
    wait_for_app(rep)
    rep.get_by_role("button", name="Trình chiếu cuộc họp").click()
    wait_for_app(rep)
    expect(rep.get_by_role("heading", name="Tình trạng các hành động từ các lần xem xét trước")).to_be_visible()
    expect(rep.get_by_text("Đã hoàn thành 1/3 hành động")).to_be_visible()  # last year's decisions, reported
    expect(rep.locator("[data-testid='stSidebar']")).to_be_hidden()
    rep.keyboard.press("ArrowRight")  # the keyboard moves the meeting on
    wait_for_app(rep)
    expect(rep.get_by_role("heading", name="Thay đổi các vấn đề bên ngoài và nội bộ")).to_be_visible()
    for _ in range(4):
        rep.get_by_role("button", name="Trang sau").click()
        wait_for_app(rep)
    expect(rep.get_by_role("heading", name="Sự không phù hợp và hành động khắc phục")).to_be_visible()
    assert_no_exception(rep)
    shot(rep, "isorep_review_meeting_vi")
    rep.get_by_role("button", name="Thoát trình chiếu").click()
    wait_for_app(rep)

    rep.get_by_role("textbox", name="Thành phần tham dự").fill("Ban chỉ đạo ISO; Giám đốc các sở; Thư ký ISO")
    rep.get_by_role("textbox", name="Kết luận, đầu ra của cuộc họp").fill("HTQLCL duy trì hiệu lực; cần cập nhật quy trình TTHC")
    rep.get_by_role("button", name="Lưu", exact=True).click()
    wait_for_app(rep)
    rep.get_by_role("textbox", name="Quyết định / hành động").first.fill("Cập nhật các quy trình TTHC theo quyết định công bố mới")
    rep.get_by_role("textbox", name="Người phụ trách", exact=True).fill("Thư ký ISO")
    rep.get_by_role("spinbutton", name="day, Hạn").first.click()
    rep.keyboard.type("31032027")
    rep.get_by_role("button", name="Thêm quyết định").click()
    wait_for_app(rep)
    expect(rep.get_by_text("Đã thêm quyết định").first).to_be_visible()
    assert_no_exception(rep)
    shot(rep, "isorep_review_record_vi")
    # One click gives the pack, with the figures the meeting was held with (kept when the record was saved).
    with rep.expect_download() as pack:
        rep.get_by_role("button", name="Tạo bộ tài liệu xem xét của lãnh đạo (PDF)").click()
    path = pack.value.path()
    assert path.read_bytes().startswith(b"%PDF")
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    assert "Số liệu tại thời điểm họp" in text and "Cập nhật các quy trình TTHC theo quyết định công bố mới" in text
    rep.get_by_role("button", name="Trình chiếu cuộc họp").click()
    wait_for_app(rep)
    rep.keyboard.press("ArrowLeft")  # from the first section nothing moves; go to the end with the buttons
    for _ in range(12):
        rep.get_by_role("button", name="Trang sau").click()
        wait_for_app(rep)
    expect(rep.get_by_role("heading", name="Quyết định và đầu ra của cuộc họp")).to_be_visible()
    expect(rep.get_by_text("Số liệu tại thời điểm họp").first).to_be_visible()
    shot(rep, "isorep_review_decisions_vi")
    rep.context.close()


def test_the_meeting_room_screen_fills_a_1920_by_1080_screen(browser, server):
    """Last year's review, shown as the room sees it: its own figures, type readable from the back, nothing cut."""
    rep = new_page(browser, server, width=1920)
    rep.set_viewport_size({"width": 1920, "height": 1080})
    sign_in(rep, "isorep")
    open_app(rep, "/review")
    last_year = rep.evaluate("new Date().getFullYear() - 1")
    choose(rep, "Cuộc họp", f"15/12/{last_year} – Phó Chủ tịch UBND tỉnh")
    rep.get_by_role("button", name="Trình chiếu cuộc họp").click()
    wait_for_app(rep)
    expect(rep.get_by_text("Số liệu tại thời điểm họp").first).to_be_visible()  # kept when it was held

    def box(selector: str) -> dict:
        return rep.locator(selector).first.bounding_box()

    def font_px(selector: str) -> float:
        return rep.locator(selector).first.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")

    nav = box(".st-key-review_nav")
    assert nav["y"] + nav["height"] <= 1080 and nav["y"] > 950 and nav["x"] >= 0 and nav["x"] + nav["width"] <= 1920
    assert font_px("h1") >= 48
    for _ in range(7):  # to the audits' results: a table
        rep.get_by_role("button", name="Trang sau").click()
        wait_for_app(rep)
    expect(rep.get_by_role("heading", name="Kết quả đánh giá", exact=True)).to_be_visible()
    assert font_px(".qms-slide-table td") >= 24 and font_px(".qms-slide-table th") >= 24
    for _ in range(2):
        rep.get_by_role("button", name="Trang trước").click()
        wait_for_app(rep)
    expect(rep.get_by_role("heading", name="Sự không phù hợp và hành động khắc phục")).to_be_visible()
    assert font_px("[data-testid='stMetricValue'] p") >= 60
    chart = box("[data-testid='stVegaLiteChart']")
    assert chart["width"] >= 700 and chart["y"] + chart["height"] >= 0.6 * 1080  # the content fills the screen
    assert_no_exception(rep)
    shot(rep, "isorep_review_room_1920_vi")
    rep.context.close()
