"""An auditor takes a unit's workbook away, fills it without the server, and brings it back through the preview on a
768-px tablet while the lead changed one of the same answers on the server: the database then holds exactly what
was typed, the lead's answer kept by the auditor's choice, and the graded answer's finding raised in one tap."""

from __future__ import annotations

import io

import openpyxl
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from qms import db, offline, responses
from qms.models import Finding, User
from tests.e2e.audit_day_helpers import fresh_unit, item_keys, stored
from tests.e2e.conftest import assert_no_exception, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e
COL = {name: n for n, name in enumerate(offline.COLUMNS, start=1)}


def test_a_filled_workbook_comes_back_through_the_preview_and_a_conflict_is_chosen(browser, own_server, tmp_path):
    au = fresh_unit(own_server.db_url, "TTPVHCC", auditors=("auditor2",))
    keys = item_keys(own_server.db_url, au)
    page = new_page(browser, own_server, width=768)
    sign_in(page, "auditor2")
    open_app(page, f"/audit_day?unit={au}")
    page.get_by_role("tab", name="Không có mạng / giấy").click()
    wait_for_app(page)
    with page.expect_download() as got:
        page.get_by_role("button", name="Phiếu Excel của đơn vị này").click()
    workbook = tmp_path / got.value.suggested_filename
    got.value.save_as(workbook)
    assert workbook.suffix == ".xlsx"

    # Meanwhile the lead, on the server, answers the first question.
    with Session(db.get_engine(own_server.db_url)) as s:
        lead = s.exec(select(User.id).where(User.username == "auditor")).one()
        first = responses.sheet(s, au)[0]["id"]
        responses.save(s, lead, au, first, {"result": "conform", "evidence": "Trưởng đoàn ghi trên máy chủ"}, 0)

    # Filled on a laptop without the server, saved as Excel saves it.
    wb = openpyxl.load_workbook(workbook)
    ws = wb[offline.SHEET]
    typed = {0: ("Điểm lưu ý", "Ghi trên giấy: sổ công văn đến chưa cập nhật"),
             1: ("Không phù hợp nhẹ", "Thiếu phiếu kiểm soát hồ sơ HS-07"),
             2: ("Phù hợp", "Có quyết định ban hành quy trình số 12/QĐ")}
    for index, (result, evidence) in typed.items():
        ws.cell(row=index + 2, column=COL["result"], value=result)
        ws.cell(row=index + 2, column=COL["evidence"], value=evidence)
    ws.cell(row=3, column=COL["records_sampled"], value="HS-07, HS-09")
    out = io.BytesIO()
    wb.save(out)
    workbook.write_bytes(out.getvalue())
    assert stored(own_server.db_url, au).keys() == {keys[0]}

    page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.xlsx']").set_input_files(str(workbook))
    wait_for_app(page)
    assert_no_exception(page)
    conflict = page.locator(".st-key-conflict_2")
    expect(conflict).to_contain_text("Trưởng đoàn ghi trên máy chủ")
    expect(conflict).to_contain_text("Ghi trên giấy: sổ công văn đến chưa cập nhật")
    confirm = page.get_by_role("button", name="Xác nhận lưu 2 câu trả lời")
    expect(confirm).to_be_disabled()  # nothing is saved while a conflict waits for its choice
    shot(page, "offline_preview_conflict_768_vi")
    assert stored(own_server.db_url, au).keys() == {keys[0]}
    conflict.get_by_role("radio", name="Theo máy chủ").click()
    wait_for_app(page)
    expect(confirm).to_be_enabled()
    confirm.click()
    wait_for_app(page)
    expect(page.get_by_text("Đã lưu 2 câu trả lời từ phiếu; giữ nguyên 1 câu trả lời trên máy chủ.")).to_be_visible()
    assert_no_exception(page)

    saved = stored(own_server.db_url, au)
    with Session(db.get_engine(own_server.db_url)) as s:
        me = s.exec(select(User.id).where(User.username == "auditor2")).one()
    assert saved[keys[0]]["evidence"] == "Trưởng đoàn ghi trên máy chủ" and saved[keys[0]]["by"] == lead
    assert (saved[keys[1]]["result"], saved[keys[1]]["evidence"], saved[keys[1]]["records_sampled"],
            saved[keys[1]]["by"]) == ("nc_minor", "Thiếu phiếu kiểm soát hồ sơ HS-07", "HS-07, HS-09", me)
    assert (saved[keys[2]]["result"], saved[keys[2]]["evidence"]) == ("conform", "Có quyết định ban hành quy trình số 12/QĐ")
    assert len(saved) == 3

    # The imported nonconformity's draft finding, in one tap.
    page.get_by_role("button", name="Lập 1 phát hiện nháp").click()
    wait_for_app(page)
    expect(page.get_by_text("Đã lập 1 phát hiện nháp")).to_be_visible()
    with Session(db.get_engine(own_server.db_url)) as s:
        drafts = s.exec(select(Finding).where(Finding.audit_unit_id == au)).all()
    assert [(f.grade, f.status, f.created_by_id) for f in drafts] == [("minor", "draft", me)]

    # The same workbook again: the two saved rows are the server's now; the row kept as the server's is still a
    # conflict to choose, and nothing is saved without it.
    page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.xlsx']").set_input_files(str(workbook))
    wait_for_app(page)
    expect(page.locator(".st-key-conflict_2")).to_be_visible()
    expect(page.get_by_text("Sẽ lưu", exact=True)).to_have_count(0)
    assert stored(own_server.db_url, au) == saved
