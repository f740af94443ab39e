"""Reports never fail on what users type: very long text, characters the font lacks, an output folder that is missing."""

import re
import shutil
import subprocess
from datetime import date, timedelta

import pytest

from qms import actions, audits, changelog, clock, findings, planning, report_data, reviews
from qms.__main__ import LANG, main
from qms.i18n import t
from qms.models import Audit, Finding
from qms.reports import audit_plan, audit_report, car, review_pack
from qms.reports.pdf import MARK
from tests.test_actions import plan

pytestmark = pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")

# Layout and fonts do not depend on the database; the data these reports read is tested on both engines in
# test_reports.py.
ONE_ENGINE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def words(tag: str, chars: int) -> str:
    """Numbered Vietnamese sentences, about `chars` long: the numbers make each word's place checkable."""
    out, n = [], 0
    while sum(map(len, out)) + len(out) < chars:
        out.append(f"{tag}{n} chưa được ký duyệt đúng thời hạn.")
        n += 1
    return " ".join(out)


def in_order(source: str, text: str) -> bool:
    """Every word of `source` is in `text`, in order; page headers, footers and repeated table headings may come
    between them where the text crosses a page."""
    found = iter(text.split())
    return all(word in found for word in source.split())


def read(path) -> str:
    """The words of the PDF in drawing order (-raw keeps a table cell's lines together), whitespace folded."""
    argv = ["pdftotext", "-raw", str(path), "-"]
    return " ".join(subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split())


def pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))


@ONE_ENGINE
@pytest.mark.parametrize("chars", [3_000, 12_000])
def test_audit_report_with_a_very_long_finding_statement(session, org, issued, tmp_path, chars):
    data = report_data.audit_report(session, org["viewer"], org["audit"], "vi")
    data["findings"][0]["statement"] = words("HS", chars)
    data["findings"][0]["evidence"] = words("BB", chars // 3)
    data["findings"][1]["statement"] = words("SO", 600)
    path = tmp_path / "report.pdf"
    path.write_bytes(audit_report.build(data, "vi"))
    text = read(path)
    first, second = data["findings"]
    assert in_order(" ".join([first["statement"], first["evidence"], second["statement"], "Kết luận"]), text)
    assert pages(path) >= (2 if chars < 10_000 else 4)


@ONE_ENGINE
def test_car_with_long_statement_action_and_evidence(session, org, issued, tmp_path):
    nc = issued["nc"]
    plan(session, org, nc, rows=[{"action": "Tập huấn", "owner_name": "Trần Thị Ngọc Ánh",
                                  "due_date": clock.today() + timedelta(days=20)}])
    detail = findings.detail(session, org["rep"], nc)
    detail["statement"] = words("HS", 12_000)
    chain = actions.chain(session, org["rep"], nc)
    chain["rows"][0]["action"] = words("HD", 5_000)
    chain["rows"][0]["evidence"] = words("BB", 5_000)
    path = tmp_path / "car.pdf"
    path.write_bytes(car.build(detail, chain, changelog.history_of_finding(session, nc), "Sở Nội vụ", "vi"))
    row = chain["rows"][0]
    # the action's and the evidence's cells share table rows: each column is read back on its own
    text = read(path)
    assert in_order(detail["statement"], text)
    assert in_order(row["action"], text) and in_order(row["evidence"], text)
    assert "Lịch sử" in text


@ONE_ENGINE
def test_review_pack_with_long_inputs_and_decisions(session, org, tmp_path):
    review = reviews.create(session, org["rep"], clock.today(), "Chủ tịch UBND tỉnh")
    reviews.add_decision(session, org["rep"], review, "Cập nhật quy trình", "Thư ký ISO", date(2027, 3, 31))
    pack = report_data.review_pack(session, org["viewer"], review, clock.today())
    pack["review"]["inputs"]["issues"] = words("VD", 12_000)
    pack["review"]["outputs"] = words("KQ", 3_000)
    pack["decisions"][0]["action"] = words("QD", 6_000)
    path = tmp_path / "pack.pdf"
    path.write_bytes(review_pack.build(pack, report_data.letterhead(session, "vi"), "vi"))
    assert in_order(" ".join([pack["review"]["inputs"]["issues"], pack["review"]["outputs"],
                              pack["decisions"][0]["action"]]), read(path))


@ONE_ENGINE
def test_audit_plan_with_a_long_timetable_cell(session, org, tmp_path):
    reps = words("DD", 5_000)
    planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 3), [org["lead"]], reps)
    path = tmp_path / "plan.pdf"
    path.write_bytes(audit_plan.build(audits.plan_document(session, org["viewer"], org["audit"], "vi"), "vi"))
    assert in_order(reps, read(path))


