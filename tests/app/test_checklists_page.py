"""Checklists and tailoring screens through AppTest."""

import pytest
from sqlmodel import Session, select

from qms import db
from qms.models import Audit, Checklist, ClauseExclusion
from tests.app.conftest import by_label, no_errors, sign_in
from qms.i18n import t
from tests.conftest import tiny_checklist
from tests.markdown_text import shown

# Reading an uploaded file does not touch the database: once is enough.
SQLITE_ONLY = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)


def test_search_without_accents_and_versions(demo_url):
    at = sign_in("auditor")
    at.switch_page("pages/checklists.py").run()
    no_errors(at)
    assert "176" in at.caption[0].value or any("176" in c.value for c in at.caption)
    at.text_input(key="checklist_search").input("phieu xin loi").run()
    no_errors(at)
    shown = [e.label for e in at.expander]
    assert shown and all("(0)" not in label for label in shown)
    assert len(shown) < 20
    assert not [tab for tab in at.tabs if tab.label == "Nhập"]  # auditors read, they do not import


def test_iso_rep_sees_import_and_english_titles(demo_url):
    at = sign_in("isorep", lang="en")
    at.switch_page("pages/checklists.py").run()
    no_errors(at)
    assert [tab.label for tab in at.tabs] == ["Questions", "Versions", "Export", "Import"]
    assert any(shown(e.label).startswith("4.1 Understanding the organization") for e in at.expander)


def test_saving_the_proposed_scope_keeps_8_3_with_its_justification(writable_demo_url):
    at = sign_in("isorep")
    at.switch_page("pages/programme.py").run()
    no_errors(at)
    with Session(db.get_engine(writable_demo_url)) as s:
        audit = s.exec(select(Audit).where(Audit.status == "in_progress")).one()
    by_label(at.selectbox, "Cuộc đánh giá").select(audit.id).run()
    by_label(at.button, "Lưu").click().run()
    at.run()
    no_errors(at)
    with Session(db.get_engine(writable_demo_url)) as s:
        saved = s.exec(select(ClauseExclusion).where(ClauseExclusion.audit_id == audit.id)).all()
    assert {e.clause for e in saved} == {f"8.3.{n}" for n in range(1, 7)}  # the proposed defaults, saved
    assert all(e.justification for e in saved)


def test_a_bad_bundled_file_is_listed_with_its_problems(demo_url, tmp_path, monkeypatch):
    import shutil

    from qms import config
    for path in config.CHECKLIST_DIR.glob("*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "hong.yaml").write_text("id: x\nversion: [1\n", encoding="utf-8")
    monkeypatch.setattr(config, "CHECKLIST_DIR", tmp_path)
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    no_errors(at)
    assert shown(at.expander[0].label) == "Tệp hong.yaml có lỗi nên không được nạp"
    assert any("176" in c.value for c in at.caption)  # the good files are there as usual


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet(*rows: list, title: str = "Sheet") -> bytes:
    """A workbook of one sheet holding these rows, as a person's own checklist would be."""
    import io

    import openpyxl
    wb = openpyxl.Workbook()
    wb.active.title = title
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _workbook(rows: int) -> bytes:
    return _sheet(["Điều khoản", "Câu hỏi", "Mã"], *(["8.5.1", f"Câu hỏi số {n}", f"Q{n}"] for n in range(rows)),
                  title="Checklist")


@SQLITE_ONLY
def test_the_import_tab_states_its_limits(demo_url):
    from qms.limits import grouped
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    no_errors(at)
    captions = [shown(c.value) for c in at.caption]
    assert any("2 MB" in c and grouped(2000) in c and grouped(5000) in c for c in captions), captions


@SQLITE_ONLY
def test_a_workbook_is_read_once_per_upload(demo_url, monkeypatch):
    from qms import checklist_excel
    calls = []
    original = checklist_excel.read
    monkeypatch.setattr(checklist_excel, "read", lambda raw, *cap: calls.append(len(raw)) or original(raw, *cap))
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("so.xlsx", _workbook(5), XLSX)).run()
    no_errors(at)
    at.text_input(key="xl_title_vi").input("Danh mục của Sở").run()
    at.text_input(key="xl_version").input("2").run()
    no_errors(at)
    assert any("5" in s.value for s in at.success)
    assert len(calls) == 1


@SQLITE_ONLY
def test_an_upload_over_the_cap_is_refused_before_it_is_read(demo_url, monkeypatch):
    from qms import checklist_excel
    monkeypatch.setenv("QMS_IMPORT_MAX_MB", "1")
    monkeypatch.setattr(checklist_excel, "read", lambda raw, *cap: pytest.fail("read an oversized upload"))
    at = sign_in("isorep", lang="en")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("big.xlsx", b"PK" + b"\0" * (1024 * 1024), XLSX)).run()
    no_errors(at)
    assert [shown(e.value) for e in at.error] == ["The file is too large (at most 1 MB)."]


@SQLITE_ONLY
def test_a_sheet_over_the_row_limit_says_so(demo_url, monkeypatch):
    monkeypatch.setenv("QMS_IMPORT_MAX_ROWS", "20")
    at = sign_in("isorep", lang="en")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("long.xlsx", _workbook(30), XLSX)).run()
    no_errors(at)
    errors = [shown(e.value) for e in at.error]
    assert len(errors) == 1 and "more than 20 rows" in errors[0] and "Checklist" in errors[0]



