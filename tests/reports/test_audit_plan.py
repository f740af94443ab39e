"""The audit plan PDF, read back by an independent reader (poppler's pdftotext and pdffonts)."""

import shutil
import subprocess
from datetime import date

import pytest

from qms import audits, planning
from qms.reports import audit_plan

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


@pytest.fixture
def pdf(session, org, tmp_path):
    planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]],
                       "Bà Nguyễn Thị Ánh Tuyết, Chánh Văn phòng")
    planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 3), [org["lead"]])
    paths = {}
    for lang in ("vi", "en"):
        paths[lang] = tmp_path / f"plan-{lang}.pdf"
        paths[lang].write_bytes(audit_plan.build(audits.plan_document(session, org["viewer"], org["audit"], lang), lang))
    return paths


@needs_poppler
def test_vietnamese_text_comes_back_intact_with_fonts_embedded(pdf):
    raw = subprocess.run(["pdftotext", str(pdf["vi"]), "-"], capture_output=True, text=True).stdout
    text = " ".join(raw.split())  # table cells wrap; compare words, not lines
    assert "KẾ HOẠCH ĐÁNH GIÁ NỘI BỘ" in text
    assert "Bà Nguyễn Thị Ánh" in text and "Tuyết" in text and "Sở Khoa học và Công nghệ" in text
    assert text.index("03/11/2026") < text.index("05/11/2026")  # timetable in date order
    assert "Trang 1/1" in text
    fonts = subprocess.run(["pdffonts", str(pdf["vi"])], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts)


@needs_poppler
def test_english_plan(pdf):
    text = subprocess.run(["pdftotext", str(pdf["en"]), "-"], capture_output=True, text=True).stdout
    assert "INTERNAL AUDIT PLAN" in text and "Page 1/1" in text and "2026-11-05" in text


@needs_poppler
def test_the_official_layout_gives_the_plan_its_motto_number_place_and_date(session, org, tmp_path):
    """Seen: the plan had no national motto, number, place and date although the official layout was on."""
    from qms import clock, report_data
    from qms import settings as org_settings
    org_settings.update(session, org["admin"], {"org_parent_vi": "UBND tỉnh Phú Lâm", "org_place": "Phú Lâm",
                                                "doc_national_header": True})
    path = tmp_path / "plan.pdf"
    path.write_bytes(audit_plan.build(audits.plan_document(session, org["viewer"], org["audit"], "vi"), "vi",
                                      report_data.letterhead(session, "vi")))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    today = clock.today()
    month = f"{today.month:02d}" if today.month < 3 else str(today.month)
    for expected in ("UBND TỈNH PHÚ LÂM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                     "Số: …/KH-ISO", f"Phú Lâm, ngày {today.day:02d} tháng {month} năm {today.year}",
                     "KẾ HOẠCH ĐÁNH GIÁ NỘI BỘ"):
        assert expected in text, expected
