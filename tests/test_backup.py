"""Backup and restore: a consistent copy of a live database, a portable archive that restores into either engine."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import sys
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, inspect
from sqlmodel import Session, SQLModel, select

from qms import attachments, auth, backup, clock, db, demo, findings, responses, units, users
from qms.__main__ import main
from qms.errors import PermissionDenied, ValidationError
from qms.models import Attachment, Audit, AuditStatus, AuditUnit, ChangeLog, Response, Role, Unit
from tests.conftest import BACKENDS, fresh_pg_database

# Every byte value, so an encoding that mangles any of them shows.
FILE = b"%PDF-1.4\n%" + bytes(range(256)) * 40 + "Biên bản họp khai mạc".encode() + b"\n%%EOF\n"


def _url(path: Path) -> str:
    return f"sqlite:///{path}"


def _open_unit(s: Session) -> int:
    """An audited unit of an audit in progress (the demo's current year)."""
    return s.exec(select(AuditUnit.id).join(Audit, Audit.id == AuditUnit.audit_id)
                  .where(Audit.status == AuditStatus.in_progress).order_by(AuditUnit.id)).first()


def _unanswered(s: Session, audit_unit: int) -> int:
    return next(r["id"] for r in responses.sheet(s, audit_unit) if not (r["answer"] or {}).get("id"))


def _change_live(s: Session) -> dict:
    """What an auditor does on audit day: answers (each logged in the change log) and a file."""
    au = _open_unit(s)
    for n in range(3):
        responses.save(s, None, au, _unanswered(s, au), {"result": "conform", "evidence": f"Đã xem hồ sơ {n}"}, 0)
    response = s.exec(select(Response.id).where(Response.audit_unit_id == au).order_by(Response.id.desc())).first()
    attachment = attachments.add(s, None, "bien-ban.pdf", FILE, response_id=response)["id"]
    # An older unit moved under a newer one: restoring rows in id order alone would insert the child first.
    newer = units.create_unit(s, None, "P-HOABINH-KV1", "Khu vực 1 phường Hòa Bình", "division",
                              units.id_for_code(s, "P-HOABINH"))
    older = units.id_for_code(s, "P-HOABINH-TT")
    units.update_unit(s, None, older, "P-HOABINH-TT", "Trung tâm PVHCC phường Hòa Bình", "service_centre", newer)
    return {"attachment": attachment, "response": response, "moved": (older, newer)}


def _counts(url: str) -> dict[str, int]:
    engine = db.get_engine(url)
    with Session(engine) as s:
        return {t.name: s.exec(select(func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables}


def _naive_counts(path: Path) -> dict[str, int]:
    """Counted through sqlite3 on the copied file alone, as a restored copy would be read."""
    with sqlite3.connect(path) as conn:
        return {name: conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0]
                for name in ("changelog", "attachment", "response")}


def _digest(manifest: dict) -> list[tuple[str, int, str]]:
    return [(t["name"], t["rows"], t["sha256"]) for t in manifest["tables"]]


@pytest.fixture
def live(tmp_path, sqlite_demo_template):
    """A live SQLite demo database with fresh changes still in its WAL (its engine keeps a connection open)."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_demo_template, path)
    url = _url(path)
    with Session(db.get_engine(url), expire_on_commit=False) as s:
        made = _change_live(s)
    assert (tmp_path / "live.sqlite3-wal").stat().st_size > 0
    return {"path": path, "url": url, **made}


def test_copying_the_live_file_loses_the_wal_but_backup_keeps_everything(live, tmp_path):
    expected = _counts(live["url"])
    naive = tmp_path / "copied.sqlite3"
    shutil.copy(live["path"], naive)  # what an administrator would do by hand
    lost = _naive_counts(naive)
    assert lost["changelog"] < expected["changelog"] and lost["attachment"] == 0  # the bug, as observed

    archive = tmp_path / "backup.zip"
    backup.backup_file(db.get_engine(live["url"]), archive)
    target = _url(tmp_path / "restored.sqlite3")
    backup.restore(db.get_engine(target), archive)
    assert _counts(target) == expected
    raw = tmp_path / "raw.sqlite3"
    backup.sqlite_copy(db.get_engine(live["url"]), raw)
    assert _naive_counts(raw) == {k: expected[k] for k in ("changelog", "attachment", "response")}


def _target(kind: str, tmp_path: Path, name: str) -> str:
    if kind == "sqlite":
        return _url(tmp_path / f"{name}.sqlite3")  # no file yet: restore creates the schema
    return fresh_pg_database(f"backup_{name}")


def _app_works(url: str, before: dict, attachment: int) -> None:
    """Sign in, read the register, record an answer and add a unit: new rows get ids that collide with none."""
    with Session(db.get_engine(url), expire_on_commit=False) as s:
        admin = auth.authenticate(s, "admin", demo.DEMO_PASSWORD)
        iso = auth.authenticate(s, "isorep", demo.DEMO_PASSWORD)
        assert findings.register(s, iso, findings.RegisterFilter(), clock.today())[1] == before["findings"]
        assert attachments.content(s, None, attachment) == ("bien-ban.pdf", "application/pdf", FILE)
        top = {model: s.exec(select(func.max(model.id))).one() for model in (Response, ChangeLog, Unit)}
        au = _open_unit(s)
        responses.save(s, None, au, _unanswered(s, au), {"result": "ofi", "evidence": "Sau khôi phục"}, 0)
        unit = units.create_unit(s, admin, "SAU-KP", "Đơn vị tạo sau khôi phục", "division")
        assert unit > top[Unit]
        assert s.exec(select(func.max(Response.id))).one() > top[Response]
        assert s.exec(select(func.max(ChangeLog.id))).one() > top[ChangeLog]


@pytest.mark.parametrize("via", BACKENDS)
def test_round_trip_through_either_engine_keeps_every_row_and_file(live, tmp_path, via):
    """SQLite → archive → `via` → archive → SQLite: the same rows and hashes at every step, the app works on both."""
    source = db.get_engine(live["url"])
    first = backup.write_archive(source, (a := io.BytesIO()))
    with Session(source) as s:
        before = {"findings": findings.register(s, None, findings.RegisterFilter(), clock.today())[1]}
    assert sum(t["rows"] for t in first["tables"]) > 4000
    assert {t["name"] for t in first["tables"]} == {t.name for t in SQLModel.metadata.sorted_tables}

    middle_url = _target(via, tmp_path, "middle")
    backup.restore(db.get_engine(middle_url), io.BytesIO(a.getvalue()))
    second = backup.write_archive(db.get_engine(middle_url), (b := io.BytesIO()))
    last_url = _target("sqlite", tmp_path, "last")
    backup.restore(db.get_engine(last_url), io.BytesIO(b.getvalue()))
    third = backup.write_archive(db.get_engine(last_url), io.BytesIO())

    assert _digest(second) == _digest(first) and _digest(third) == _digest(first)
    assert _counts(middle_url) == _counts(live["url"]) == _counts(last_url)
    for url in (middle_url, last_url):
        with Session(db.get_engine(url)) as s:
            assert bytes(s.get(Attachment, live["attachment"]).data) == FILE
            older, newer = live["moved"]
            assert s.get(Unit, older).parent_id == newer > older
        assert db.current_revision(db.get_engine(url)) == db.head_revision(source)
        _app_works(url, before, live["attachment"])


@pytest.fixture
def target(db_url):
    """A target on each backend already holding data of its own, which a refused restore must leave alone."""
    engine = db.get_engine(db_url)
    with Session(engine) as s:
        users.create_user(s, None, "giu.nguyen", "Người giữ nguyên", "mat-khau-dai-2026", [Role.admin])
    return db_url


def _rewrite(archive: bytes, change) -> bytes:
    """A copy of the archive with `change(name, data) -> data` applied to each entry."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(archive)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, change(info.filename, src.read(info.filename)))
    return out.getvalue()


def _tamper_finding(name: str, data: bytes) -> bytes:
    return data.replace(b"bien-ban.pdf", b"bien-bat.pdf") if name == "tables/attachment.jsonl" else data


def _tamper_revision(name: str, data: bytes) -> bytes:
    if name != backup.MANIFEST:
        return data
    return json.dumps(json.loads(data) | {"revision": "9999_from_the_future"}).encode()


@pytest.fixture(scope="module")
def archive(tmp_path_factory, sqlite_demo_template) -> bytes:
    path = tmp_path_factory.mktemp("archive") / "demo.sqlite3"
    shutil.copy(sqlite_demo_template, path)
    with Session(db.get_engine(_url(path)), expire_on_commit=False) as s:
        _change_live(s)
    out = io.BytesIO()
    backup.write_archive(db.get_engine(_url(path)), out)
    return out.getvalue()


@pytest.mark.parametrize("change,key", [
    (lambda n, d: d.replace(b'"observation"', b'"conform"') if n == "tables/finding.jsonl" else d,
     "error.backup_corrupt"),
    (lambda n, d: b"\n".join(d.split(b"\n")[:-5] + [b""]) if n == "tables/response.jsonl" else d,
     "error.backup_corrupt"),
    (_tamper_revision, "error.backup_newer"),
], ids=["edited", "rows_cut", "newer_schema"])
def test_restore_refuses_a_tampered_archive_and_changes_nothing(target, archive, change, key):
    before = _counts(target)
    with pytest.raises(ValidationError) as refused:
        backup.restore(db.get_engine(target), io.BytesIO(_rewrite(archive, change)))
    assert refused.value.key == key
    assert _counts(target) == before
    with pytest.raises(ValidationError) as cut:
        backup.restore(db.get_engine(target), io.BytesIO(archive[: len(archive) // 2]))
    assert cut.value.key == "error.backup_unreadable"


def test_an_older_archive_restores_into_a_newer_schema(db_url, tmp_path):
    """A backup taken before an upgrade: the target steps down to the archive's revision, then up to head."""
    old = db.get_engine(_url(tmp_path / "old.sqlite3"))
    db.migrate(old, "0004")
    out = io.BytesIO()
    assert backup.write_archive(old, out)["revision"] == "0004"
    engine = db.get_engine(db_url)
    with Session(engine) as s:
        users.create_user(s, None, "se.mat", "Sẽ mất", "mat-khau-dai-2026", [Role.viewer])
    backup.restore(engine, io.BytesIO(out.getvalue()))
    assert db.current_revision(engine) == db.head_revision(engine)
    assert set(_counts(db_url).values()) == {0}
    assert "failed_logins" not in {c["name"] for c in inspect(engine).get_columns("user")}


def test_only_an_administrator_builds_a_backup(session, org):
    for who in ("rep", "lead", "auditee", "viewer"):
        with pytest.raises(PermissionDenied):
            backup.download(session, org[who])
    got = backup.download(session, org["admin"])
    assert got["name"].startswith("qms-backup-") and got["name"].endswith(".zip")
    manifest = backup.peek(io.BytesIO(got["data"]))
    assert got["rows"] == sum(t["rows"] for t in manifest["tables"]) and manifest["revision"]


# --- the command line -------------------------------------------------------------------------------------------

class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_cli_backup_and_restore_ask_before_replacing(live, tmp_path, monkeypatch, capsys):
    out = tmp_path / "sao-luu.zip"
    monkeypatch.setenv("QMS_DATABASE_URL", live["url"])
    assert main(["backup", "-o", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    assert not list(tmp_path.glob("*.part"))

    target_path = tmp_path / "dich.sqlite3"
    monkeypatch.setenv("QMS_DATABASE_URL", _url(target_path))
    assert main(["init"]) == 0
    empty = _counts(_url(target_path))
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("dich.sqlite3\n"))  # a pipe: no one to ask
    assert main(["restore", str(out)]) == 1
    assert "--yes" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", _Terminal("yes\n"))  # asked, answered with the wrong name
    assert main(["restore", str(out)]) == 1
    err = capsys.readouterr().err
    assert "dich.sqlite3" in err and "Traceback" not in err
    assert _counts(_url(target_path)) == empty
    monkeypatch.setattr(sys, "stdin", _Terminal("dich.sqlite3\n"))
    assert main(["restore", str(out)]) == 0
    assert _counts(_url(target_path)) == _counts(live["url"])
    # What the target held is kept beside the archive first: a restore that failed half-way would lose nothing.
    kept = list(tmp_path.glob("qms-before-restore-*.zip"))
    assert len(kept) == 1 and str(kept[0]) in capsys.readouterr().err
    assert main(["restore", str(kept[0]), "--yes"]) == 0
    assert _counts(_url(target_path)) == empty

    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["restore", str(out), "--yes", "--database-url", _url(tmp_path / "second.sqlite3")]) == 0
    assert _counts(_url(tmp_path / "second.sqlite3")) == _counts(live["url"])


def test_cli_refuses_a_damaged_archive_with_a_message(tmp_path, capsys, archive, monkeypatch):
    monkeypatch.setenv("QMS_DATABASE_URL", _url(tmp_path / "dich.sqlite3"))
    bad = tmp_path / "hong.zip"
    bad.write_bytes(_rewrite(archive, _tamper_finding))
    assert main(["restore", str(bad), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "attachment" in err and "Traceback" not in err
    bad.write_bytes(b"not a zip at all")
    assert main(["restore", str(bad), "--yes"]) == 1
    assert "Traceback" not in capsys.readouterr().err
