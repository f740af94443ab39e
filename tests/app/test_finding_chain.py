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
