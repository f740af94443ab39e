"""Excel export and import: round trip, another workbook layout, per-row problems, formula-safe cells."""

import io
import zipfile

import openpyxl
import pytest

from qms import checklist_excel, checklist_files, config
from qms.errors import ValidationError


@pytest.fixture(scope="module")
def iso():
    checklist, _ = checklist_files.parse_file(config.CHECKLIST_DIR / "tcvn-iso-9001-2015.yaml")
    return checklist


def test_round_trip_gives_the_same_checklist(iso):
    result = checklist_excel.import_workbook(checklist_excel.export(iso))
    assert result.problems == [] and result.rows == 176
    assert checklist_files.fingerprint(result.checklist) == checklist_files.fingerprint(iso)


def workbook(rows, sheet="Bảng hỏi") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ghi chú"
    ws["A1"] = "Sổ tay đánh giá nội bộ 2025"
    data = wb.create_sheet(sheet)
    for row in rows:
        data.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_workbook_laid_out_differently():
    raw = workbook([
        ["Danh mục kiểm tra của Sở"],  # a title row above the header
        ["STT", "Nội dung kiểm tra", "Điều", "Bằng chứng cần xem", "Người phụ trách"],
        [1, "Quy trình nội bộ có cập nhật theo quyết định công bố TTHC mới?", "8.2.2", "Quyết định công bố", "A"],
        [None, None, None, None, None],
        [2, "Có phiếu xin lỗi khi trả kết quả trễ hạn?", "8.7.", "Sổ theo dõi hồ sơ", "B"],
    ])
    sheets, info = checklist_excel.read(raw)
    sheet = next(s for s in sheets if s.name == "Bảng hỏi")
    mapping = checklist_excel.guess_mapping(sheet.rows[1])
    assert mapping == {"clause": 2, "id": 0, "text_vi": 1, "guidance_vi": 3}
    meta = {"id": "so-kh", "version": "2025", "standard": "TCVN ISO 9001:2015", "title_vi": "Danh mục của Sở"}
    result = checklist_excel.build(sheet.rows[2:], mapping, meta, header_row=2)
    assert result.problems == []
    assert result.checklist["languages"] == ["vi"]
    assert [c["clause"] for c in result.checklist["clauses"]] == ["8.2.2", "8.7"]
    assert result.checklist["clauses"][1]["title"]["vi"] == "Kiểm soát đầu ra không phù hợp"
    # What a workbook gives is a valid checklist file once written out.
    assert checklist_files.parse_text(checklist_files.dump(result.checklist))[1] == []


def test_row_problems_carry_sheet_row_numbers():
    raw = workbook([
        ["Điều khoản", "Câu hỏi", "Mã"],
        ["7.5.3", "Tài liệu có kiểm soát?", "Q1"],
        ["", "Không có điều khoản", "Q2"],
        ["11.1", "Điều không tồn tại", "Q3"],
        ["8.1", "", "Q4"],
        ["8.1", "Trùng mã", "Q1"],
    ], sheet="Checklist")
    result = checklist_excel.import_workbook(raw, meta={"id": "x", "version": "1", "standard": "ISO 9001:2015"})
    assert result.checklist is None
    assert [(p.line, p.key) for p in result.problems] == [
        (3, "checklist.err.row_no_clause"), (4, "checklist.err.unknown_clause"),
        (5, "checklist.err.missing_language"), (6, "checklist.err.duplicate_id")]


def test_mapping_without_question_column_is_refused():
    raw = workbook([["Điều khoản", "Ghi chú"], ["7.5.3", "x"]], sheet="Checklist")
    result = checklist_excel.import_workbook(raw, meta={"id": "x", "version": "1", "standard": "ISO 9001:2015"})
    assert [p.key for p in result.problems] == ["checklist.err.map_text"]


@pytest.mark.parametrize("raw", [b"", b"id: not a workbook", b"PK\x03\x04broken zip"])
def test_non_workbook_is_refused(raw):
    with pytest.raises(ValidationError) as err:
        checklist_excel.read(raw)
    assert err.value.key == "error.not_xlsx"


def test_text_that_looks_like_a_formula_stays_text(iso):
    iso = {**iso, "clauses": [dict(iso["clauses"][0], questions=[{
        "id": "Q-EVIL", "text": {"vi": "=HYPERLINK(\"http://x\",\"bấm\")", "en": "+1+1"}, "guidance": None}])]}
    raw = checklist_excel.export(iso)
    sheet = zipfile.ZipFile(io.BytesIO(raw)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    back = checklist_excel.import_workbook(raw)
    assert back.checklist["clauses"][0]["questions"][0]["text"]["vi"].startswith("=HYPERLINK")