@SQLITE_ONLY
def test_an_imported_file_is_imported_once_and_leaves_the_uploader(demo_url, monkeypatch):
    """Seen in the browser: the file stayed in the uploader, so each rerun imported it again, without end."""
    from qms import checklists

    calls = []
    original = checklists.import_yaml
    monkeypatch.setattr(checklists, "import_yaml", lambda *a, **k: calls.append(a[-1]) or original(*a, **k))
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("nhanh.yaml", tiny_checklist("tthc-nhanh").encode(), "application/yaml")).run()
    no_errors(at)
    assert calls == ["nhanh.yaml"]
    assert [shown(toast.value) for toast in at.toast] == ["nhanh.yaml: đã nạp phiên bản 1"]
    assert at.file_uploader(key="checklist_upload_1").value is None
    at.run()
    assert calls == ["nhanh.yaml"]
    with Session(db.get_engine(demo_url)) as s:
        assert len(s.exec(select(Checklist.id).where(Checklist.code == "tthc-nhanh")).all()) == 1


@SQLITE_ONLY
def test_a_new_header_row_is_guessed_again(demo_url):
    """Seen: moving the header row down to the real header left the old (empty) mapping and an empty preview."""
    raw = _sheet(["DANH MỤC KIỂM TRA ĐÁNH GIÁ NỘI BỘ 2026"], ["Điều khoản", "Câu hỏi", "Mã"],
                 *(["8.5.1", f"Câu hỏi số {n}", f"Q{n}"] for n in range(3)))
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("so.xlsx", raw, XLSX)).run()
    at.number_input(key="xl_header").set_value(2).run()
    no_errors(at)
    assert by_label(at.selectbox, t("checklists.role.clause", "vi")).value == 0
    assert by_label(at.selectbox, t("checklists.role.text_vi", "vi")).value == 1
    assert any("3" in s.value for s in at.success)


@SQLITE_ONLY
def test_a_column_still_to_choose_is_not_called_an_error_in_the_file(demo_url):
    """Seen: an unmapped question column gave "1 row has errors; fix the file" where the fix is a choice here."""
    raw = _sheet(["Điều khoản", "Nội dung cần kiểm tra tại bộ phận một cửa", "Ghi chú"],
                 ["8.5.1", "Có phiếu kiểm soát quá trình?", ""])
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("ngoai.xlsx", raw, XLSX)).run()
    no_errors(at)
    assert not at.error
    assert [shown(w.value) for w in at.warning] == [
        "Chưa nhập được: chưa chọn cột câu hỏi. Hãy chọn ở trên; tệp không có lỗi gì."]
    by_label(at.selectbox, t("checklists.role.text_vi", "vi")).set_value(1).run()
    assert not at.warning and any("1" in s.value for s in at.success)


@SQLITE_ONLY
def test_clause_titles_other_than_the_standard_are_shown_and_the_standard_offered(demo_url):
    """Seen: an outside checklist's "10.1 Nonconformity and corrective action" stored silently."""
    from qms.models import ChecklistClause
    raw = _sheet(["Điều khoản", "Tên điều khoản", "Câu hỏi"],
                 ["10.1", "Sự không phù hợp và hành động khắc phục", "Có tổng hợp cơ hội cải tiến?"],
                 ["8.5.1", "Kiểm soát sản xuất và cung cấp dịch vụ", "Có phiếu kiểm soát?"])
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("ngoai.xlsx", raw, XLSX)).run()
    at.text_input(key="xl_id").input("ngoai-2026").run()
    no_errors(at)
    assert [shown(w.value) for w in at.warning] == ["Tên của 1 điều khoản trong tệp khác với tiêu chuẩn:"]
    table = next(d.value for d in at.dataframe if "Tên theo tiêu chuẩn" in d.value.columns)
    assert table.iloc[0].tolist() == ["10.1", "Sự không phù hợp và hành động khắc phục", "Khái quát"]
    assert at.toggle(key="xl_std_titles").value  # the standard's wording unless the person says otherwise
    by_label(at.button, t("checklists.import_now", "vi")).click().run()
    with Session(db.get_engine(demo_url)) as s:
        titles = dict(s.exec(select(ChecklistClause.clause, ChecklistClause.title_vi)
                             .join(Checklist, Checklist.id == ChecklistClause.checklist_id)
                             .where(Checklist.code == "ngoai-2026")).all())
    assert titles == {"10.1": "Khái quát", "8.5.1": "Kiểm soát sản xuất và cung cấp dịch vụ"}


@SQLITE_ONLY
def test_the_import_asks_the_files_language(demo_url):
    """Seen: the import asked for no language and followed whichever column a header matched."""
    raw = _sheet(["Clause", "Nội dung"],  # a Vietnamese-looking header over English questions
                 ["8.5.1", "Is the process control slip present?"])
    at = sign_in("isorep")
    at.switch_page("pages/checklists.py").run()
    at.file_uploader(key="checklist_upload_0").set_value(("en.xlsx", raw, XLSX)).run()
    language = at.get("button_group")[0]
    assert language.value == "vi"  # guessed from the header, and shown to be changed
    language.set_value("en").run()
    no_errors(at)
    assert by_label(at.selectbox, t("checklists.role.text_en", "vi")).value == 1
    assert not [s for s in at.selectbox if s.label == t("checklists.role.text_vi", "vi")]
    at.text_input(key="xl_id").input("en-nhanh").run()
    by_label(at.button, t("checklists.import_now", "vi")).click().run()
    with Session(db.get_engine(demo_url)) as s:
        assert s.exec(select(Checklist.languages).where(Checklist.code == "en-nhanh")).one() == "en"
