"""The migrations build exactly the models' schema, and upgrading keeps the data a database holds."""

from datetime import date

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

import pytest

from qms import auth, bootstrap, checklists, db, demo, passwords, units, users
from qms.models import ChecklistItem, Finding, Response, Unit, User
from tests.conftest import BACKENDS
from sqlmodel import Session, func, select


def test_models_match_migrations(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


@pytest.fixture(params=BACKENDS)
def old_engine(request, tmp_path):
    """An empty database at the first revision."""
    if request.param == "sqlite":
        engine = db.get_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    else:
        admin = db.get_engine(request.getfixturevalue("pg_database_url"))
        with admin.begin() as conn:  # start below head on the worker's database
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine = admin
    db.migrate(engine, "0001")
    yield engine
    if request.param != "sqlite":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.migrate(engine)


def test_upgrade_keeps_existing_data(old_engine):
    with old_engine.begin() as conn:  # rows written the way revision 0001 stored them
        conn.execute(text("INSERT INTO unit (code, name, type, active) VALUES ('SNV', 'Sở Nội vụ', 'department', true)"))
        conn.execute(text("INSERT INTO checklist (code, version, standard, title_vi, title_en, languages, "
                          "source_name, source_sha256) VALUES ('c', '1', 'ISO 9001:2015', 'Tên', 'Name', 'vi,en', "
                          "'c.yaml', 'x')"))
        conn.execute(text("INSERT INTO checklistitem (checklist_id, item_key, clause, position, text_vi, text_en, "
                          "guidance_vi, guidance_en) VALUES (1, 'Q1', '8.5.1', 0, 'Phiếu kiểm soát quá trình?', "
                          "'Process-control slip?', 'Xem hồ sơ', 'See dossiers')"))
        conn.execute(text("INSERT INTO \"user\" (username, full_name, password_hash, active, language, failed_logins) "
                          "VALUES ('lan', 'Lan', :hash, true, 'vi', 3)"), {"hash": passwords.hash_password("lan-mat-khau-1")})
        # Rows that point at the user: a migration that rebuilds the user table (SQLite batch mode) must keep them.
        conn.execute(text("INSERT INTO userrole (user_id, role) VALUES (1, 'auditor')"))
        conn.execute(text("INSERT INTO userunit (user_id, unit_id) VALUES (1, 1)"))
        # Findings in the states 0006 reads: a late plan, an accepted plan with one action done and one open, closed.
        conn.execute(text("INSERT INTO auditprogramme (year, objectives) VALUES (2025, '')"))
        conn.execute(text("INSERT INTO audit (programme_id, code, title, scope, criteria, checklist_id, status, version) "
                          "VALUES (1, 'ĐGNB-2025-01', 'Đánh giá', '', '', 1, 'report_issued', 1)"))
        conn.execute(text("INSERT INTO auditunit (audit_id, unit_id, auditee_reps) VALUES (1, 1, '')"))
        for code, status, due in [("NC-2025-001", "issued", "2025-11-15"), ("NC-2025-002", "plan_accepted", "2025-11-15"),
                                  ("NC-2025-003", "closed", "2025-11-15"), ("OBS-2025-001", "issued", None)]:
            conn.execute(text("INSERT INTO finding (code, audit_unit_id, clause, grade, statement, evidence, "
                              "requirement_ref, status, plan_due, version) VALUES (:code, 1, '8.5.1', :grade, 'x', '', "
                              "'', :status, :due, 1)"),
                         {"code": code, "status": status, "due": due, "grade": "observation" if due is None else "minor"})
        conn.execute(text("INSERT INTO correctiveaction (finding_id, correction, correction_by, root_cause, "
                          "cause_category, return_comment, verification_note, reopen_count, version) "
                          "VALUES (2, 'x', '', 'x', '', '', '', 0, 1)"))
        for due, done in [("2025-12-01", "2025-11-30"), ("2026-01-10", None), ("2026-02-01", None)]:
            conn.execute(text("INSERT INTO actionitem (corrective_action_id, action, owner_name, due_date, done_date, "
                              "evidence, status) VALUES (1, 'x', '', :due, :done, '', 'open')"), {"due": due, "done": done})
    bootstrap.init(old_engine)
    assert db.current_revision(old_engine) == db.head_revision(old_engine)
    with Session(old_engine) as session:
        assert session.exec(select(Unit.name)).all() == ["Sở Nội vụ"]
        assert [u["code"] for u in units.find(session, "so NOI vu")] == ["SNV"]  # 0007 backfilled the search text
        item = session.exec(select(ChecklistItem).where(ChecklistItem.item_key == "Q1")).one()
        assert item.text_vi == "Phiếu kiểm soát quá trình?"
        assert "phieu kiem soat qua trinh" in item.search_text  # 0002 backfilled the search text
        assert checklists.search(session, item.checklist_id, "PHIẾU kiem soat")[0]["item_key"] == "Q1"
        lan = session.exec(select(User)).one()  # 0005: accounts that existed before are not forced to change
        assert not lan.must_change_password
        assert auth.authenticate(session, "lan", "lan-mat-khau-1") == lan.id
        assert users.profile(session, lan.id)["roles"] == ["auditor"]
        due = dict(session.exec(select(Finding.code, Finding.overdue_from)).all())  # 0006 backfilled the due days
        assert due == {"NC-2025-001": date(2025, 11, 15), "NC-2025-002": date(2026, 1, 10), "NC-2025-003": None,
                       "OBS-2025-001": None}


def test_init_is_idempotent_on_a_full_database(engine):
    bootstrap.init(engine)
    with Session(engine) as session:
        demo.build(session)
        before = (session.exec(select(func.count()).select_from(Response)).one(),
                  session.exec(select(func.count()).select_from(Finding)).one())
    results = bootstrap.init(engine)
    assert {r.status for r in results} == {"unchanged"}
    with Session(engine) as session:
        after = (session.exec(select(func.count()).select_from(Response)).one(),
                 session.exec(select(func.count()).select_from(Finding)).one())
    assert before == after
