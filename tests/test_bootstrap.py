"""`python -m qms init` is the one step that migrates: several servers may start it at the same moment on an empty
database and the schema and bundled checklists come out once; an app server refuses a schema that is behind."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from qms import bootstrap, checklists, config, db
from qms.models import Checklist, Setting
from tests.conftest import PG_URL, fresh_pg_database

ROOT = config.ROOT


def _init_env(url: str) -> dict:
    return dict(os.environ, QMS_DATABASE_URL=url, QMS_LANG="en")


# `python -m qms init`, held at a start line once Python and the app are imported, so that both runs reach the
# database within milliseconds of each other (import times alone differ by more than a migration takes).
_AT_THE_LINE = """
import sys, time
from pathlib import Path
from qms.__main__ import main
Path(sys.argv[1] + ".ready").touch()
while not Path(sys.argv[1]).exists():
    time.sleep(0.002)
sys.exit(main(["init"]))
"""


def _two_inits_at_once(url: str, tmp_path) -> None:
    go = tmp_path / "go"
    runs = [subprocess.Popen([sys.executable, "-c", _AT_THE_LINE, f"{go}{n}"], cwd=ROOT, env=_init_env(url),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in range(2)]
    deadline = time.monotonic() + 60
    while not all(Path(f"{go}{n}.ready").exists() for n in range(2)) and time.monotonic() < deadline:
        time.sleep(0.01)
    for n in range(2):
        Path(f"{go}{n}").touch()
    done = [(run.wait(timeout=240), *run.communicate()) for run in runs]
    for code, out, err in done:
        assert code == 0, err[-3000:]
        assert "Traceback" not in err
    engine = db.get_engine(url)
    with Session(engine) as s:
        assert s.exec(text("SELECT count(*) FROM alembic_version")).one()[0] == 1
        assert db.current_revision(engine) == db.head_revision(engine)
        stored = s.exec(select(Checklist.code, Checklist.version, func.count()).group_by(
            Checklist.code, Checklist.version)).all()
    bundled = [checklists.parsed_bundled(path)[0] for path in checklists.bundled_files()]
    assert sorted((c, v) for c, v, _ in stored) == sorted((b["id"], str(b["version"])) for b in bundled if b)
    assert {n for _, _, n in stored} == {1}
    with Session(engine) as s:  # one key signs cookies for every app server (each reads it once)
        assert s.exec(select(func.count()).where(Setting.key == "_secret_key")).one() == 1


def test_two_inits_at_once_on_an_empty_sqlite_file(tmp_path):
    _two_inits_at_once(f"sqlite:///{tmp_path / 'qms.sqlite3'}", tmp_path)


def test_two_inits_at_once_on_an_empty_postgresql_database(tmp_path):
    if not PG_URL:
        pytest.skip("QMS_TEST_DATABASE_URL not set")
    _two_inits_at_once(fresh_pg_database("init", migrated=False), tmp_path)


def test_serve_refuses_a_schema_that_is_behind_and_names_the_step(tmp_path):
    url = f"sqlite:///{tmp_path / 'qms.sqlite3'}"
    engine = db.get_engine(url)
    db.migrate(engine, "0005")
    serve = subprocess.run([sys.executable, "-m", "qms", "serve", "--port", "1"], cwd=ROOT, env=_init_env(url),
                           capture_output=True, text=True, timeout=60)
    assert serve.returncode == 1
    assert "schema revision 0005" in serve.stderr and "Run `python -m qms init`" in serve.stderr
    assert "Traceback" not in serve.stderr
    assert db.current_revision(engine) == "0005"  # refused, not migrated behind the operator's back
    with pytest.raises(bootstrap.SchemaBehind):
        bootstrap.require_current(engine)
    bootstrap.init(engine)
    assert bootstrap.require_current(engine) == db.head_revision(engine)


_HEALTH = """
import asyncio, json, sys
from qms.ui import server
response = asyncio.run(server.health(None))
print(json.dumps([response.status_code, json.loads(response.body)]))
"""


def _health(url: str) -> list:
    # In a process of its own: importing the server module sets up Streamlit's app for the whole process.
    done = subprocess.run([sys.executable, "-c", _HEALTH], cwd=ROOT, env=_init_env(url), capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    import json
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_healthz_answers_200_only_when_the_database_does_and_is_current(tmp_path):
    url = f"sqlite:///{tmp_path / 'qms.sqlite3'}"
    head = db.head_revision(db.get_engine(url))
    db.get_engine(url).connect().close()  # the file exists, with no schema yet
    assert _health(url) == [503, {"status": "schema behind", "revision": None, "needed": head}]
    bootstrap.init(db.get_engine(url))
    assert _health(url) == [200, {"status": "ok", "revision": head}]
    assert _health("postgresql+psycopg://nobody@127.0.0.1:1/none") == [
        503, {"status": "unavailable", "database": "OperationalError"}]
