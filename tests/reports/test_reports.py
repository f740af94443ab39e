"""Audit report and management review pack, read back with pdftotext and pdffonts."""

import shutil
import subprocess
from datetime import date

import pytest

from qms import clock, report_data, reviews
from qms import settings as org_settings
from qms.i18n import t
from qms.__main__ import main
from qms.models import Audit
from qms.reports import audit_report, review_pack

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def read(path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())


def fonts_embedded(path) -> bool:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    return bool(lines) and all(" yes yes yes " in line for line in lines)


@needs_poppler
def test_audit_report_in_administrative_layout(session, org, issued, tmp_path):
    org_settings.update(session, org["admin"], {"org_name_vi": "Sở Khoa học và Công nghệ tỉnh Phú Lâm",
                                                "org_parent_vi": "UBND tỉnh Phú Lâm", "org_place": "Phú Lâm"})
    seen = []
    path = tmp_path / "report.pdf"
    data = report_data.audit_report(session, org["viewer"], org["audit"], "vi")
    path.write_bytes(audit_report.build(data, "vi", seen.append))
    text = read(path)
    for expected in ("UBND TỈNH PHÚ LÂM", "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH PHÚ LÂM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                     "Độc lập - Tự do - Hạnh phúc", "BÁO CÁO ĐÁNH GIÁ NỘI BỘ", "Nơi nhận:", "NC-2026-001",
                     "OBS-2026-001", "Kết luận", "Trang 1/"):
        assert expected in text, expected
    assert seen[-1] == 1.0 and seen == sorted(seen)
    assert fonts_embedded(path)


@needs_poppler
def test_review_pack_in_english_with_plain_layout(session, org, issued, tmp_path):
    org_settings.update(session, org["admin"], {"doc_national_header": False})
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch UBND tỉnh")
    reviews.add_decision(session, org["rep"], review, "Cập nhật quy trình TTHC", "Thư ký ISO", date(2027, 3, 31))
    path = tmp_path / "pack.pdf"
    path.write_bytes(review_pack.build(report_data.review_pack(session, org["viewer"], review, clock.today()),
                                       report_data.letterhead(session, "en"), "en"))
    text = read(path)
    for expected in ("MANAGEMENT REVIEW MINUTES", "Status of actions from previous reviews", "Audit results",
                     "Cập nhật quy trình TTHC", "Chủ tịch UBND tỉnh", "Page 1/"):
        assert expected in text, expected
    assert "SOCIALIST REPUBLIC" not in text
    assert fonts_embedded(path)


def test_reports_on_the_command_line(session, org, issued, db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    code = session.get(Audit, org["audit"]).code
    assert main(["report", "audit", code, "-o", str(tmp_path / "a.pdf")]) == 0
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch")
    assert main(["report", "review", str(review), "-o", str(tmp_path / "r.pdf"), "--lang", "en"]) == 0
    assert main(["report", "review", "999", "-o", str(tmp_path / "x.pdf")]) == 1
    for name in ("a.pdf", "r.pdf"):
        assert (tmp_path / name).read_bytes().startswith(b"%PDF")


@needs_poppler
def test_review_pack_numbers_its_minutes_and_says_once_what_was_not_entered(session, org, issued, tmp_path):
    """Seen: the minutes numbered "…/BB-BC-ISO" (a report's symbol inside a minutes' one) and "No content entered"
    printed under eight sections."""
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch UBND tỉnh")
    path = tmp_path / "pack.pdf"
    path.write_bytes(review_pack.build(report_data.review_pack(session, org["viewer"], review, clock.today()),
                                       report_data.letterhead(session, "vi"), "vi"))
    text = read(path)
    assert "…/BB-ISO" in text and "BB-BC" not in text
    assert text.count(t("review.not_entered", "vi")) == 0
    assert text.count("Chưa có nội dung:") == 1


@pytest.mark.parametrize("day, written", [(date(2026, 2, 6), "ngày 06 tháng 02 năm 2026"),
                                          (date(2026, 12, 15), "ngày 15 tháng 12 năm 2026"),
                                          (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026")])
def test_place_and_date_are_written_as_decree_30_says(day, written, tmp_path):
    """A day below 10 and the months 1 and 2 take a leading zero (Decree 30/2020, appendix I); was "ngày 6"."""
    from qms.reports.pdf import Document, administrative_header
    doc = Document("vi", "Sở Khoa học và Công nghệ", "x")
    administrative_header(doc, "UBND tỉnh Phú Lâm", "Số: …/BC-ISO", "Phú Lâm", day, "vi")
    path = tmp_path / "header.pdf"
    path.write_bytes(doc.bytes())
    assert written in read(path)


def font_names(path) -> set[str]:
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    return {line.split()[0].split("+")[-1] for line in lines}


def body_size(path) -> float:
    """The median height (pt) of the words on page 1: the size most of the text is set in."""
    import re
    import statistics
    xml = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                         text=True).stdout
    return statistics.median(float(y1) - float(y0) for y0, y1 in
                             re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', xml))


@needs_poppler
def test_the_official_layout_is_set_in_a_13_point_serif_and_the_plain_one_in_sans(session, org, issued, tmp_path):
    """Decree 30/2020 documents are set in a Times New Roman style at 13–14 pt; the bundled face is Liberation Serif."""
    org_settings.update(session, org["admin"], {"org_place": "Phú Lâm"})
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch UBND tỉnh")
    sizes = {}
    for name, values in (("official", {}), ("sans", {"doc_serif": False}), ("plain", {"doc_national_header": False})):
        org_settings.update(session, org["admin"], {"doc_national_header": True, "doc_serif": True} | values)
        path = tmp_path / f"{name}.pdf"
        path.write_bytes(review_pack.build(report_data.review_pack(session, org["viewer"], review, clock.today()),
                                           report_data.letterhead(session, "vi"), "vi"))
        assert fonts_embedded(path)
        fonts = font_names(path)
        assert fonts & {"LiberationSerif", "LiberationSerifBold"} if name == "official" else \
            not any(f.startswith("LiberationSerif") for f in fonts), (name, fonts)
        sizes[name] = body_size(path)
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in read(path) or name == "plain"
    assert sizes["official"] >= 13 > sizes["sans"], sizes


def test_the_bundled_serif_covers_vietnamese_and_carries_its_licence():
    from fontTools.ttLib import TTFont

    from qms.reports.pdf import SERIF_DIR
    letters = "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    for style in ("Regular", "Bold", "Italic"):
        cmap = TTFont(SERIF_DIR / f"LiberationSerif-{style}.ttf").getBestCmap()
        assert [c for c in letters + letters.upper() if ord(c) not in cmap] == []
    assert "SIL OPEN FONT LICENSE Version 1.1" in (SERIF_DIR / "OFL.txt").read_text()


@needs_poppler
def test_a_chart_of_one_or_two_bars_is_printed_as_a_table(session, org, issued, tmp_path):
    """Seen: half a page for a chart of one bar. The test organisation's findings are on two clauses."""
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch UBND tỉnh")
    pack = report_data.review_pack(session, org["viewer"], review, clock.today())
    assert 0 < len(pack["live"]["by_clause"]) < 3
    path = tmp_path / "pack.pdf"
    path.write_bytes(review_pack.build(pack, report_data.letterhead(session, "vi"), "vi"))
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert images == []
    assert all(row["clause"] in read(path) for row in pack["live"]["by_clause"])
