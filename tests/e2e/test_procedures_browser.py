"""Procedures and processes in a real browser: the ISO secretary imports an amending decision on a tablet (mapping
found, preview, confirm) and the database holds what the file said; the lag it leaves shows on the screen, on the
ward head's My work and the dashboard; on audit day one flag becomes a draft finding in one tap; the agency overview
prints its annual report."""

from __future__ import annotations

import subprocess

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from qms import clock, db, demo_procedures, overview, permissions, processes, units
from qms.models import Finding, Procedure, ProcedureChange, ProcedureUnit, User
from tests.e2e.audit_day_helpers import fresh_unit
from tests.e2e.conftest import assert_no_exception, choose, new_page, open_app, shot, sign_in, wait_for_app

pytestmark = pytest.mark.e2e


def metric(page, label: str) -> str:
    box = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text(label, exact=True)).first
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def counts(db_url: str, username: str | None = None) -> dict[str, int]:
    """Flags by kind: everywhere, or in the units the user keeps (a unit head's own)."""
    with Session(db.get_engine(db_url)) as s:
        actor = None if username is None else s.exec(select(User.id).where(User.username == username)).one()
        found = processes.flags(s, actor, clock.today(),
                                unit_ids=permissions.unit_ids(s, actor, "procedures:manage"))
    return {kind: sum(1 for f in found if f.kind == kind) for kind in processes.KINDS}


def test_the_iso_secretary_imports_an_amending_decision_and_the_lag_it_leaves_is_flagged(browser, own_server,
                                                                                         tmp_path):
    before = counts(own_server.db_url)
    decision = tmp_path / "qd-2456.xlsx"
    decision.write_bytes(demo_procedures.amendment_workbook(clock.today()))
    page = new_page(browser, own_server, width=768)
    sign_in(page, "isorep")
    open_app(page, "/procedures")
    assert metric(page, "Quy trình chậm cập nhật") == str(before["late"])
    page.get_by_role("radio", name="Nhập danh mục").click()
    wait_for_app(page)
    choose(page, "Đơn vị giải quyết các thủ tục này", "P-HOABINH – UBND phường Hòa Bình")
    page.get_by_label("Quyết định công bố").fill("2456/QĐ-UBND")
    page.keyboard.press("Enter")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploaderDropzoneInput'][accept*='.xlsx']").set_input_files(str(decision))
    wait_for_app(page)
    assert_no_exception(page)
    # The title lines above the table are skipped: the header is found on row 4 and the columns are mapped.
    expect(page.get_by_label("Dòng tiêu đề")).to_have_value("4")
    assert (metric(page, "Mới"), metric(page, "Sửa đổi"), metric(page, "Bãi bỏ")) == ("1", "2", "1")
    with Session(db.get_engine(own_server.db_url)) as s:
        assert s.exec(select(Procedure).where(Procedure.code == "1.900108")).first() is None  # a preview saves nothing
    shot(page, "procedures_import_preview_768_vi")
    page.get_by_role("button", name="Xác nhận và lưu 4 thay đổi").click()
    wait_for_app(page)
    assert_no_exception(page)
    with Session(db.get_engine(own_server.db_url)) as s:
        stored = {p.code: p for p in s.exec(select(Procedure)).all()}
        ward = units.id_for_code(s, "P-HOABINH")
        assert stored["1.900101"].status == "amended" and "liên thông" in stored["1.900101"].name
        assert stored["1.900101"].decision_number == "2456/QĐ-UBND"
        assert stored["1.900302"].status == "abolished"
        assert s.exec(select(ProcedureUnit).where(ProcedureUnit.procedure_id == stored["1.900108"].id,
                                                  ProcedureUnit.unit_id == ward)).first() is not None
        assert len(s.exec(select(ProcedureChange).where(ProcedureChange.decision_number == "2456/QĐ-UBND")).all()) == 4
    # Effective 40 days ago, past the 30-day allowance: the two processes covering the amended procedures are late,
    # the new procedure has no process.
    after = counts(own_server.db_url)
    assert after["late"] == before["late"] + 2 and after["no_process"] == before["no_process"] + 1
    page.get_by_role("radio", name="Cần xử lý").click()
    wait_for_app(page)
    assert metric(page, "Quy trình chậm cập nhật") == str(after["late"])
    assert metric(page, "Chưa có quy trình") == str(after["no_process"])
    shot(page, "procedures_flags_768_vi")