# Emoji, CJK and Arabic are outside Source Sans Pro. What the reader sees is one mark per character as a person
# counts them: a skin-tone modifier, a zero-width joiner sequence and a flag are one each.
HOSTILE = "Đã kiểm tra ✅ 😀 中文 عربي 👍🏽 👨‍👩‍👧 🇻🇳 xong"
HOSTILE_MARKS = 1 + 2 + 4 + 1 + 1 + 1


@ONE_ENGINE
def test_characters_outside_the_font_come_out_visible_and_counted(session, org, issued, tmp_path):
    data = report_data.audit_report(session, org["viewer"], org["audit"], "vi")
    data["findings"][0]["statement"] = HOSTILE
    data["title"] = "Đánh giá 😀"
    data["scope"] = "Phạm vi 中"
    built = audit_report.build(data, "vi")
    path = tmp_path / "glyphs.pdf"
    path.write_bytes(built)
    text = read(path)
    assert built.replaced == HOSTILE_MARKS + 2
    assert text.count(MARK) == built.replaced  # what the caller is told is what the reader sees
    assert "Đã kiểm tra ☑" in text and text.count("☑") == 1  # a check stays a check
    assert "xong" in text


@ONE_ENGINE
def test_every_report_counts_what_it_replaced(session, org, issued, tmp_path):
    nc = issued["nc"]
    plan(session, org, nc, rows=[{"action": "Tập huấn 😀", "owner_name": "Ánh 中", "due_date": clock.today()}])
    detail = findings.detail(session, org["rep"], nc)
    detail["evidence"] = "Ảnh 📷"
    built = car.build(detail, actions.chain(session, org["rep"], nc), changelog.history_of_finding(session, nc),
                      "Sở Nội vụ 🏛", "en")
    path = tmp_path / "car.pdf"
    path.write_bytes(built)
    assert built.replaced == read(path).count(MARK) >= 4  # the agency's mark repeats on every page


@ONE_ENGINE
def test_cli_output_into_a_missing_folder(session, org, issued, db_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    code = session.get(Audit, org["audit"]).code
    target = tmp_path / "missing_dir" / "x.pdf"
    assert main(["report", "audit", code, "-o", str(target)]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "missing_dir") in err and "Traceback" not in err
    assert not target.parent.exists()  # named, not silently created


@ONE_ENGINE
def test_cli_tells_how_many_characters_were_replaced(session, org, issued, db_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    finding = session.get(Finding, issued["nc"])
    finding.statement = HOSTILE + " " + words("HS", 3_000)
    session.add(finding)
    session.commit()
    code = session.get(Audit, org["audit"]).code
    assert main(["report", "audit", code, "-o", str(tmp_path / "a.pdf"), "--lang", "en"]) == 0
    said = t("report.replaced_chars", LANG, n=HOSTILE_MARKS, mark=MARK, chars="😀中文عربي👍🏽👨‍👩‍👧🇻🇳")
    assert said in capsys.readouterr().err.splitlines()
    assert read(tmp_path / "a.pdf").count(MARK) == HOSTILE_MARKS
