"""The audit worksheet of one unit, blank and as recorded, read back by poppler (pdftotext, pdffonts)."""

import shutil
import subprocess
from datetime import date

import pytest

from qms import offline, planning, report_data, responses, tailoring
from qms import settings as org_settings
from qms.__main__ import main
from qms.errors import PermissionDenied
from qms.reports import worksheet

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def words(path) -> str:
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())


def fonts(path) -> list[str]:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]


@pytest.fixture
def unit(session, org):
    au = planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]],
                            "Bà Nguyễn Thị Ánh Tuyết, Chánh Văn phòng")
    tailoring.save(session, org["rep"], org["audit"], None, [c["clause"] for c in tailoring.scope(
        session, org["audit"])["clauses"] if c["clause"] not in ("8.3.1", "7.1.5.1")],
        {"8.3.1": "Không thiết kế sản phẩm mới", "7.1.5.1": "Không dùng thiết bị đo"})
    return au


@needs_poppler
def test_the_blank_worksheet_has_every_question_boxes_to_tick_and_the_exclusions(session, org, unit, tmp_path):
    org_settings.update(session, org["admin"], {"org_parent_vi": "UBND tỉnh Phú Lâm", "org_place": "Phú Lâm",
                                                "doc_national_header": True})
    rows = responses.sheet(session, unit)
    path = tmp_path / "blank.pdf"
    path.write_bytes(worksheet.build(offline.worksheet(session, org["second"], unit, "vi", filled=False), "vi",
                                     report_data.letterhead(session, "vi")))
    text = words(path)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "PHIẾU GHI CHÉP ĐÁNH GIÁ NỘI BỘ", "Sở Nội vụ",
                     "05/11/2026", "Second", "Bà Nguyễn Thị Ánh Tuyết", "4.1 Hiểu tổ chức và bối cảnh của tổ chức",
                     "Không thiết kế sản phẩm mới",
                     "Không dùng thiết bị đo"):
        assert expected in text, expected
    assert all(r["item_key"] in text for r in rows)  # every in-scope question, none left out
    assert not any(r["clause"] in ("8.3.1", "7.1.5.1") for r in rows)
    assert text.count("☐ Phù hợp") == len(rows) and "☑" not in text  # nothing ticked on a blank sheet
    assert text.count("Bằng chứng:") == len(rows)
    assert all(" yes yes yes " in line for line in fonts(path))
    assert any("LiberationSerif" in line for line in fonts(path))  # the official layout's face


@needs_poppler
def test_the_filled_worksheet_shows_the_answers_as_recorded_and_who_recorded_them(session, org, unit, tmp_path):
    rows = responses.sheet(session, unit)
    responses.save(session, org["second"], unit, rows[0]["id"], {
        "result": "nc_minor", "evidence": "Thiếu phiếu kiểm soát hồ sơ HS-07", "records_sampled": "HS-07, HS-09",
        "interviewed": "Ông Phạm Văn Đức, văn thư"}, 0)
    responses.save(session, org["second"], unit, rows[1]["id"], {"result": "conform", "evidence": "Đủ"}, 0)
    path = tmp_path / "filled.pdf"
    path.write_bytes(worksheet.build(offline.worksheet(session, org["lead"], unit, "en", filled=True), "en"))
    text = words(path)
    assert "INTERNAL AUDIT WORKSHEET" in text and "Results as recorded in the app" in text
    assert "☑ Minor NC" in text and "☑ Conforming" in text and text.count("☑") == 2
    for expected in ("Thiếu phiếu kiểm soát hồ sơ HS-07", "HS-07, HS-09", "Ông Phạm Văn Đức, văn thư",
                     "Recorded by Second"):
        assert expected in text, expected
    assert text.index(rows[0]["item_key"]) < text.index("Thiếu phiếu kiểm soát") < text.index(rows[1]["item_key"])
    assert all(" yes yes yes " in line for line in fonts(path))
    blank = worksheet.build(offline.worksheet(session, org["lead"], unit, "en", filled=False), "en")
    (tmp_path / "blank.pdf").write_bytes(blank)
    assert "Thiếu phiếu kiểm soát" not in words(tmp_path / "blank.pdf")


def test_only_those_who_read_the_unit_answers_get_its_worksheet(session, org, unit, make_user):
    from qms.models import Role
    outsider = make_user("auditee.a", Role.auditee, unit_ids=[org["a"]])
    with pytest.raises(PermissionDenied):
        offline.worksheet(session, outsider, unit, "vi", filled=True)
    assert offline.worksheet(session, org["viewer"], unit, "vi", filled=True)["clauses"]


@needs_poppler
def test_the_command_line_writes_the_worksheet(session, org, unit, db_url, monkeypatch, tmp_path, capsys):
    from qms.models import Audit
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    code = session.get(Audit, org["audit"]).code
    out = tmp_path / "ws.pdf"
    assert main(["report", "worksheet", code, "--unit", "SNV", "--blank", "-o", str(out)]) == 0
    assert "PHIẾU GHI CHÉP ĐÁNH GIÁ NỘI BỘ" in words(out)
    assert main(["report", "worksheet", code, "--unit", "SKHCN", "-o", str(out)]) == 1  # not planned in this audit
    assert "--unit" in capsys.readouterr().err
