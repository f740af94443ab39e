"""A finding's chain in a real browser: the unit submits a plan, the ISO rep returns it and then accepts it."""

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, choose, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def open_first(page, status_label: str, grade_label: str) -> None:
    """Open the first finding of the register filtered to one status and grade."""
    choose(page, "Trạng thái", status_label)
    choose(page, "Mức độ", grade_label)
    grid = page.locator("[data-testid='stDataFrame']").first
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 52)  # the first row's selection cell
    wait_for_app(page)


def test_plan_submitted_returned_and_accepted(browser, server):
    head = new_page(browser, server)
    sign_in(head, "auditee")
    open_app(head, "/findings")
    shot(head, "auditee_register_vi")
    open_first(head, "Đã ban hành", "Không phù hợp nhẹ")
    expect(head.get_by_role("button", name="Về sổ theo dõi")).to_be_visible()
    head.get_by_label("Khắc phục tức thời").fill("Đã trả kết quả, gọi điện xin lỗi công dân")
    head.get_by_label("Tại sao 1").fill("Không có mẫu phiếu xin lỗi tại quầy")
    head.get_by_role("textbox", name="Hành động", exact=True).first.fill("Bổ sung mẫu phiếu và tập huấn công chức")
    head.get_by_role("textbox", name="Người phụ trách", exact=True).first.fill("Chánh Văn phòng Sở")
    head.get_by_role("spinbutton", name="day, Hạn").first.click()  # a date field of day, month, year segments
    head.keyboard.type("15122026")
    head.get_by_role("button", name="Lưu và nộp kế hoạch").click()
    wait_for_app(head)
    assert_no_exception(head)
    expect(head.get_by_text("Đã nộp kế hoạch").first).to_be_visible()
    shot(head, "auditee_finding_submitted_vi")
    url = head.url

    rep = new_page(browser, server)
    sign_in(rep, "isorep")
    rep.goto(url)
    wait_for_app(rep)
    rep.get_by_label("Ý kiến khi trả lại kế hoạch").fill("Chưa phân tích đến nguyên nhân gốc")
    rep.get_by_role("button", name="Trả lại kế hoạch").click()
    wait_for_app(rep)
    expect(rep.get_by_text("Đã ban hành").first).to_be_visible()

    head.reload()
    wait_for_app(head)
    expect(head.get_by_text("Chưa phân tích đến nguyên nhân gốc").first).to_be_visible()
    head.get_by_label("Tại sao 2").fill("Chưa cập nhật biểu mẫu sau khi sắp xếp bộ máy")
    head.get_by_role("button", name="Lưu và nộp kế hoạch").click()
    wait_for_app(head)

    rep.reload()
    wait_for_app(rep)
    rep.get_by_role("button", name="Chấp nhận kế hoạch").click()
    wait_for_app(rep)
    expect(rep.get_by_text("Kế hoạch được chấp nhận").first).to_be_visible()
    shot(rep, "isorep_finding_accepted_vi")
    # The form is built when its button is clicked, not on every run of the page: one click gives the file.
    with rep.expect_download() as car:
        rep.get_by_role("button", name="Tải phiếu yêu cầu hành động khắc phục (PDF)").click()
    pdf = car.value.path().read_bytes()
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000
    assert car.value.suggested_filename.endswith("-phieu-yeu-cau-khac-phuc.pdf")
    assert f"export file={car.value.suggested_filename} bytes={len(pdf)}" in server.log.read_text(encoding="utf-8")

    def implement():
        head.reload()
        wait_for_app(head)
        while head.get_by_role("button", name="Báo cáo đã hoàn thành").count():
            head.get_by_role("textbox", name="Bằng chứng", exact=True).first.fill("Biên bản tập huấn ngày 20/11")
            head.get_by_role("button", name="Báo cáo đã hoàn thành").first.click()
            wait_for_app(head)
        head.get_by_role("button", name="Báo cáo đã thực hiện xong kế hoạch").click()
        wait_for_app(head)
        expect(head.get_by_text("Đã báo cáo thực hiện xong").first).to_be_visible()

    def verify(effective: bool, note: str):
        rep.reload()
        wait_for_app(rep)
        if not effective:
            rep.get_by_text("Không", exact=True).first.click()
        rep.get_by_label("Kết quả kiểm tra").fill(note)
        rep.get_by_role("button", name="Ghi kết quả kiểm tra").click()
        wait_for_app(rep)

    implement()
    verify(False, "Tháng 12 vẫn còn hồ sơ trễ hạn không có phiếu xin lỗi")
    head.reload()
    wait_for_app(head)
    expect(head.get_by_text("Đã mở lại 1 lần").first).to_be_visible()
    head.get_by_role("textbox", name="Hành động", exact=True).nth(1).fill("Cài nhắc hạn trên phần mềm một cửa")
    head.get_by_role("button", name="Lưu nháp").click()
    wait_for_app(head)
    implement()
    verify(True, "Kiểm tra 10 hồ sơ tháng 1: đúng hạn, đủ phiếu")
    rep.get_by_role("button", name="Đóng phát hiện").click()
    wait_for_app(rep)
    expect(rep.get_by_text("Đã đóng phát hiện.").first).to_be_visible()
    shot(rep, "isorep_finding_closed_vi")
    rep.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    wait_for_app(rep)
    assert_no_exception(rep)
    shot(rep, "isorep_finding_accepted_en")
    rep.locator("[data-testid=stSidebar]").get_by_text("Tiếng Việt", exact=True).click()
    wait_for_app(rep)
    for p in (head, rep):
        p.context.close()


def test_a_row_of_my_work_opens_its_finding(browser, server):
    """Seen: My work's rows could not be clicked (three clicks and a search to open one's own finding)."""
    head = new_page(browser, server)
    sign_in(head, "auditee")
    grid = head.locator("[data-testid='stDataFrame']").nth(0)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    head.mouse.click(box["x"] + 14, box["y"] + 52)  # the first row's selection cell
    wait_for_app(head)
    expect(head.get_by_role("button", name="Về sổ theo dõi")).to_be_visible()
    assert "finding=" in head.url
    assert_no_exception(head)
