"""A finding from issued to closed through every role, with one returned plan and one "not effective" (AppTest)."""

from datetime import date

from sqlmodel import Session, select

from qms import actions, db
from qms.models import AuditUnit, CorrectiveAction, Finding, Unit
from tests.app.conftest import by_label, no_errors, sign_in, texts


def open_finding(username, finding_id):
    at = sign_in(username)
    at.switch_page("pages/findings.py")
    at.query_params["finding"] = str(finding_id)
    return at.run()


def click(at, label):
    by_label(at.button, label).click().run()
    shown = texts(at)
    at.run()
    no_errors(at)
    return shown


def _issued_nc(url):
    with Session(db.get_engine(url)) as s:
        return s.exec(select(Finding.id).join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                      .join(Unit, Unit.id == AuditUnit.unit_id)
                      .where(Unit.code == "SKHCN", Finding.status == "issued", Finding.grade.in_(["major", "minor"]),
                             Finding.id.notin_(select(CorrectiveAction.finding_id)))).first()


def test_issued_to_closed_through_every_role(writable_demo_url):
    fid = _issued_nc(writable_demo_url)
    head = open_finding("auditee", fid)
    no_errors(head)
    assert click(head, "Lưu và nộp kế hoạch") == ["Chưa nộp được: hãy ghi việc khắc phục tức thời (sự khắc phục)."]
    by_label(head.text_area, "Khắc phục tức thời").input("Đã trả kết quả và xin lỗi công dân")
    by_label(head.text_input, "Tại sao 1").input("Không có phiếu xin lỗi")
    head.text_input(key=f"act_{fid}_0").input("Tập huấn công chức Một cửa")
    head.text_input(key=f"own_{fid}_0").input("Phó Giám đốc Sở")
    head.date_input(key=f"due_{fid}_0").set_value(date(2026, 12, 15))
    assert click(head, "Lưu và nộp kế hoạch") == ["Đã nộp kế hoạch khắc phục."]

    rep = open_finding("isorep", fid)
    by_label(rep.text_area, "Ý kiến khi trả lại kế hoạch").input("Nguyên nhân chưa đến gốc")
    assert click(rep, "Trả lại kế hoạch") == ["Đã trả lại kế hoạch cho đơn vị."]

    head = open_finding("auditee", fid)
    assert any("Nguyên nhân chưa đến gốc" in w.value for w in head.warning)
    by_label(head.text_input, "Tại sao 2").input("Công chức mới chưa được hướng dẫn sau sắp xếp bộ máy")
    click(head, "Lưu và nộp kế hoạch")
    rep = open_finding("isorep", fid)
    assert click(rep, "Chấp nhận kế hoạch") == ["Đã chấp nhận kế hoạch."]

    def implement(at):
        for form_id in {w.form_id for w in at.text_input if w.label == "Bằng chứng"}:
            by_label(at.text_input, "Bằng chứng", form=form_id).input("Biên bản tập huấn")
            by_label(at.button, "Báo cáo đã hoàn thành", form=form_id).click().run()
            at.run()
        return click(at, "Báo cáo đã thực hiện xong kế hoạch")

    assert implement(open_finding("auditee", fid)) == ["Đã báo cáo thực hiện xong; chờ kiểm tra hiệu lực."]
    rep = open_finding("isorep", fid)
    by_label(rep.radio, "Có hiệu lực").set_value(False)
    by_label(rep.text_area, "Kết quả kiểm tra").input("Tháng 12 vẫn có hồ sơ trễ không có phiếu")
    click(rep, "Ghi kết quả kiểm tra")

    head = open_finding("auditee", fid)
    assert any("Đã mở lại 1 lần" in w.value for w in head.warning)
    head.text_input(key=f"act_{fid}_1").input("Cài nhắc hạn trên phần mềm một cửa")
    head.date_input(key=f"due_{fid}_1").set_value(date(2026, 12, 20))
    click(head, "Lưu nháp")
    implement(open_finding("auditee", fid))
    rep = open_finding("isorep", fid)
    by_label(rep.text_area, "Kết quả kiểm tra").input("Kiểm tra 10 hồ sơ: đúng hạn, có phiếu")
    click(rep, "Ghi kết quả kiểm tra")
    rep = open_finding("isorep", fid)
    assert click(rep, "Đóng phát hiện") == ["Đã đóng phát hiện."]
    with Session(db.get_engine(writable_demo_url)) as s:
        assert s.get(Finding, fid).status == "closed"
        assert actions.chain(s, None, fid)["action"]["reopen_count"] == 1


def test_a_finding_overdue_by_its_actions_says_so_on_its_page_as_in_the_register(demo_url):
    """The page used its own rule (an issued finding past its plan day) and missed a finding whose accepted
    actions are late, which the register and My work marked overdue."""
    from qms import clock, findings
    from qms.i18n import t
    with Session(db.get_engine(demo_url)) as s:
        late = s.exec(select(Finding).where(Finding.status == "plan_accepted", Finding.overdue_from < clock.today())
                      .order_by(Finding.id)).first()
        on_time = s.exec(select(Finding).where(Finding.status != "draft", (Finding.overdue_from >= clock.today())
                                               | Finding.overdue_from.is_(None)).order_by(Finding.id)).first()
        listed = {row["id"]: row["overdue"] for row in findings.rows_for(s, [late.id, on_time.id], clock.today())}
    assert late is not None and on_time is not None and listed[late.id] and not listed[on_time.id]
    for finding, overdue in ((late, True), (on_time, False)):
        at = open_finding("isorep", finding.id)
        no_errors(at)
        status_line = next(m.value for m in at.markdown if m.value.startswith(f"**{t('field.status', 'vi')}:**"))
        assert (t("field.overdue", "vi") in status_line) is overdue, status_line
