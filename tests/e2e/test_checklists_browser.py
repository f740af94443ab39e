"""Checklist import in a real browser: a workbook laid out differently, mapped and imported; a bad YAML refused."""


import openpyxl
import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_no_exception, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def _workbook(path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Bảng hỏi"
    ws.append(["STT", "Điều", "Nội dung kiểm tra", "Bằng chứng cần xem"])
    ws.append(["M1", "8.5.1", "Hồ sơ có phiếu kiểm soát quá trình đầy đủ chữ ký?", "5 hồ sơ gần nhất"])
    ws.append(["M2", "8.7", "Hồ sơ trễ hạn có phiếu xin lỗi?", "Sổ theo dõi"])
    wb.save(path)


def test_import_excel_with_mapping_and_refuse_bad_yaml(page, tmp_path):
    sign_in(page, "isorep")
    open_app(page, "/checklists")
    shot(page, "isorep_checklists_vi")
    page.get_by_role("tab", name="Nhập").click()
    bad = tmp_path / "hong.yaml"
    bad.write_text("id: x\nversion: 1\nstandard: ISO 9001:2015\ntitle: {vi: a, en: b}\nclauses: []\nfoo: 1\n")
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(bad))
    wait_for_app(page)
    expect(page.get_by_text("hong.yaml không hợp lệ; chưa lưu gì.")).to_be_visible()
    shot(page, "isorep_checklists_bad_yaml_vi")

    book = tmp_path / "danh-muc-cua-so.xlsx"
    _workbook(book)
    page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(book))
    wait_for_app(page)
    expect(page.get_by_text("Hợp lệ: 2 câu hỏi trong 2 điều khoản.")).to_be_visible()
    shot(page, "isorep_checklists_excel_mapping_vi")
    page.get_by_role("button", name="Nhập danh mục").click()
    wait_for_app(page)
    assert_no_exception(page)
    page.get_by_role("tab", name="Câu hỏi").click()
    assert page.get_by_label("Xem danh mục").count() == 1


def test_checklists_screen_in_english(page):
    sign_in(page, "auditor")
    page.locator("[data-testid=stSidebar]").get_by_text("English", exact=True).click()
    wait_for_app(page)
    open_app(page, "/checklists")
    page.get_by_role("textbox", name="Search").fill("phieu kiem soat")
    page.keyboard.press("Enter")
    wait_for_app(page)
    assert_no_exception(page)
    shot(page, "auditor_checklists_search_en")
    page.locator("[data-testid=stSidebar]").get_by_text("Tiếng Việt", exact=True).click()
    wait_for_app(page)
