"""The corrective action request form, read back with pdftotext and pdffonts."""

import shutil
import subprocess
from datetime import timedelta

import pytest

from qms import actions, changelog, clock, findings
from qms.__main__ import main
from qms.models import Finding
from qms.reports import car
from tests.test_actions import plan

needs_poppler = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")


def _accepted(session, org, nc) -> None:
    """The unit's plan for the finding, submitted and accepted."""
    plan(session, org, nc, rows=[{"action": "Tập huấn nghiệp vụ Một cửa", "owner_name": "Trần Thị Ngọc Ánh",
                                  "due_date": clock.today() + timedelta(days=20)}])
    actions.submit_plan(session, org["auditee"], nc)
    actions.accept_plan(session, org["rep"], nc)


@needs_poppler
def test_car_has_every_section_and_the_history(session, org, issued, tmp_path):
    nc = issued["nc"]
    _accepted(session, org, nc)
    path = tmp_path / "car.pdf"
    path.write_bytes(car.build(findings.detail(session, org["rep"], nc), actions.chain(session, org["rep"], nc),
                               changelog.history_of_finding(session, nc), "Ủy ban nhân dân tỉnh Phú Lâm", "vi"))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    code = session.get(Finding, nc).code
    for expected in ("PHIẾU YÊU CẦU HÀNH ĐỘNG KHẮC PHỤC", code, "ỦY BAN NHÂN DÂN TỈNH PHÚ LÂM",
                     "Khắc phục tức thời", "Tại sao 1", "Tập huấn nghiệp vụ Một cửa", "Trần Thị Ngọc Ánh",
                     "Kiểm tra hiệu lực", "Lịch sử", "Kế hoạch được chấp nhận", "Trang 1/"):
        assert expected in text, expected
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts)


def test_car_on_the_command_line(session, org, issued, db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    code = session.get(Finding, issued["nc"]).code
    assert main(["report", "car", code, "-o", str(tmp_path / "x.pdf"), "--lang", "en"]) == 0
    assert (tmp_path / "x.pdf").read_bytes().startswith(b"%PDF")
    assert main(["report", "car", "NC-1999-999", "-o", str(tmp_path / "y.pdf")]) == 1


@needs_poppler
def test_car_in_the_official_layout_with_names_to_sign_and_its_steps(session, org, issued, tmp_path):
    """Seen: the request ignored the official layout, had no names on its signature lines and spent two of its
    three pages on a raw change log."""
    from qms import settings as org_settings
    from qms.models import User
    org_settings.update(session, org["admin"], {"org_parent_vi": "UBND tỉnh Phú Lâm", "org_place": "Phú Lâm",
                                                "doc_national_header": True})
    nc = issued["nc"]
    _accepted(session, org, nc)
    path = tmp_path / "car.pdf"
    path.write_bytes(car.for_finding(session, org["rep"], nc, "vi"))
    text = " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout.split())
    code = session.get(Finding, nc).code
    head, rep = session.get(User, org["auditee"]).full_name, session.get(User, org["rep"]).full_name
    for expected in ("UBND TỈNH PHÚ LÂM", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", f"Số: {code}", "Phú Lâm, ngày",
                     head, rep, "Kế hoạch được chấp nhận"):
        assert expected in text, expected
    pages = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    # Three pages at most in 13-pt type (two in the screen face): the history is a list of status steps.
    assert int(next(line.split()[-1] for line in pages.splitlines() if line.startswith("Pages:"))) <= 3
