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
