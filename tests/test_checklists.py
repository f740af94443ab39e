from qms import checklists, config
from qms.models import Checklist, ChecklistItem
from sqlmodel import func, select

from tests.test_checklist_files import GOOD


def test_bundled_load_is_idempotent(session):
    first = checklists.load_bundled(session)
    assert {r.status for r in first} == {"loaded"}
    again = checklists.load_bundled(session)
    assert {r.status for r in again} == {"unchanged"}
    assert session.exec(select(func.count()).select_from(Checklist)).one() == len(first)


def test_changed_file_becomes_a_new_version(session, tmp_path):
    path = tmp_path / "mini.yaml"
    path.write_text(GOOD, encoding="utf-8")
    first = checklists.load_file(session, path)
    path.write_text(GOOD.replace("Are documents controlled?", "Are documents approved?"), encoding="utf-8")
    second = checklists.load_file(session, path)
    assert (first.version, second.version) == ("1", "1-r2")
    old = checklists.items(session, first.checklist_id)
    assert old[0]["text_en"] == "Are documents controlled?"  # audits on version 1 keep their questions
    assert checklists.items(session, second.checklist_id)[0]["text_en"] == "Are documents approved?"


def test_bad_file_is_reported_and_others_load(session, tmp_path, monkeypatch):
    (tmp_path / "a_bad.yaml").write_text("id: [", encoding="utf-8")
    (tmp_path / "b_good.yaml").write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(config, "CHECKLIST_DIR", tmp_path)
    results = checklists.load_bundled(session)
    assert [r.status for r in results] == ["invalid", "loaded"]
    assert results[0].problems[0].key == "checklist.err.yaml"
    assert session.exec(select(func.count()).select_from(ChecklistItem)).one() == 1


def test_accent_insensitive_search_in_both_languages(session):
    checklists.load_bundled(session)
    iso = checklists.latest(session, "tcvn-iso-9001-2015").id
    folded = checklists.search(session, iso, "phieu kiem soat")
    accented = checklists.search(session, iso, "Phiếu KIỂM SOÁT")
    assert folded and [i["id"] for i in folded] == [i["id"] for i in accented]
    assert checklists.search(session, iso, "thu tuc") and checklists.search(session, iso, "phieu xin loi")
    assert {i["clause"] for i in checklists.search(session, iso, "climate change")} >= {"4.1"}
    assert checklists.search(session, iso, "100%_") == []


def test_stored_version_exports_to_the_same_document(session):
    from qms import checklist_files
    checklists.load_bundled(session)
    row = checklists.latest(session, "tthc-process-audit")
    original, _ = checklist_files.parse_file(config.CHECKLIST_DIR / "tthc-process-audit.yaml")
    assert checklist_files.fingerprint(checklists.document(session, row.id)) == checklist_files.fingerprint(original)
