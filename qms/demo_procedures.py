"""The demo's administrative procedures and processes: a ward's and a department's lists, processes with some lag,
and an amending decision to import.

Names follow the kinds of procedures wards and Departments of Science and Technology handle; the codes are written
for the demo in the national form (1.90xxxx, 1.91xxxx, 2.90xxxx) and are not the national database's."""

from __future__ import annotations

from datetime import date, timedelta

import openpyxl
from sqlmodel import Session, select

from qms import overview, procedures, processes, spreadsheets
from qms.models import Procedure

# (code, name, field) per unit; level is the unit's.
WARD = ("P-HOABINH", "Cấp xã", [
    ("1.900101", "Đăng ký khai sinh", "Hộ tịch"),
    ("1.900102", "Đăng ký kết hôn", "Hộ tịch"),
    ("1.900103", "Đăng ký khai tử", "Hộ tịch"),
    ("1.900104", "Đăng ký nhận cha, mẹ, con", "Hộ tịch"),
    ("1.900105", "Cấp bản sao trích lục hộ tịch", "Hộ tịch"),
    ("1.900106", "Cấp giấy xác nhận tình trạng hôn nhân", "Hộ tịch"),
    ("1.900107", "Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch"),
    ("2.900201", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực"),
    ("2.900202", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực"),
    ("2.900203", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản", "Chứng thực"),
    ("2.900204", "Chứng thực việc sửa đổi, bổ sung, hủy bỏ hợp đồng, giao dịch", "Chứng thực"),
    ("1.900301", "Hòa giải tranh chấp đất đai", "Đất đai"),
    ("1.900302", "Xác nhận hiện trạng sử dụng đất", "Đất đai"),
    ("1.900401", "Trợ cấp xã hội hằng tháng đối với đối tượng bảo trợ xã hội", "Bảo trợ xã hội"),
    ("1.900402", "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội", "Bảo trợ xã hội"),
    ("1.900403", "Xác định, xác định lại mức độ khuyết tật", "Bảo trợ xã hội"),
    ("2.900501", "Đăng ký thành lập hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("2.900502", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("2.900503", "Tạm ngừng, chấm dứt hoạt động hộ kinh doanh", "Thành lập và hoạt động của hộ kinh doanh"),
    ("1.900601", "Tặng giấy khen của Chủ tịch UBND cấp xã về thành tích thực hiện nhiệm vụ", "Thi đua, khen thưởng"),
    ("1.900602", "Tặng danh hiệu Gia đình văn hóa", "Thi đua, khen thưởng"),
    ("1.900701", "Đăng ký hoạt động tín ngưỡng", "Tín ngưỡng, tôn giáo"),
    ("1.900702", "Thông báo tổ chức lễ hội tín ngưỡng", "Tín ngưỡng, tôn giáo"),
    ("1.900801", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng"),
])
DEPARTMENT = ("SKHCN", "Cấp tỉnh", [
    ("1.910101", "Đăng ký thực hiện nhiệm vụ khoa học và công nghệ cấp tỉnh", "Hoạt động khoa học và công nghệ"),
    ("1.910102", "Đăng ký kết quả thực hiện nhiệm vụ khoa học và công nghệ", "Hoạt động khoa học và công nghệ"),
    ("1.910103", "Cấp giấy chứng nhận đăng ký hoạt động khoa học và công nghệ", "Hoạt động khoa học và công nghệ"),
    ("1.910104", "Công nhận doanh nghiệp khoa học và công nghệ", "Hoạt động khoa học và công nghệ"),
    ("1.910201", "Đăng ký công bố hợp chuẩn dựa trên kết quả tự đánh giá", "Tiêu chuẩn, đo lường, chất lượng"),
    ("1.910202", "Đăng ký công bố hợp quy đối với sản phẩm, hàng hóa", "Tiêu chuẩn, đo lường, chất lượng"),
    ("1.910203", "Kiểm tra nhà nước về chất lượng hàng hóa nhập khẩu", "Tiêu chuẩn, đo lường, chất lượng"),
    ("1.910204", "Xét tặng Giải thưởng chất lượng quốc gia (cấp tỉnh sơ tuyển)", "Tiêu chuẩn, đo lường, chất lượng"),
    ("1.910301", "Cấp giấy phép tiến hành công việc bức xạ (thiết bị X-quang chẩn đoán y tế)",
     "Năng lượng nguyên tử, an toàn bức xạ và hạt nhân"),
    ("1.910302", "Cấp chứng chỉ nhân viên bức xạ", "Năng lượng nguyên tử, an toàn bức xạ và hạt nhân"),
    ("1.910401", "Đăng ký hợp đồng chuyển giao công nghệ", "Chuyển giao công nghệ"),
    ("1.910402", "Cấp giấy chứng nhận đăng ký gia hạn, sửa đổi nội dung chuyển giao công nghệ",
     "Chuyển giao công nghệ"),
    ("1.910501", "Hỗ trợ đăng ký bảo hộ quyền sở hữu công nghiệp", "Sở hữu trí tuệ"),
])
# (unit, code, title, issue, days before today it was issued, procedure codes)
PROCESSES = [
    ("P-HOABINH", "QT-01/HT", "Quy trình giải quyết thủ tục đăng ký khai sinh, kết hôn, khai tử", "02", 400,
     ["1.900101", "1.900102", "1.900103"]),
    ("P-HOABINH", "QT-02/HT", "Quy trình giải quyết các thủ tục hộ tịch khác", "01", 500,
     ["1.900104", "1.900105", "1.900106", "1.900107"]),
    ("P-HOABINH", "QT-03/CT", "Quy trình chứng thực bản sao, chữ ký, hợp đồng", "03", 300,
     ["2.900201", "2.900202", "2.900203", "2.900204"]),
    ("P-HOABINH", "QT-04/ĐĐ", "Quy trình hòa giải tranh chấp và xác nhận về đất đai", "01", 600,
     ["1.900301", "1.900302"]),
    ("P-HOABINH", "QT-05/BTXH", "Quy trình giải quyết chế độ bảo trợ xã hội", "02", 200,
     ["1.900401", "1.900402", "1.900403"]),
    ("P-HOABINH", "QT-06/HKD", "Quy trình đăng ký hộ kinh doanh", "01", 700, ["2.900501", "2.900502", "2.900503"]),
    ("P-HOABINH", "QT-07/TĐKT", "Quy trình khen thưởng cấp xã", "01", 650, ["1.900601", "1.900602"]),
    ("P-HOABINH", "QT-08/TG", "Quy trình tiếp nhận đăng ký, thông báo hoạt động tín ngưỡng", "01", 800,
     ["1.900701", "1.900702"]),
    ("SKHCN", "QT-01/KHCN", "Quy trình đăng ký và công nhận kết quả nhiệm vụ khoa học và công nghệ", "02", 380,
     ["1.910101", "1.910102", "1.910103", "1.910104"]),
    ("SKHCN", "QT-02/TĐC", "Quy trình tiếp nhận công bố hợp chuẩn, hợp quy", "03", 250, ["1.910201", "1.910202"]),
    ("SKHCN", "QT-03/TĐC", "Quy trình kiểm tra chất lượng hàng hóa nhập khẩu", "01", 420, ["1.910203"]),
    ("SKHCN", "QT-04/ATBX", "Quy trình cấp giấy phép và chứng chỉ về an toàn bức xạ", "02", 360,
     ["1.910301", "1.910302"]),
    ("SKHCN", "QT-05/CGCN", "Quy trình đăng ký chuyển giao công nghệ", "01", 520, ["1.910401", "1.910402"]),
]
# Changes already announced and imported (days before today they took effect): processes issued earlier now lag.
ANNOUNCED = [
    ("P-HOABINH", "1.900102", "Đăng ký kết hôn (sửa đổi thành phần hồ sơ)", "Sửa đổi, bổ sung", 75, "2214/QĐ-UBND"),
    ("P-HOABINH", "2.900203", "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản",
     "Sửa đổi, bổ sung", 20, "2214/QĐ-UBND"),
    ("P-HOABINH", "1.900701", "Đăng ký hoạt động tín ngưỡng", "Bãi bỏ", 120, "1780/QĐ-UBND"),
    ("P-HOABINH", "1.900702", "Thông báo tổ chức lễ hội tín ngưỡng", "Bãi bỏ", 120, "1780/QĐ-UBND"),
    ("SKHCN", "1.910202", "Đăng ký công bố hợp quy đối với sản phẩm, hàng hóa (trình tự mới)", "Sửa đổi, bổ sung",
     95, "2050/QĐ-UBND"),
]
# The decision still to import (the demo shows its preview): amends two of the ward's procedures, abolishes one,
# announces a new one.
AMENDMENT = ("2456/QĐ-UBND", [
    ("1.900101", "Đăng ký khai sinh (liên thông với cấp thẻ bảo hiểm y tế)", "Hộ tịch", "Sửa đổi, bổ sung"),
    ("1.900106", "Cấp giấy xác nhận tình trạng hôn nhân (thực hiện trực tuyến toàn trình)", "Hộ tịch",
     "Sửa đổi, bổ sung"),
    ("1.900302", "Xác nhận hiện trạng sử dụng đất", "Đất đai", "Bãi bỏ"),
    ("1.900108", "Đăng ký giám hộ", "Hộ tịch", "Ban hành mới"),
])
HEADER = ["STT", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Cấp thực hiện", "Tình trạng", "Ngày hiệu lực"]


# What the agencies reported of their QMS: (code, built: decision, days ago; announced: decision, days ago; review
# held this year: days ago, or None). Two communes have not announced theirs yet; one has held no review.
AGENCIES = [
    ("VP-UBND", "15/QĐ-VP", 1500, "32/QĐ-VP", 1400, 20),
    ("SKHCN", "102/QĐ-SKHCN", 1600, "140/QĐ-SKHCN", 1500, 25),
    ("SNV", "88/QĐ-SNV", 1450, "120/QĐ-SNV", 1380, 40),
    ("STC", "45/QĐ-STC", 1300, "77/QĐ-STC", 1250, 33),
    ("SXD", "61/QĐ-SXD", 1200, "90/QĐ-SXD", 1150, None),
    ("SNNMT", "210/QĐ-SNNMT", 500, "260/QĐ-SNNMT", 420, 60),
    ("TTPVHCC", "12/QĐ-TTPVHCC", 900, "30/QĐ-TTPVHCC", 850, 18),
    ("P-HOABINH", "245/QĐ-UBND", 700, "301/QĐ-UBND", 650, 30),
    ("P-TANAN", "198/QĐ-UBND", 680, "256/QĐ-UBND", 600, 45),
    ("X-PHUTHANH", "77/QĐ-UBND", 400, "", None, None),
    ("X-DONGSON", "81/QĐ-UBND", 300, "", None, None),
]


def agencies(session: Session, unit_ids: dict[str, int], today: date) -> int:
    """The agencies' reported QMS status and this year's management reviews, as the overview shows them."""
    for code, built, built_ago, announced, announced_ago, review_ago in AGENCIES:
        overview.record_status(session, None, unit_ids[code], expected_version=0, must_apply=True,
                               built_decision=built, built_on=today - timedelta(days=built_ago),
                               announced_decision=announced,
                               announced_on=today - timedelta(days=announced_ago) if announced_ago else None)
        held = today - timedelta(days=review_ago) if review_ago else None
        if held and held.year == today.year:
            overview.record_review(session, None, unit_ids[code], held_on=held, note="Lãnh đạo cơ quan chủ trì")
    return len(AGENCIES)


def _entries(rows: list[tuple], level: str, decision: str, day: date) -> list[procedures.Entry]:
    return [procedures.Entry(n, code, name, field, level, procedures.status_of(status), decision, day, day)
            for n, (code, name, field, status) in enumerate(rows, start=2)]


def build(session: Session, unit_ids: dict[str, int], today: date) -> dict:
    """The lists as first announced, the processes, then the changes announced since; returns counts."""
    first = today - timedelta(days=900)
    for code, level, rows in (WARD, DEPARTMENT):
        procedures.apply(session, None, unit_ids[code], _entries([(*r, "") for r in rows], level,
                                                                 "1150/QĐ-UBND", first), source="demo")
    ids = dict(session.exec(select(Procedure.code, Procedure.id)).all())
    for unit, code, title, issue, days, covered in PROCESSES:
        processes.create(session, None, unit_id=unit_ids[unit], code=code, title=title, issue_no=issue,
                         issued_on=today - timedelta(days=days), procedure_ids=[ids[c] for c in covered])
    for unit, code, name, status, days, decision in ANNOUNCED:
        level = WARD[1] if unit == WARD[0] else DEPARTMENT[1]
        field = next(f for c, _n, f in WARD[2] + DEPARTMENT[2] if c == code)
        procedures.apply(session, None, unit_ids[unit], _entries([(code, name, field, status)], level, decision,
                                                                 today - timedelta(days=days)), source="demo")
    return {"procedures": len(ids), "processes": len(PROCESSES)}


def amendment_workbook(today: date) -> bytes:
    """The decision still to import, as a ward receives it (title lines above the header)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh mục TTHC"
    number, rows = AMENDMENT
    spreadsheets.write_cell(ws, 1, 1, f"DANH MỤC THỦ TỤC HÀNH CHÍNH (kèm Quyết định số {number})")
    spreadsheets.write_cell(ws, 2, 1, "UBND phường Hòa Bình")
    for col, name in enumerate(HEADER, start=1):
        spreadsheets.write_cell(ws, 4, col, name)
    # Announced weeks ago and received late, as agencies report: its processes are already behind when imported.
    effective = (today - timedelta(days=40)).strftime("%d/%m/%Y")
    for n, (code, name, field, status) in enumerate(rows, start=1):
        for col, value in enumerate([n, code, name, field, WARD[1], status, effective], start=1):
            spreadsheets.write_cell(ws, 4 + n, col, value)
    for letter, width in zip("ABCDEFG", (6, 12, 60, 20, 12, 18, 14)):
        ws.column_dimensions[letter].width = width
    return spreadsheets.to_bytes(wb)
