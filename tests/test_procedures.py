"""Administrative procedures and their processes, on both databases: a list imported in any layout, its changes
against the register, and the lag each change leaves in the processes until they are reissued."""

import io
from datetime import date, timedelta

import openpyxl
import pytest
from sqlmodel import select

from qms import procedures, processes, settings
from qms.errors import PermissionDenied, ValidationError
from qms.models import Procedure, ProcedureChange, ProcedureUnit, ProcessIssue

TODAY = date(2026, 12, 6)


def workbook(rows: list[list], header=("STT", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Cấp thực hiện",
                                       "Tình trạng", "Ngày hiệu lực"), title_rows: int = 0) -> bytes:
    """A list as agencies receive it: a title line or two, a header in Vietnamese, one procedure a row."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Danh mục TTHC"
    for n in range(title_rows):
        ws.append([f"DANH MỤC THỦ TỤC HÀNH CHÍNH (dòng tiêu đề {n + 1})"])
    ws.append(list(header))
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


LIST = [["1.001193", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã", "", "01/07/2025"],
        ["1.001022", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã", "", "01/07/2025"],
        ["2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", "Cấp xã", "", "01/07/2025"]]


def imported(session, actor, unit, raw, **decision):
    entries, problems = procedures.read_workbook(raw, header_row=decision.pop("header_row", 1), **decision)
    assert problems == []
    return procedures.apply(session, actor, unit, entries, source="test.xlsx")


def test_a_list_in_the_agencies_layout_imports_once_and_again_changes_nothing(session, org):
    raw = workbook(LIST, title_rows=2)
    entries, problems = procedures.read_workbook(raw, header_row=3, decision_number="15/QĐ-UBND",
                                                 decision_date=date(2025, 6, 20))
    assert problems == [] and [e.code for e in entries] == ["1.001193", "1.001022", "2.000908"]
    assert entries[0].effective_date == date(2025, 7, 1) and entries[0].decision_number == "15/QĐ-UBND"
    seen = procedures.preview(session, org["rep"], org["a"], entries)
    assert (len(seen.new), len(seen.amended), len(seen.abolished), seen.unchanged) == (3, 0, 0, 0)
    assert session.exec(select(Procedure)).all() == []  # the preview saved nothing
    assert procedures.apply(session, org["rep"], org["a"], entries) == {"new": 3, "amended": 0, "abolished": 0,
                                                                        "unchanged": 0}
    assert procedures.apply(session, org["rep"], org["a"], entries) == {"new": 0, "amended": 0, "abolished": 0,
                                                                        "unchanged": 3}
    assert len(session.exec(select(ProcedureChange)).all()) == 3
    # The same procedure in another unit's list is new to that unit, not a second procedure.
    assert imported(session, org["rep"], org["b"], workbook(LIST[:1]))["new"] == 1
    assert len(session.exec(select(Procedure)).all()) == 3
    assert len(session.exec(select(ProcedureUnit)).all()) == 4


def test_an_amending_decision_amends_abolishes_and_the_rows_it_cannot_read_are_named(session, org):
    imported(session, org["rep"], org["a"], workbook(LIST))
    amending = workbook([["1.001193", "Đăng ký khai sinh (sửa đổi thành phần hồ sơ)", "Hộ tịch", "Cấp xã",
                          "Sửa đổi, bổ sung", "15/11/2026"],
                         ["2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", "Cấp xã", "Bãi bỏ",
                          "15/11/2026"],
                         ["1.004227", "Đăng ký khai tử", "Hộ tịch", "Cấp xã", "Ban hành mới", "15/11/2026"],
                         ["TTHC-01", "Mã sai", "Hộ tịch", "", "", ""],
                         ["1.009999", "Ngày sai", "Hộ tịch", "", "", "31/02/2026"]])
    entries, problems = procedures.read_workbook(amending, decision_number="1234/QĐ-UBND")
    assert [(p.line, p.key) for p in problems] == [(5, "procedures.err.code"), (6, "procedures.err.date")]
    seen = procedures.preview(session, org["rep"], org["a"], entries)
    assert [r["code"] for r in seen.new] == ["1.004227"]
    assert [r["code"] for r in seen.amended] == ["1.001193"]
    assert [r["code"] for r in seen.abolished] == ["2.000908"]
    procedures.apply(session, org["rep"], org["a"], entries)
    stored = {p.code: p for p in session.exec(select(Procedure)).all()}
    assert stored["1.001193"].status == "amended" and stored["1.001193"].effective_date == date(2026, 11, 15)
    assert stored["1.001193"].decision_number == "1234/QĐ-UBND"
    assert stored["2.000908"].status == "abolished"
    assert procedures.preview(session, org["rep"], org["a"], entries).changes == 0  # idempotent
    history = procedures.history(session, org["viewer"], stored["1.001193"].id)
    assert [h["kind"] for h in history] == ["amended", "new"]


def _setup(session, org):
    """Unit SKHCN with three procedures: two covered by one process issued 1 Sep 2026, one by none."""
    imported(session, org["rep"], org["a"], workbook(LIST))
    ids = {p.code: p.id for p in session.exec(select(Procedure)).all()}
    process = processes.create(session, org["auditee"], unit_id=org["a"], code="QT-01/HT", title="Quy trình hộ tịch",
                               issue_no="01", issued_on=date(2026, 9, 1),
                               procedure_ids=[ids["1.001193"], ids["1.001022"]])
    return ids, process


def test_lag_rules_at_the_allowance_boundary(session, org):
    ids, process = _setup(session, org)
    flags = processes.flags(session, org["rep"], TODAY)
    assert [(f.kind, f.procedure.split(" – ")[0]) for f in flags] == [("no_process", "2.000908")]
    # A decision amends one covered procedure, effective 30 days before today: still within the allowance.
    changed = TODAY - timedelta(days=30)
    imported(session, org["rep"], org["a"], workbook([["1.001193", "Đăng ký khai sinh (mới)", "Hộ tịch", "Cấp xã",
                                                       "Sửa đổi", changed.strftime("%d/%m/%Y")]]))
    assert [f.kind for f in processes.flags(session, org["rep"], TODAY)] == ["no_process"]
    late = processes.flags(session, org["rep"], TODAY + timedelta(days=1))
    assert [(f.kind, f.process_id, f.days_late, f.since) for f in late if f.kind == "late"] == [
        ("late", process, 1, changed)]
    settings.update(session, None, {"process_allowance_days": 0})
    assert [f.days_late for f in processes.flags(session, org["rep"], TODAY) if f.kind == "late"] == [30]
    # Reissued after the change: no longer late; the earlier issue is kept.
    version = processes.detail(session, org["rep"], process)["version"]
    processes.reissue(session, org["auditee"], process, expected_version=version, issue_no="02",
                      issued_on=TODAY - timedelta(days=2), title="Quy trình hộ tịch",
                      procedure_ids=[ids["1.001193"], ids["1.001022"], ids["2.000908"]])
    assert processes.flags(session, org["rep"], TODAY) == []
    assert [i["issue_no"] for i in processes.detail(session, org["viewer"], process)["issues"]] == ["02", "01"]
    assert len(session.exec(select(ProcessIssue)).all()) == 2


def test_a_process_covering_only_abolished_procedures_is_flagged_and_one_abolished_among_others_is_not(session, org):
    ids, process = _setup(session, org)
    other = processes.create(session, org["rep"], unit_id=org["a"], code="QT-02/CT", title="Quy trình chứng thực",
                             issue_no="01", issued_on=date(2026, 9, 1), procedure_ids=[ids["2.000908"]])
    imported(session, org["rep"], org["a"], workbook([
        ["2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", "Cấp xã", "Bãi bỏ", "01/10/2026"],
        ["1.001022", "Đăng ký kết hôn", "Hộ tịch", "Cấp xã", "Bãi bỏ", "01/10/2026"]]))
    flags = processes.flags(session, org["rep"], TODAY)
    assert [(f.kind, f.process_id) for f in flags] == [("obsolete", other)]
    processes.withdraw(session, org["rep"], other, expected_version=1)
    assert processes.flags(session, org["rep"], TODAY) == []


def test_a_procedure_covered_by_a_process_of_the_unit_above_is_not_flagged(session, org):
    imported(session, org["rep"], org["a_div"], workbook(LIST[:1]))
    pid = session.exec(select(Procedure.id)).one()
    assert [f.kind for f in processes.flags(session, org["rep"], TODAY)] == ["no_process"]
    processes.create(session, org["rep"], unit_id=org["a"], code="QT-03", title="Quy trình chung của Sở",
                     issue_no="01", issued_on=date(2026, 1, 5), procedure_ids=[pid])
    assert processes.flags(session, org["rep"], TODAY) == []


def test_the_unit_head_keeps_their_own_units_processes_the_iso_secretary_all(session, org):
    ids, process = _setup(session, org)  # created by the auditee of SKHCN
    entries, _ = procedures.read_workbook(workbook(LIST))
    with pytest.raises(PermissionDenied):  # SNV is not the auditee's unit
        procedures.preview(session, org["auditee"], org["b"], entries)
    with pytest.raises(PermissionDenied):
        processes.create(session, org["auditee"], unit_id=org["b"], code="QT-09", title="x", issue_no="01",
                         issued_on=date(2026, 1, 1), procedure_ids=[])
    for outsider in (org["viewer"], org["lead"]):
        with pytest.raises(PermissionDenied):
            processes.reissue(session, outsider, process, expected_version=1, issue_no="02",
                              issued_on=TODAY, title="x", procedure_ids=[])
    processes.reissue(session, org["rep"], process, expected_version=1, issue_no="02", issued_on=TODAY,
                      title="Quy trình hộ tịch", procedure_ids=[ids["1.001193"]])
    with pytest.raises(ValidationError) as err:  # the auditee's screen still showed version 1
        processes.reissue(session, org["auditee"], process, expected_version=1, issue_no="03", issued_on=TODAY,
                          title="x", procedure_ids=[])
    assert err.value.key == "processes.err.changed"
    with pytest.raises(ValidationError) as err:
        processes.create(session, org["rep"], unit_id=org["a"], code="QT-01/HT", title="x", issue_no="01",
                         issued_on=TODAY, procedure_ids=[])
    assert err.value.key == "processes.err.code_taken"
    # Everyone reads; the auditee of SKHCN sees the lag of their own unit.
    assert processes.listing(session, org["viewer"])["rows"][0]["code"] == "QT-01/HT"
    assert {f.unit_id for f in processes.flags(session, org["auditee"], TODAY)} <= {org["a"]}


def test_on_audit_day_the_units_flags_are_listed_and_one_becomes_a_draft_finding_in_one_step(session, org):
    from qms import clock, findings, planning
    from qms.models import Finding
    ids, process = _setup(session, org)
    imported(session, org["rep"], org["a"], workbook([["1.001193", "Đăng ký khai sinh (mới)", "Hộ tịch", "Cấp xã",
                                                       "Sửa đổi", "01/10/2026"]]))
    today = clock.today()
    audited = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    flags = findings.process_flags(session, org["lead"], audited, today)
    late = next(f for f in flags if f["kind"] == "late")
    raised = findings.raise_from_flag(session, org["lead"], audited, today, kind="late",
                                      procedure_id=late["procedure_id"], process_id=process)
    finding = session.get(Finding, raised)
    assert (finding.clause, finding.grade, finding.status, finding.created_by_id) == ("7.5.2", "minor", "draft",
                                                                                      org["lead"])
    assert "QT-01/HT" in finding.statement and "1.001193" in finding.statement
    assert findings.raise_from_flag(session, org["lead"], audited, today, kind="late",
                                    procedure_id=late["procedure_id"], process_id=process) == raised  # not twice
    with pytest.raises(PermissionDenied):  # not on the unit's audit team
        findings.raise_from_flag(session, org["second"], audited, today, kind="late",
                                 procedure_id=late["procedure_id"], process_id=process)
    processes.reissue(session, org["rep"], process, expected_version=1, issue_no="02", issued_on=today,
                      title="Quy trình hộ tịch", procedure_ids=[ids["1.001193"], ids["1.001022"]])
    from qms.errors import NotFound
    with pytest.raises(NotFound):  # reissued meanwhile: the flag is gone
        findings.raise_from_flag(session, org["lead"], audited, today, kind="late",
                                 procedure_id=late["procedure_id"], process_id=process)


def test_an_amendment_keeps_what_changed_with_its_decision(session, org):
    imported(session, org["rep"], org["a"], workbook(LIST))
    imported(session, org["rep"], org["a"], workbook([["1.001022", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch",
                                                       "Cấp tỉnh", "Sửa đổi", "01/11/2026"]]), decision_number="9/QĐ")
    change = session.exec(select(ProcedureChange).where(ProcedureChange.kind == "amended")).one()
    assert change.decision_number == "9/QĐ" and change.effective_date == date(2026, 11, 1)
    assert change.changes == {"name": ["Đăng ký kết hôn", "Đăng ký kết hôn có yếu tố nước ngoài"],
                              "level": ["Cấp xã", "Cấp tỉnh"]}


def test_the_command_line_lists_the_changes_saves_unless_dry_run_and_names_bad_rows(session, org, db_url, monkeypatch,
                                                                                    tmp_path, capsys):
    from qms.__main__ import main
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    path = tmp_path / "danh-muc.xlsx"
    path.write_bytes(workbook(LIST, title_rows=2))
    assert main(["procedures", "import", str(path), "--unit", "SKHCN", "--decision", "15/QĐ-UBND",
                 "--date", "20/06/2025", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "danh-muc.xlsx:4: Mới 1.001193 Đăng ký khai sinh" in out.splitlines()
    session.expire_all()
    assert session.exec(select(Procedure)).all() == []
    assert main(["procedures", "import", str(path), "--unit", "SKHCN", "--decision", "15/QĐ-UBND",
                 "--date", "20/06/2025"]) == 0
    assert "2.000908" in capsys.readouterr().out  # no process covers it yet: the lag is printed
    session.expire_all()
    assert {p.decision_number for p in session.exec(select(Procedure)).all()} == {"15/QĐ-UBND"}
    path.write_bytes(workbook([["1.0x", "Mã sai", "Hộ tịch", "", "", ""]]))
    assert main(["procedures", "import", str(path), "--unit", "SKHCN"]) == 1
    assert "danh-muc.xlsx:2: “1.0x” không phải là mã thủ tục" in capsys.readouterr().err


def test_each_issue_keeps_its_own_file_and_a_refused_file_saves_no_issue(session, org):
    from qms import attachments
    ids, process = _setup(session, org)
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    processes.reissue(session, org["auditee"], process, expected_version=1, issue_no="02", issued_on=TODAY,
                      title="Quy trình hộ tịch", procedure_ids=[ids["1.001193"]], file=("QT-01 lần 2.pdf", pdf))
    with pytest.raises(ValidationError):  # an executable named .pdf: refused by its content
        processes.reissue(session, org["auditee"], process, expected_version=2, issue_no="03", issued_on=TODAY,
                          title="x", procedure_ids=[], file=("QT-01 lần 3.pdf", b"MZ\x90\x00 not a pdf"))
    session.rollback()
    detail = processes.detail(session, org["viewer"], process)
    assert [i["issue_no"] for i in detail["issues"]] == ["02", "01"] and detail["version"] == 2
    assert detail["issues"][0]["file"]["name"] == "QT-01 lần 2.pdf" and detail["issues"][1]["file"] is None
    name, mime, data = attachments.content(session, org["viewer"], detail["issues"][0]["file"]["id"])
    assert (name, mime, data) == ("QT-01 lần 2.pdf", "application/pdf", pdf)


def test_flags_narrow_by_kind_and_by_words_without_accents(session, org):
    _setup(session, org)
    found = processes.flags(session, org["rep"], TODAY)
    assert [f.procedure for f in processes.narrow(found, term="chung thuc")] == [
        "2.000908 – Chứng thực bản sao từ bản chính"]
    assert processes.narrow(found, kind="late") == [] and processes.narrow(found, term="khong co") == []


def test_a_unit_head_cannot_change_a_procedure_that_another_units_register_holds(session, org):
    imported(session, org["rep"], org["b"], workbook(LIST))  # SNV handles the three procedures
    changing = workbook([["1.001193", "Đăng ký khai sinh (tên mới)", "Hộ tịch", "Cấp xã", "Sửa đổi", "01/11/2026"],
                         ["2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", "Cấp xã", "Bãi bỏ",
                          "01/11/2026"],
                         ["1.004227", "Đăng ký khai tử", "Hộ tịch", "Cấp xã", "", "01/11/2026"]])
    entries, _ = procedures.read_workbook(changing)
    seen = procedures.preview(session, org["auditee"], org["a"], entries)  # the head of SKHCN, not of SNV
    assert [(p.line, p.key) for p in seen.problems] == [(2, "procedures.err.shared"), (3, "procedures.err.shared")]
    with pytest.raises(ValidationError):
        procedures.apply(session, org["auditee"], org["a"], entries)
    session.expire_all()
    stored = {p.code: p for p in session.exec(select(Procedure)).all()}
    assert stored["1.001193"].name == "Đăng ký khai sinh" and stored["2.000908"].status == "in_force"
    # Adding procedures to their own register, and the unchanged ones, is theirs to do.
    assert procedures.apply(session, org["auditee"], org["a"], procedures.read_workbook(workbook(LIST))[0])["new"] == 3
    # The ISO secretary changes what every unit holds.
    assert procedures.apply(session, org["rep"], org["a"], entries)["amended"] == 1


def test_a_later_amendment_does_not_hide_how_late_a_process_already_is(session, org):
    imported(session, org["rep"], org["a"], workbook(LIST))
    pid = session.exec(select(Procedure.id).where(Procedure.code == "1.001193")).one()
    process = processes.create(session, org["rep"], unit_id=org["a"], code="QT-A", title="Hộ tịch", issue_no="01",
                               issued_on=date(2025, 8, 1), procedure_ids=[pid])
    for day, name in ((date(2026, 2, 1), "Đăng ký khai sinh (lần 1)"), (date(2026, 10, 1), "Đăng ký khai sinh (lần 2)")):
        imported(session, org["rep"], org["a"], workbook([["1.001193", name, "Hộ tịch", "Cấp xã", "Sửa đổi",
                                                           day.strftime("%d/%m/%Y")]]))
    late = [f for f in processes.flags(session, org["rep"], TODAY) if f.kind == "late"]
    assert [(f.process_id, f.since, f.days_late) for f in late] == [
        (process, date(2026, 2, 1), (TODAY - date(2026, 2, 1)).days - 30)]


def test_an_older_list_imported_after_a_newer_decision_changes_nothing(session, org):
    imported(session, org["rep"], org["a"], workbook(LIST))
    imported(session, org["rep"], org["a"], workbook([
        ["1.001193", "Đăng ký khai sinh (9/QĐ)", "Hộ tịch", "Cấp xã", "Sửa đổi", "01/11/2026"],
        ["2.000908", "Chứng thực bản sao từ bản chính", "Chứng thực", "Cấp xã", "Bãi bỏ", "01/11/2026"]]),
        decision_number="9/QĐ")
    entries, _ = procedures.read_workbook(workbook(LIST))  # the first list (effective 01/07/2025), again
    seen = procedures.preview(session, org["rep"], org["b"], entries)
    assert {r["code"] for r in seen.outdated} == {"1.001193", "2.000908"} and not seen.amended
    procedures.apply(session, org["rep"], org["b"], entries)
    session.expire_all()
    stored = {p.code: p for p in session.exec(select(Procedure)).all()}
    assert (stored["1.001193"].name, stored["1.001193"].effective_date) == ("Đăng ký khai sinh (9/QĐ)",
                                                                           date(2026, 11, 1))
    assert stored["2.000908"].status == "abolished"
    # An undated row does not bring an abolished procedure back; a row dated after the abolition does.
    undated, _ = procedures.read_workbook(workbook([["2.000908", "Chứng thực bản sao", "Chứng thực", "", "", ""]]))
    assert procedures.preview(session, org["rep"], org["a"], undated).outdated
    later, _ = procedures.read_workbook(workbook([["2.000908", "Chứng thực bản sao", "Chứng thực", "", "Ban hành mới",
                                                   "02/12/2026"]]))
    assert [r["code"] for r in procedures.preview(session, org["rep"], org["a"], later).amended] == ["2.000908"]


def test_a_status_is_read_by_the_words_it_begins_with_and_notes_are_not_a_status():
    assert procedures.status_of("Sửa đổi, bổ sung; bãi bỏ thành phần hồ sơ") == "amended"
    assert procedures.status_of("TTHC mới ban hành thay thế TTHC bị bãi bỏ") == "in_force"
    assert procedures.status_of("Bãi bỏ") == "abolished" and procedures.status_of("") == "in_force"
    entries, _ = procedures.read_workbook(workbook([["1.001193", "Đăng ký khai sinh", "Hộ tịch", "Cấp xã",
                                                     "Bãi bỏ giấy tờ phô tô", "01/07/2025"]],
                                                   header=("STT", "Mã TTHC", "Tên TTHC", "Lĩnh vực", "Cấp thực hiện",
                                                           "Ghi chú", "Ngày hiệu lực")))
    assert entries[0].status == "in_force"  # a "Ghi chú" column is a note, not the status


def test_odd_workbooks_group_headings_date_numbers_and_a_header_alone(session, org):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["STT", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Ngày hiệu lực"])
    ws.append(["I", "Lĩnh vực Hộ tịch", None, None, None])  # a group heading merged across the code column
    ws.merge_cells("B2:D2")
    ws.append([1, "1.001193", "Đăng ký khai sinh", "Hộ tịch", 46096])  # a date kept as a number: 15/03/2026
    ws.append([2, 1.00102, "Đăng ký kết hôn", "Hộ tịch", None])  # a code kept as a number: 1.001020
    out = io.BytesIO()
    wb.save(out)
    entries, problems = procedures.read_workbook(out.getvalue())
    assert problems == []
    assert [(e.code, e.effective_date) for e in entries] == [("1.001193", date(2026, 3, 15)), ("1.001020", None)]
    _, problems = procedures.read_workbook(workbook([]))
    assert [p.key for p in problems] == ["checklist.err.no_rows"]


def test_two_saves_of_one_process_at_once_and_a_procedure_of_another_unit(session, org, engine, monkeypatch):
    from sqlmodel import Session

    from qms import changelog
    ids, process = _setup(session, org)
    real, done = changelog.record, []

    def meanwhile(s, *args, **kwargs):  # another screen saves issue 02 just before this one writes
        if not done:
            done.append(1)
            with Session(engine, expire_on_commit=False) as other:
                processes.reissue(other, org["auditee"], process, expected_version=1, issue_no="02",
                                  issued_on=date(2026, 11, 1), title="Hộ tịch (02)", procedure_ids=[ids["1.001193"]])
        return real(s, *args, **kwargs)
    monkeypatch.setattr(changelog, "record", meanwhile)
    with Session(engine, expire_on_commit=False) as mine, pytest.raises(ValidationError) as err:
        processes.reissue(mine, org["rep"], process, expected_version=1, issue_no="03", issued_on=date(2026, 10, 1),
                          title="Hộ tịch (03)", procedure_ids=[ids["1.001193"]])
    assert err.value.key == "processes.err.changed"
    monkeypatch.setattr(changelog, "record", real)
    session.expire_all()
    detail = processes.detail(session, org["rep"], process)
    assert (detail["issue_no"], detail["version"], [i["issue_no"] for i in detail["issues"]]) == ("02", 2, ["02", "01"])
    imported(session, org["rep"], org["b"], workbook([["1.004227", "Đăng ký khai tử", "Hộ tịch", "", "", ""]]))
    other_units = session.exec(select(Procedure.id).where(Procedure.code == "1.004227")).one()
    with pytest.raises(ValidationError) as err:  # SNV's procedure in a process of SKHCN
        processes.reissue(session, org["auditee"], process, expected_version=2, issue_no="03", issued_on=TODAY,
                          title="x", procedure_ids=[ids["1.001193"], other_units])
    assert err.value.key == "processes.err.not_handled"


def test_a_unit_holding_procedures_or_a_reported_status_is_not_deleted(session, org):
    from qms import overview, units
    ward = units.create_unit(session, org["admin"], "P-MOI", "UBND phường Mới", "ward", org["root"])
    imported(session, org["rep"], ward, workbook(LIST[:1]))
    other = units.create_unit(session, org["admin"], "X-MOI", "UBND xã Mới", "commune", org["root"])
    overview.record_review(session, org["rep"], other, held_on=date(2026, 10, 1))
    for unit in (ward, other):
        with pytest.raises(ValidationError) as err:  # was an IntegrityError from the database
            units.delete_unit(session, org["admin"], unit)
        assert err.value.key == "error.unit_has_records"
