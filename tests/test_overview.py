"""Every agency's QMS at a glance, on both databases: agencies are the units right below the top, their figures
gather the units below them, and the annual report counts what the screen shows."""

import re
import shutil
import subprocess
from datetime import date

import pytest

from qms import completion, findings, overview, planning, processes, procedures, report_data, responses
from qms.errors import PermissionDenied, ValidationError
from qms.reports import agency_status
from tests.test_procedures import LIST, imported, workbook

TODAY = date(2026, 12, 6)


def by_code(rows):
    return {r["code"]: r for r in rows}


def test_agencies_gather_their_units_and_the_years_audit_review_findings_and_procedures(session, org):
    rows = by_code(overview.overview(session, org["viewer"], 2026, TODAY))
    assert set(rows) == {"SKHCN", "SNV"}  # the province (top, with units below) is not an agency
    assert rows["SKHCN"]["audit"] == "none" and rows["SKHCN"]["share"] is None
    # An audit of the division below SKHCN counts for SKHCN; its report issued, its NC open.
    au = planning.plan_unit(session, org["rep"], org["audit"], org["a_div"], date(2026, 11, 5), [org["lead"]])
    rows_of_sheet = responses.sheet(session, au)
    responses.save(session, org["lead"], au, rows_of_sheet[0]["id"], {"result": "nc_major", "evidence": "Thiếu"}, 0)
    responses.mark_not_audited(session, org["lead"], au, "Hết giờ")
    findings.raise_from_response(session, org["lead"], responses.sheet(session, au)[0]["answer"]["id"])
    assert by_code(overview.overview(session, org["viewer"], 2026, TODAY))["SKHCN"]["audit"] == "in_progress"
    completion.complete(session, org["lead"], org["audit"])
    completion.issue_report(session, org["lead"], org["audit"])
    # SKHCN's list: three procedures, a process covering two of them.
    imported(session, org["rep"], org["a_div"], workbook(LIST))
    ids = {e.code: e for e in procedures.read_workbook(workbook(LIST))[0]}
    from sqlmodel import select
    from qms.models import Procedure
    pid = dict(session.exec(select(Procedure.code, Procedure.id)).all())
    processes.create(session, org["rep"], unit_id=org["a"], code="QT-01", title="Hộ tịch", issue_no="01",
                     issued_on=date(2026, 1, 5), procedure_ids=[pid["1.001193"], pid["1.001022"]])
    overview.record_status(session, org["rep"], org["a"], expected_version=0, must_apply=True,
                           built_decision="12/QĐ-SKHCN", built_on=date(2024, 3, 1),
                           announced_decision="40/QĐ-SKHCN", announced_on=date(2024, 6, 1))
    overview.record_review(session, org["rep"], org["a"], held_on=date(2026, 11, 20), note="Giám đốc chủ trì")
    overview.record_review(session, org["rep"], org["b"], held_on=date(2025, 12, 20))  # last year's
    rows = by_code(overview.overview(session, org["viewer"], 2026, TODAY))
    skhcn = rows["SKHCN"]
    assert (skhcn["audit"], skhcn["review"], skhcn["major"], skhcn["minor"]) == ("report_issued", date(2026, 11, 20),
                                                                                 1, 0)
    assert (skhcn["procedures"], skhcn["share"]) == (3, 67) and len(ids) == 3
    assert rows["SNV"]["review"] is None and rows["SNV"]["audit"] == "none"
    assert overview.counts(list(rows.values())) == {"agencies": 2, "must_apply": 2, "built": 1, "announced": 1,
                                                    "audited": 1, "reviewed": 1}
    # Sorting by the lowest share puts the agency with procedures first; agencies without any last.
    assert [r["code"] for r in overview.overview(session, org["viewer"], 2026, TODAY, sort="share")] == [
        "SKHCN", "SNV"]
    assert [r["code"] for r in overview.overview(session, org["viewer"], 2026, TODAY, term="noi vu")] == ["SNV"]


def test_only_the_iso_secretary_records_what_an_agency_reported_and_only_for_an_agency(session, org):
    for outsider in (org["viewer"], org["auditee"], org["lead"]):
        with pytest.raises(PermissionDenied):
            overview.record_review(session, outsider, org["a"], held_on=date(2026, 10, 1))
    with pytest.raises(PermissionDenied):
        overview.overview(session, org["auditee"], 2026, TODAY)
    with pytest.raises(ValidationError) as err:
        overview.record_review(session, org["rep"], org["a_div"], held_on=date(2026, 10, 1))
    assert err.value.key == "overview.err.not_agency"
    with pytest.raises(ValidationError) as err:  # a day without its decision
        overview.record_status(session, org["rep"], org["a"], expected_version=0, must_apply=True, built_decision="",
                               built_on=date(2025, 1, 1), announced_decision="", announced_on=None)
    assert err.value.key == "overview.err.decision_missing"
    overview.record_status(session, org["rep"], org["a"], expected_version=0, must_apply=False, built_decision="",
                           built_on=None, announced_decision="", announced_on=None)
    with pytest.raises(ValidationError) as err:  # the screen still showed no record
        overview.record_status(session, org["rep"], org["a"], expected_version=0, must_apply=True,
                               built_decision="", built_on=None, announced_decision="", announced_on=None)
    assert err.value.key == "overview.err.changed"
    assert overview.counts(overview.overview(session, org["rep"], 2026, TODAY))["must_apply"] == 1


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils not installed")
def test_the_annual_report_prints_the_counts_and_every_agency(session, org, tmp_path):
    overview.record_status(session, org["rep"], org["a"], expected_version=0, must_apply=True,
                           built_decision="12/QĐ-SKHCN", built_on=date(2024, 3, 1),
                           announced_decision="40/QĐ-SKHCN", announced_on=date(2024, 6, 1))
    report = overview.status_report(session, org["viewer"], 2026, TODAY)
    path = tmp_path / "bao-cao.pdf"
    path.write_bytes(agency_status.build(report, "vi", report_data.letterhead(session, "vi")))
    layout = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    text = " ".join(layout.split())
    assert "TCVN ISO 9001:2015 năm 2026" in text
    assert re.search(r"Đã công bố\s+1\s+50\s*%", layout) and re.search(r"Phải áp dụng\s+2\n", layout)
    words = set(text.split())  # cells wrap: their words, not their lines
    assert {"SKHCN", "SNV", "40/QĐ-SKHCN", "(01/06/2024)", "12/QĐ-SKHCN"} <= words