def test_the_ward_head_finds_the_lag_on_my_work_and_the_iso_secretary_on_the_dashboard(browser, server):
    ward_head = new_page(browser, server, width=768)
    sign_in(ward_head, "auditee2")
    expected = sum(counts(server.db_url, "auditee2").values())
    expect(ward_head.get_by_role("heading", name=f"Quy trình cần cập nhật ({expected})")).to_be_visible()
    shot(ward_head, "procedures_my_work_768_vi")
    ward_head.get_by_role("button", name="Mở Thủ tục & quy trình").click()
    wait_for_app(ward_head)
    expect(ward_head.get_by_role("heading", name="Thủ tục & quy trình")).to_be_visible()
    rep = new_page(browser, server, width=1366)
    sign_in(rep, "isorep")
    open_app(rep, "/dashboard")
    assert metric(rep, "Cảnh báo thủ tục, quy trình") == str(sum(counts(server.db_url).values()))
    expect(rep.get_by_text("Quy trình chậm so với thủ tục, theo đơn vị")).to_be_visible()
    assert_no_exception(rep)


def test_on_audit_day_a_lag_flag_becomes_a_draft_finding_in_one_tap(browser, own_server):
    au = fresh_unit(own_server.db_url, "P-HOABINH", auditors=("auditor2",))
    page = new_page(browser, own_server, width=768)
    sign_in(page, "auditor2")
    open_app(page, f"/audit_day?unit={au}")
    page.get_by_role("tab", name="Phát hiện", exact=True).click()
    wait_for_app(page)
    with Session(db.get_engine(own_server.db_url)) as s:
        ward = units.id_for_code(s, "P-HOABINH")
        mine = processes.flags(s, None, clock.today(), unit_ids=units.descendant_ids(s, ward))
    assert mine  # the ward's flags (and those of the units below it), as the panel lists them
    expect(page.get_by_text(f"Thủ tục, quy trình cần kiểm tra tại đơn vị: {len(mine)} cảnh báo")).to_be_visible()
    shot(page, "procedures_audit_day_768_vi")
    page.get_by_role("button", name="Ghi phát hiện").first.click()
    wait_for_app(page)
    assert_no_exception(page)
    with Session(db.get_engine(own_server.db_url)) as s:
        auditor = s.exec(select(User.id).where(User.username == "auditor2")).one()
        raised = s.exec(select(Finding).where(Finding.audit_unit_id == au)).all()
    assert len(raised) == 1
    assert (raised[0].status, raised[0].grade, raised[0].created_by_id) == ("draft", "minor", auditor)
    assert raised[0].clause == {"no_process": "8.1", "late": "7.5.2", "obsolete": "7.5.3"}[mine[0].kind]
    assert mine[0].procedure.split(" – ")[0] in raised[0].statement


def test_the_agency_overview_prints_its_annual_report(browser, server, tmp_path):
    page = new_page(browser, server, width=1366)
    sign_in(page, "viewer")
    open_app(page, "/overview")
    assert_no_exception(page)
    with Session(db.get_engine(server.db_url)) as s:
        rows = overview.overview(s, None, clock.today().year, clock.today())
    assert metric(page, "Số cơ quan") == str(len(rows))
    shot(page, "overview_1366_vi")
    with page.expect_download() as got:
        page.get_by_role("button", name="Báo cáo tình hình năm (PDF)").click()
    pdf = tmp_path / got.value.suggested_filename
    got.value.save_as(pdf)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "TCVN ISO 9001:2015" in text and "Số cơ quan" in text
    assert all(r["code"] in text for r in rows)
