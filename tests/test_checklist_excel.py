"""Excel export and import: round trip, another workbook layout, per-row problems, formula-safe cells."""

import io
import zipfile

import openpyxl
import pytest

from qms import checklist_excel, checklist_files, config
from qms.errors import ValidationError
from qms.limits import grouped


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


META = {"id": "x", "version": "1", "standard": "ISO 9001:2015"}


def with_huge_cell(chars: int) -> bytes:
    """A small workbook whose cell B2 holds `chars` characters: it compresses about a thousand to one."""
    source = zipfile.ZipFile(io.BytesIO(workbook([["Điều khoản", "Câu hỏi"], ["7.5.3", "CHỖ-NÀY"]], "Checklist")))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            marker = "CHỖ-NÀY".encode()
            if marker not in data:
                target.writestr(info, data)
                continue
            before, after = data.split(marker)
            with target.open(info.filename, "w", force_zip64=True) as part:
                part.write(before)
                chunk = b"x" * (1 << 20)
                for _ in range(chars >> 20):
                    part.write(chunk)
                part.write(b"x" * (chars & ((1 << 20) - 1)) + after)
    return out.getvalue()


def test_a_30_mb_cell_is_refused_and_named():
    raw = with_huge_cell(30 * 1024 * 1024)
    assert len(raw) < 100_000
    result = checklist_excel.import_workbook(raw, meta=META)
    assert result.checklist is None
    assert [(p.line, p.key) for p in result.problems] == [(2, "checklist.err.cell_too_long")]
    params = result.problems[0].params
    assert params["cell"] == "B2" and params["chars"] == grouped(30 * 1024 * 1024) and params["limit"] == grouped(5000)


def test_a_workbook_that_unpacks_too_large_is_refused_before_it_is_opened(monkeypatch):
    raw = with_huge_cell(100 * 1024 * 1024)  # 107 KB on disk, as observed
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: pytest.fail("opened a zip bomb"))
    with pytest.raises(ValidationError) as err:
        checklist_excel.read(raw)
    assert err.value.key == "error.xlsx_unpacked_too_large" and err.value.params["limit"] == 40


def test_a_workbook_over_the_file_cap_is_refused(monkeypatch):
    monkeypatch.setenv("QMS_IMPORT_MAX_MB", "1")
    raw = workbook([["Điều khoản", "Câu hỏi"], *([f"7.{n % 5 + 1}", f"{n} " + "ý" * 200] for n in range(2000))])
    raw += b"\0" * (1024 * 1024)  # over the cap whatever openpyxl's compression gives
    with pytest.raises(ValidationError) as err:
        checklist_excel.read(raw)
    assert err.value.key == "error.file_too_large" and err.value.params == {"mb": 1}


def big_sheet(rows: int, extra: list | None = None) -> bytes:
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Checklist")
    ws.append(["Điều khoản", "Câu hỏi", "Mã"])
    for n in range(rows):
        ws.append(["8.5.1", "Có kiểm soát đầu ra không phù hợp?", n + 1])  # few distinct strings: quick to write
    for row in extra or []:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_100000_rows_are_refused_not_truncated():
    raw = big_sheet(100_000)
    with pytest.raises(ValidationError) as err:  # counted in the XML, before openpyxl reads a row
        checklist_excel.import_workbook(raw, meta=META)
    assert err.value.key == "error.xlsx_too_many_rows"
    assert err.value.params["limit"] == grouped(2000)
    assert int(err.value.params["rows"].replace("\u202f", "")) > 10_000  # counting stops soon after 5 × the limit


def test_rows_just_over_the_limit_are_refused_with_the_sheet_named():
    result = checklist_excel.import_workbook(big_sheet(2000), meta=META)
    assert [(p.line, p.key, p.params) for p in result.problems] == [
        (2001, "checklist.err.too_many_rows", {"sheet": "Checklist", "limit": grouped(2000)})]


def test_the_row_limit_is_configurable_and_empty_rows_after_it_do_not_count(monkeypatch):
    monkeypatch.setenv("QMS_IMPORT_MAX_ROWS", "50")
    assert checklist_excel.import_workbook(big_sheet(49, [[None, None, None]] * 150), meta=META).rows == 49
    result = checklist_excel.import_workbook(big_sheet(50), meta=META)
    assert [p.key for p in result.problems] == ["checklist.err.too_many_rows"]


def test_a_cell_at_the_far_corner_of_the_sheet_does_not_hang():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Checklist"
    ws.append(["Điều khoản", "Câu hỏi"])
    ws.append(["8.5.1", "Có kiểm soát?"])
    ws["XFD1"] = "cột xa"  # past the columns read: it only widens the sheet
    ws["A1048576"] = "dòng xa"
    buffer = io.BytesIO()
    wb.save(buffer)
    result = checklist_excel.import_workbook(buffer.getvalue(), meta=META)
    assert [p.key for p in result.problems] == ["checklist.err.too_many_rows"]


def test_an_empty_answer_column_is_not_taken_for_guidance():
    """Seen: an auditor's empty "Evidence" column (for answers) guessed as the questions' guidance."""
    header = ["Điều khoản", "Câu hỏi", "Evidence"]
    empty = [["8.5.1", "Có phiếu kiểm soát?", ""], ["8.5.2", "Có mã hồ sơ?", None]]
    assert checklist_excel.guess_mapping(header, empty) == {"clause": 0, "text_vi": 1}
    filled = [["8.5.1", "Có phiếu kiểm soát?", "Xem 5 hồ sơ"], ["8.5.2", "Có mã hồ sơ?", ""]]
    assert checklist_excel.guess_mapping(header, filled) == {"clause": 0, "text_vi": 1, "guidance_en": 2}
