"""The migrations build exactly the models' schema, and upgrading keeps the data a database holds."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlmodel import SQLModel

from qms import bootstrap, db, demo
from qms.models import Finding, Response, Unit
from sqlmodel import Session, func, select


def test_models_match_migrations(engine):
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)
    assert diff == []


def test_upgrade_keeps_existing_data(tmp_path):
    engine = db.get_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    db.migrate(engine, "0001")
    with engine.begin() as conn:  # rows written the way revision 0001 stored them
        conn.execute(text("INSERT INTO unit (code, name, type, active) VALUES ('SNV', 'Sở Nội vụ', 'department', 1)"))
        conn.execute(text("INSERT INTO setting (key, value) VALUES ('plan_due_days', '20')"))
    bootstrap.init(engine)
    assert db.current_revision(engine) == db.head_revision(engine)
    with Session(engine) as session:
        assert session.exec(select(Unit.name)).all() == ["Sở Nội vụ"]


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
