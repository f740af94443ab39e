"""Audit day without a network: the workbook goes out, is filled as Excel would save it, and comes back in, on both
databases. What was typed is what is stored; nothing is overwritten without the auditor's choice; a tampered
workbook changes nothing."""

import io
from datetime import date

import openpyxl
import pytest
from sqlmodel import select

from qms import changelog, offline, planning, responses
from qms.errors import PermissionDenied, ValidationError
from qms.models import Audit, AuditStatus, Response

COL = {name: n for n, name in enumerate(offline.COLUMNS, start=1)}


@pytest.fixture
def unit(session, org):
    return planning.plan_unit(session, org["rep"], org["audit"], org["b"], date(2026, 11, 5), [org["second"]])


def fill(raw: bytes, rows: dict[int, dict]) -> bytes:
    """Type into the workbook as a person would in Excel (row index from 0 = first question), and save it."""
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb[offline.SHEET]
    for index, values in rows.items():
        for name, value in values.items():
            ws.cell(row=index + 2, column=COL[name], value=value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def stored(session, unit: int) -> dict[int, tuple]:
    session.expire_all()
    return {r.item_id: (r.result, r.evidence, r.records_sampled, r.interviewed, r.version, r.answered_by_id)
            for r in session.exec(select(Response).where(Response.audit_unit_id == unit)).all()}


def test_round_trip_stores_exactly_what_was_typed(session, org, unit):
    raw = offline.export(session, org["second"], lang="vi", audit_unit_id=unit)
    items = [r["id"] for r in responses.sheet(session, unit)]
    filled = fill(raw, {0: {"result": "Phù hợp", "evidence": "Sổ tay chất lượng bản 3, ban hành 02/2026"},
                        1: {"result": "Không phù hợp nhẹ", "evidence": "Thiếu phiếu kiểm soát", "records_sampled": "HS-12",
                            "interviewed": "Bà Lan, văn thư"},
                        2: {"result": "Observation", "evidence": "- gạch đầu dòng, không phải công thức"}})
    seen = offline.preview(session, org["second"], filled)
    assert (len(seen.new), len(seen.changed), len(seen.conflicts), seen.refused) == (3, 0, 0, [])
    assert seen.unchanged == len(items) - 3
    assert stored(session, unit) == {}  # a preview saves nothing
    done = offline.apply(session, org["second"], filled)
    assert done["saved"] == 3
    assert stored(session, unit) == {
        items[0]: ("conform", "Sổ tay chất lượng bản 3, ban hành 02/2026", "", "", 1, org["second"]),
        items[1]: ("nc_minor", "Thiếu phiếu kiểm soát", "HS-12", "Bà Lan, văn thư", 1, org["second"]),
        items[2]: ("observation", "- gạch đầu dòng, không phải công thức", "", "", 1, org["second"])}
    response = session.exec(select(Response).where(Response.item_id == items[1])).one()
    assert changelog.history(session, "response", response.id)[0]["user_id"] == org["second"]
    # The same workbook again changes nothing.
    again = offline.preview(session, org["second"], filled)
    assert (len(again.new), len(again.changed), len(again.conflicts), again.refused) == (0, 0, 0, [])
    before = stored(session, unit)
    assert offline.apply(session, org["second"], filled)["saved"] == 0
    assert stored(session, unit) == before


def test_an_answer_changed_on_the_server_is_a_conflict_and_never_overwritten_without_a_choice(session, org, unit):
    items = [r["id"] for r in responses.sheet(session, unit)]
    responses.save(session, org["second"], unit, items[0], {"result": "conform", "evidence": "Trước khi tải"}, 0)
    raw = offline.export(session, org["second"], lang="vi", audit_unit_id=unit)
    # Meanwhile the lead, on the server, changes the same answer.
    responses.save(session, org["lead"], unit, items[0], {"result": "nc_minor", "evidence": "Trưởng đoàn sửa"}, 1)
    filled = fill(raw, {0: {"result": "Cơ hội cải tiến", "evidence": "Ghi trên giấy"},
                        1: {"result": "Phù hợp", "evidence": "Có"}})
    seen = offline.preview(session, org["second"], filled)
    assert [c["item_id"] for c in seen.conflicts] == [items[0]] and len(seen.new) == 1
    conflict = seen.conflicts[0]
    assert conflict["mine"]["result"] == "ofi" and conflict["theirs"]["evidence"] == "Trưởng đoàn sửa"
    before = stored(session, unit)
    with pytest.raises(ValidationError) as err:
        offline.apply(session, org["second"], filled)
    assert err.value.key == "offline.err.choose"
    assert stored(session, unit) == before
    offline.apply(session, org["second"], filled, {conflict["row"]: ("theirs", conflict["version"])})
    after = stored(session, unit)
    assert after[items[0]][:2] == ("nc_minor", "Trưởng đoàn sửa") and after[items[1]][:2] == ("conform", "Có")
    # Keeping the workbook's answer is a choice too, and it says who made it.
    seen = offline.preview(session, org["second"], filled)
    offline.apply(session, org["second"], filled, {seen.conflicts[0]["row"]: ("mine", seen.conflicts[0]["version"])})
    assert stored(session, unit)[items[0]][:2] + stored(session, unit)[items[0]][5:] == ("ofi", "Ghi trên giấy",
                                                                                          org["second"])


def test_a_choice_made_against_an_answer_saved_over_since_is_refused_and_the_newer_answer_kept(session, org, unit):
    items = [r["id"] for r in responses.sheet(session, unit)]
    raw = offline.export(session, org["second"], lang="vi", audit_unit_id=unit)
    responses.save(session, org["lead"], unit, items[0], {"result": "nc_minor", "evidence": "Trưởng đoàn (X)"}, 0)
    filled = fill(raw, {0: {"result": "Phù hợp", "evidence": "Trên giấy"}})
    conflict = offline.preview(session, org["second"], filled).conflicts[0]
    # The auditor reads X beside the workbook's answer and chooses the workbook's; before the tap on Confirm, the lead
    # saves Y over X. The choice was not about Y: it must not overwrite it.
    responses.save(session, org["lead"], unit, items[0], {"result": "nc_major", "evidence": "Trưởng đoàn (Y)"}, 1)
    with pytest.raises(ValidationError) as err:
        offline.apply(session, org["second"], filled, {conflict["row"]: ("mine", conflict["version"])})
    assert err.value.key == "offline.err.moved"
    assert stored(session, unit)[items[0]][:2] == ("nc_major", "Trưởng đoàn (Y)")


def test_an_import_from_one_audits_screen_refuses_the_rows_of_another_audit(session, org, unit):
    other_audit = planning.create_audit(session, org["rep"], 2026, "Đợt 2", org["checklist"], date(2026, 12, 1),
                                        date(2026, 12, 20), org["lead"], [org["lead"]])
    elsewhere = planning.plan_unit(session, org["rep"], other_audit, org["a"], date(2026, 12, 2), [org["lead"]])
    filled = fill(offline.export(session, org["lead"], lang="vi", audit_unit_id=elsewhere),
                  {0: {"result": "Phù hợp", "evidence": "Đợt 2"}})
    # The lead may answer there, so the command line (no audit given) accepts it ...
    assert len(offline.preview(session, org["lead"], filled).new) == 1
    # ... but the tab of the first audit does not take a workbook of the second.
    seen = offline.preview(session, org["lead"], filled, audit_id=org["audit"])
    assert {r["key"] for r in seen.refused} == {"offline.err.other_audit", "offline.err.unit_refused"}
    assert not seen.new
    with pytest.raises(ValidationError):
        offline.apply(session, org["lead"], filled, audit_id=org["audit"])
    assert stored(session, elsewhere) == {}


def test_text_may_begin_with_an_equals_sign_a_real_formula_may_not_and_emptied_rows_are_said_to_be_ignored(
        session, org, unit):
    items = [r["id"] for r in responses.sheet(session, unit)]
    responses.save(session, org["second"], unit, items[2], {"result": "conform", "evidence": "Có"}, 0)
    raw = offline.export(session, org["second"], lang="vi", audit_unit_id=unit)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb[offline.SHEET]
    assert ws.cell(row=2, column=COL["evidence"]).number_format == "@"  # Excel keeps "1/2" as typed
    ws.cell(row=2, column=COL["result"], value="Phù hợp")
    text = ws.cell(row=2, column=COL["evidence"])
    text.value, text.data_type, text.quotePrefix = "= 3/5 hồ sơ đủ", "s", True  # typed as '= 3/5 … in Excel
    ws.cell(row=3, column=COL["result"], value="Phù hợp")
    ws.cell(row=3, column=COL["evidence"], value="=1+1")
    assert ws.cell(row=3, column=COL["evidence"]).data_type == "f"
    for name in offline.FILLED:  # the third question's answer cleared in the workbook
        ws.cell(row=4, column=COL[name]).value = None  # (ws.cell(value=None) would leave the value as it is)
    out = io.BytesIO()
    wb.save(out)
    seen = offline.preview(session, org["second"], out.getvalue())
    assert [(r["row"], r["key"]) for r in seen.refused] == [(3, "offline.err.formula")]
    assert [e["mine"]["evidence"] for e in seen.new] == ["= 3/5 hồ sơ đủ"]
    assert seen.emptied == 1 and not seen.changed  # not counted among the answers to save


def test_raising_findings_after_an_import_skips_answers_no_longer_graded(session, org, unit):
    from qms import findings
    from qms.models import Finding
    items = [r["id"] for r in responses.sheet(session, unit)]
    filled = fill(offline.export(session, org["second"], lang="vi", audit_unit_id=unit),
                  {0: {"result": "Không phù hợp nhẹ", "evidence": "Thiếu"}, 1: {"result": "Điểm lưu ý", "evidence": "Ít"}})
    graded = offline.apply(session, org["second"], filled)["graded"]
    assert len(graded) == 2
    responses.save(session, org["second"], unit, items[1], {"result": "conform", "evidence": "Đã bổ sung"}, 1)
    raised = findings.raise_from_responses(session, org["second"], graded)
    assert len(raised) == 1
    assert [f.response_id for f in session.exec(select(Finding)).all()] == [graded[0]]


def test_a_tampered_workbook_is_refused_row_by_row_and_changes_nothing(session, org, unit, make_user):
    other_audit = planning.create_audit(session, org["rep"], 2026, "Đợt 2", org["checklist"], date(2026, 12, 1),
                                        date(2026, 12, 20), org["lead"], [org["lead"]])
    elsewhere = planning.plan_unit(session, org["rep"], other_audit, org["a"], date(2026, 12, 2), [org["lead"]])
    foreign = openpyxl.load_workbook(io.BytesIO(offline.export(session, org["lead"], lang="en",
                                                               audit_unit_id=elsewhere)))[offline.SHEET]
    raw = offline.export(session, org["second"], lang="vi", audit_unit_id=unit)
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb[offline.SHEET]
    ws.cell(row=2, column=COL["item"], value=ws.cell(row=3, column=COL["item"]).value)  # an id typed over
    ws.cell(row=3, column=COL["result"], value="Tốt lắm")  # not in the list
    ws.cell(row=4, column=COL["result"], value="Phù hợp")
    ws.cell(row=4, column=COL["evidence"], value="=HYPERLINK(\"http://127.0.0.1:9/\",\"xem\")")  # a formula
    last = ws.max_row + 1
    for col in range(1, len(offline.COLUMNS) + 1):  # a row of another audit's workbook, pasted in
        ws.cell(row=last, column=col, value=foreign.cell(row=2, column=col).value)
    ws.cell(row=last, column=COL["result"], value="Conform")
    out = io.BytesIO()
    wb.save(out)
    seen = offline.preview(session, org["second"], out.getvalue())
    assert {(r["row"], r["key"]) for r in seen.refused} == {
        (2, "offline.err.tampered"), (3, "offline.err.result"), (4, "offline.err.formula"),
        (last, "error.not_assigned")}
    with pytest.raises(PermissionDenied) as err:  # the row of a unit not ours is refused as on screen
        offline.apply(session, org["second"], out.getvalue())
    assert err.value.key == "error.not_assigned"
    ws.delete_rows(last)
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as err:  # the rest still refuses the whole workbook
        offline.apply(session, org["second"], out.getvalue())
    assert err.value.key == "offline.err.refused_rows" and err.value.params == {"n": 3}
    assert stored(session, unit) == {} and stored(session, elsewhere) == {}


def test_only_an_auditor_of_the_unit_imports_and_only_while_the_audit_is_open(session, org, unit):
    raw = fill(offline.export(session, org["second"], lang="vi", audit_unit_id=unit),
               {0: {"result": "Phù hợp", "evidence": "Có"}})
    for outsider in (org["viewer"], org["auditee"], org["rep"]):
        assert {r["key"] for r in offline.preview(session, outsider, raw).refused} <= {
            "error.permission_denied", "error.not_assigned", "offline.err.unit_refused"}
        assert offline.preview(session, outsider, raw).refused
    audit = session.get(Audit, org["audit"])
    audit.status = AuditStatus.completed  # as completion.complete leaves it, without answering 176 questions first
    session.add(audit)
    session.commit()
    assert {r["key"] for r in offline.preview(session, org["second"], raw).refused} >= {"error.audit_locked"}
    assert stored(session, unit) == {}


def test_a_whole_audit_in_one_workbook_and_results_in_either_language(session, org, unit):
    second_unit = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 6), [org["lead"]])
    raw = offline.export(session, org["lead"], lang="en", audit_id=org["audit"])  # the lead may answer for both
    ws = openpyxl.load_workbook(io.BytesIO(raw))[offline.SHEET]
    units = {ws.cell(row=r, column=COL["audit_unit"]).value for r in range(2, ws.max_row + 1)}
    assert units == {unit, second_unit}
    assert ws.protection.sheet and ws.column_dimensions["A"].hidden
    assert not ws.cell(row=2, column=COL["evidence"]).protection.locked
    assert ws.cell(row=2, column=COL["question"]).protection.locked
    filled = fill(raw, {0: {"result": "Minor nonconformity", "evidence": "x"},
                        1: {"result": "phù hợp", "evidence": "y"}})
    assert len(offline.preview(session, org["lead"], filled).new) == 2


