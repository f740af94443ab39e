"""Test databases: SQLite always, PostgreSQL too when QMS_TEST_DATABASE_URL is set.

Each backend is migrated once per test session; each test then starts from an empty schema
(a copy of the migrated SQLite file, or truncated PostgreSQL tables).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from qms import db
from qms.models import Role

PG_URL = os.environ.get("QMS_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(autouse=True, scope="session")
def quick_password_hashing():
    """Argon2id still, with the smallest cost: the suite creates hundreds of users, each hashed at full cost
    (0.17 s) otherwise. The parameters travel in the hash, so verification works as in production."""
    from argon2 import PasswordHasher

    from qms import passwords
    fast = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    original, dummy = passwords._hasher, passwords._DUMMY_HASH
    passwords._hasher, passwords._DUMMY_HASH = fast, fast.hash("not-a-real-password")  # unknown names cost the same
    yield
    passwords._hasher, passwords._DUMMY_HASH = original, dummy


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = db.get_engine(f"sqlite:///{path}")
    db.migrate(engine)
    engine.dispose()
    return path


def fresh_pg_database(purpose: str, migrated: bool = True) -> str:
    """A new database on the test server (migrated unless told), private to this xdist worker and purpose."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"{make_url(PG_URL).database}_qms_{purpose}_{_worker()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    if migrated:
        db.migrate(db.get_engine(url))
    return url


@pytest.fixture(scope="session")
def sqlite_demo_template(tmp_path_factory, sqlite_template) -> Path:
    """A migrated SQLite file holding the demo organisation, built once per test session."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    shutil.copy(sqlite_template, path)
    build_demo(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_database_url() -> str:
    return fresh_pg_database("unit")


def build_demo(url: str) -> str:
    from qms import demo
    engine = db.get_engine(url)
    with Session(engine) as s:
        demo.build(s)
    engine.dispose()  # closing the last SQLite connection checkpoints the WAL, so the file can be copied
    return url


def _truncate(engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path, sqlite_template) -> str:
    """An empty, migrated database URL on each backend."""
    if request.param == "sqlite":
        path = tmp_path / "qms.sqlite3"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("pg_database_url")
    _truncate(db.get_engine(url))
    return url


@pytest.fixture
def engine(db_url):
    return db.get_engine(db_url)


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s
    assert_due_dates_current(engine)


def assert_due_dates_current(engine) -> None:
    """Every finding's stored `overdue_from` is what its status and actions make it, whatever the test did."""
    from qms.findings import due_expression
    from qms.models import Finding
    with Session(engine) as s:
        stale = s.exec(select(Finding.code, Finding.status, Finding.overdue_from, due_expression())
                       .where(Finding.overdue_from.is_distinct_from(due_expression()))).all()
    assert not stale, f"overdue_from out of date: {stale[:5]}"


@pytest.fixture
def admin_id(session) -> int:
    from qms import users
    return users.create_user(session, None, "admin", "Quản trị", "admin-pass-1", [Role.admin])


@pytest.fixture
def make_user(session):
    """Create a user with roles (and units) in one call; returns the id."""
    from qms import users

    def make(username: str, *roles: str, unit_ids: list[int] | None = None) -> int:
        return users.create_user(session, None, username, username.title(), "test-pass-2026", list(roles), unit_ids)
    return make


@pytest.fixture
def org(session, admin_id, make_user):
    """A small agency: two departments (one with a division), an ISO rep, two auditors, an auditee, a 2026 audit."""
    from datetime import date

    from qms import checklists, planning, units
    checklists.load_bundled(session)
    root = units.create_unit(session, admin_id, "UBND", "UBND tỉnh", "province")
    a = units.create_unit(session, admin_id, "SKHCN", "Sở Khoa học và Công nghệ", "department", root)
    a_div = units.create_unit(session, admin_id, "SKHCN-VP", "Văn phòng Sở", "division", a)
    b = units.create_unit(session, admin_id, "SNV", "Sở Nội vụ", "department", root)
    rep = make_user("isorep", Role.iso_rep)
    lead = make_user("lead", Role.auditor, unit_ids=[b])
    second = make_user("second", Role.auditor, unit_ids=[a])
    auditee = make_user("auditee", Role.auditee, unit_ids=[a])
    viewer = make_user("viewer", Role.viewer)
    planning.create_programme(session, rep, 2026, "Mọi đơn vị một lần")
    checklist = checklists.latest(session, "tcvn-iso-9001-2015").id
    audit = planning.create_audit(session, rep, 2026, "Đánh giá nội bộ 2026", checklist, date(2026, 11, 1),
                                  date(2026, 11, 30), lead, [lead, second])
    return {"root": root, "a": a, "a_div": a_div, "b": b, "rep": rep, "lead": lead, "second": second,
            "auditee": auditee, "viewer": viewer, "admin": admin_id, "audit": audit, "checklist": checklist}


@pytest.fixture
def issued(session, org):
    """The org's audit with unit SKHCN audited: one minor NC and one observation, report issued."""
    from datetime import date

    from qms import completion, findings, planning, responses
    from qms import clock
    from qms.models import Response
    unit = planning.plan_unit(session, org["rep"], org["audit"], org["a"], date(2026, 11, 5), [org["lead"]])
    rows = responses.sheet(session, unit)
    for n, row in enumerate(rows[:3]):  # through the screen's own save
        result = {0: "nc_minor", 1: "observation"}.get(n, "conform")
        responses.save(session, org["lead"], unit, row["id"], {"result": result, "evidence": f"Bằng chứng {n}"}, 0)
    session.add_all([Response(audit_unit_id=unit, item_id=row["id"], result="conform", evidence=f"Bằng chứng {n}",
                              answered_by_id=org["lead"], answered_at=clock.now(), version=1)
                     for n, row in enumerate(rows) if n >= 3])  # the rest as a factory would: same rows, faster
    session.commit()
    ids = [findings.raise_from_response(session, org["lead"], r["answer"]["id"])
           for r in responses.sheet(session, unit) if r["answer"]["result"] in ("nc_minor", "observation")]
    completion.complete(session, org["lead"], org["audit"])
    completion.issue_report(session, org["lead"], org["audit"])
    return {"nc": ids[0], "obs": ids[1], "unit": unit}


# Seconds a browser test takes on a loaded 2-core machine (measured); the rest count as 20.
_E2E_SECONDS = {"twenty_questions": 140, "plan_run_and_issue": 95, "plan_submitted": 60, "two_auditors": 50,
                "reload_before": 30, "each_role": 30, "management_review": 26,
                "user_text_stays_text": 50}


def pytest_collection_modifyitems(items):
    """Share the browser tests between the two xdist workers by their measured length (run with --dist loadgroup).

    Each browser test drives a server and Chromium, so two at once already fill both cores; left to xdist's
    consecutive batches they all went to one worker and the run waited minutes for it.
    """
    load = {"browser-a": 0, "browser-b": 0}
    browser = [item for item in items if item.get_closest_marker("e2e") is not None]
    weight = {item.nodeid: next((v for k, v in _E2E_SECONDS.items() if k in item.nodeid), 20) for item in browser}
    for item in sorted(browser, key=lambda i: -weight[i.nodeid]):
        group = min(load, key=load.get)
        load[group] += weight[item.nodeid]
        item.add_marker(pytest.mark.xdist_group(group))
        # One retry, for browser tests only and shown as "R" in the report: on a loaded 2-core machine about one
        # full run in two lost one browser test to a click landing on a redraw's old copy, a different test each
        # time. A test that fails twice still fails the run.
        item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))


def tiny_checklist(code: str) -> str:
    """A valid checklist file of two questions under one clause, stored under `code`."""
    return TINY_CHECKLIST.replace("tthc-e2e", code)


TINY_CHECKLIST = """\
id: "tthc-e2e"
version: "1"
standard: "TCVN ISO 9001:2015"
title: {vi: "Kiểm tra nhanh TTHC", en: "Quick TTHC check"}
clauses:
  - clause: "8.5.1"
    title: {vi: "Kiểm soát sản xuất và cung cấp dịch vụ", en: "Control of production and service provision"}
    questions:
      - {id: "E1", text: {vi: "Hồ sơ có phiếu kiểm soát quá trình?", en: "Process-control slip present?"}}
      - {id: "E2", text: {vi: "Kết quả trả đúng hạn?", en: "Results returned on time?"}}
"""