def test_a_file_that_is_not_our_workbook_is_refused_whole(session, org):
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationError) as err:
        offline.preview(session, org["second"], out.getvalue())
    assert err.value.key == "offline.err.not_ours"
    with pytest.raises(ValidationError):
        offline.preview(session, org["second"], b"not a zip")


def test_the_command_line_lists_the_rows_saves_only_when_told_and_takes_a_choice_per_conflict(
        session, org, unit, db_url, monkeypatch, tmp_path, capsys):
    from qms.__main__ import main
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    code = session.get(Audit, org["audit"]).code
    path = tmp_path / "phieu.xlsx"
    assert main(["answers", "export", code, "--user", "second", "--unit", "SNV", "-o", str(path)]) == 0
    items = [r["id"] for r in responses.sheet(session, unit)]
    responses.save(session, org["lead"], unit, items[0], {"result": "conform", "evidence": "Trên máy chủ"}, 0)
    path.write_bytes(fill(path.read_bytes(), {0: {"result": "Điểm lưu ý", "evidence": "Trên giấy"},
                                              1: {"result": "Phù hợp", "evidence": "Có"}}))
    capsys.readouterr()
    assert main(["answers", "import", str(path), "--user", "second"]) == 1  # a conflict without a choice
    out = capsys.readouterr()
    assert ("phieu.xlsx:2: 4.1 xung đột — trong phiếu: Điểm lưu ý: Trên giấy; trên máy chủ (Lead): Phù hợp: "
            "Trên máy chủ") in out.out.splitlines()
    assert "--keep" in out.err
    assert main(["answers", "import", str(path), "--user", "second", "--row", "2=theirs"]) == 0
    assert "--yes" in capsys.readouterr().out
    assert stored(session, unit)[items[0]][:2] == ("conform", "Trên máy chủ") and items[1] not in stored(session, unit)
    assert main(["answers", "import", str(path), "--user", "second", "--row", "2=theirs", "--yes"]) == 0
    assert stored(session, unit)[items[1]][:2] == ("conform", "Có")
    assert stored(session, unit)[items[0]][:2] == ("conform", "Trên máy chủ")
    ws = openpyxl.load_workbook(path)
    ws[offline.SHEET].cell(row=3, column=COL["result"], value="Rất tốt")
    ws.save(path)
    assert main(["answers", "import", str(path), "--user", "second", "--keep", "mine", "--yes"]) == 1
    assert "phieu.xlsx:3: Kết quả “Rất tốt” không có trong danh sách." in capsys.readouterr().err
    assert main(["answers", "import", str(path), "--user", "viewer", "--yes"]) == 1


def test_a_workbook_over_the_answers_limits_is_refused_before_it_is_read(session, org, unit, monkeypatch):
    from qms import limits
    raw = offline.export(session, org["second"], lang="vi", audit_unit_id=unit)
    assert offline.preview(session, org["second"], raw).unchanged > 100  # within limits.answers(): read
    monkeypatch.setattr(limits, "answers", lambda: limits.ImportLimits(file_mb=10, rows=20, columns=20))
    with pytest.raises(ValidationError) as err:
        offline.preview(session, org["second"], raw)
    assert err.value.key == "error.xlsx_too_many_rows"
