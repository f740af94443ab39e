"""python -m qms: the contracts other tools rely on (exit codes, FILE:LINE: message)."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import Session, select

from qms import auth, config, db, users
from qms.__main__ import main
from qms.errors import AuthError

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def cli_db(db_url, monkeypatch):
    monkeypatch.setenv("QMS_DATABASE_URL", db_url)
    return db_url


def test_validate_bundled_checklists_exits_0(capsys):
    assert main(["checklist", "validate", *map(str, sorted(config.CHECKLIST_DIR.glob("*.yaml")))]) == 0
    assert "176" in capsys.readouterr().out


def test_validate_reports_file_line_message_and_exits_1(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text('id: "x"\nversion: "1"\nstandard: "ISO 9001:2015"\ntitle: {vi: "a", en: "b"}\n'
                   'clauses:\n  - clause: "4.9"\n    title: {vi: "a", en: "b"}\n    questions:\n'
                   '      - {id: "Q", text: {vi: "c"}}\n', encoding="utf-8")
    empty = tmp_path / "empty.yaml"
    empty.write_bytes(b"")
    assert main(["checklist", "validate", str(bad), str(empty), str(tmp_path / "missing.yaml")]) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0].startswith(f"{bad}:6: ") and "4.9" in lines[0]
    assert lines[1].startswith(f"{bad}:9: ")
    assert lines[2].startswith(f"{empty}:1: ")
    assert lines[3].startswith(f"{tmp_path / 'missing.yaml'}:1: ")


def test_init_is_idempotent_and_user_add(cli_db, capsys):
    assert main(["init"]) == 0
    assert main(["init"]) == 0
    out = capsys.readouterr().out
    assert out.count("tcvn-iso-9001-2015.yaml") == 2
    assert main(["user", "add", "quantri", "--role", "admin", "--password", "mat-khau-dai"]) == 0
    assert main(["user", "add", "quantri", "--role", "admin", "--password", "mat-khau-dai"]) == 1
    assert "quantri" in capsys.readouterr().err


def test_user_reset_password_and_unlock(cli_db, capsys, monkeypatch):
    assert main(["init"]) == 0
    assert main(["user", "add", "quantri", "--role", "admin", "--password", "mat-khau-dai"]) == 0
    engine = db.get_engine(cli_db)
    with Session(engine) as s:
        uid = auth.authenticate(s, "quantri", "mat-khau-dai")
        token = auth.redeem_ticket(s, auth.issue_ticket(s, uid))
        for _ in range(auth.USER_FREE + 3):
            with pytest.raises(AuthError):
                auth.authenticate(s, "quantri", "wrong-guess", "203.0.113.66")
    capsys.readouterr()
    assert main(["user", "unlock", "quantri"]) == 0
    assert "quantri" in capsys.readouterr().out
    with Session(engine) as s:
        assert auth.throttle_state(s, "quantri")["failures"] == 0

    monkeypatch.setattr(sys, "stdin", io.StringIO("12345678\n"))  # not a terminal: one line from standard input
    assert main(["user", "reset-password", "quantri"]) == 1
    assert "10" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("mat-khau-moi-2026\n"))
    assert main(["user", "reset-password", "quantri"]) == 0
    assert "quantri" in capsys.readouterr().out
    with Session(engine) as s:
        assert auth.user_for_token(s, token) is None
        assert auth.authenticate(s, "quantri", "mat-khau-moi-2026") == uid
        assert users.profile(s, uid)["must_change_password"]
    assert main(["user", "unlock", "nobody"]) == 1
    assert main(["user", "reset-password", "nobody"]) == 1


def test_reset_password_asks_twice_on_a_terminal(cli_db, capsys, monkeypatch):
    assert main(["user", "add", "quantri", "--role", "admin", "--password", "mat-khau-dai"]) == 0
    monkeypatch.setattr(sys, "stdin", type("Tty", (io.StringIO,), {"isatty": lambda self: True})())
    answers = iter(["mat-khau-moi-2026", "mat-khau-khac-2026"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert main(["user", "reset-password", "quantri"]) == 1
    assert "không khớp" in capsys.readouterr().err
    answers = iter(["mat-khau-moi-2026", "mat-khau-moi-2026"])
    assert main(["user", "reset-password", "quantri"]) == 0


def test_export_and_import_xlsx(cli_db, tmp_path, capsys):
    out = tmp_path / "iso.xlsx"
    assert main(["checklist", "export", "tcvn-iso-9001-2015", "-o", str(out)]) == 0
    assert main(["checklist", "import", str(out)]) == 0
    assert "1.0" in capsys.readouterr().out  # unchanged: the same checklist, same version
    assert main(["checklist", "export", "no-such-checklist", "-o", str(out)]) == 1


def test_module_runs_as_a_program():
    done = subprocess.run([sys.executable, "-m", "qms", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "checklist" in done.stdout


def test_header_row_zero_is_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["checklist", "import", str(tmp_path / "x.xlsx"), "--header-row", "0"])
    assert exit_.value.code == 2 and "--header-row" in capsys.readouterr().err


def test_validate_reports_a_nesting_bomb_with_its_line(tmp_path, capsys):
    deep = tmp_path / "deep.yaml"
    deep.write_text('id: "x"\nversion: "1"\nclauses: ' + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    assert main(["checklist", "validate", str(deep)]) == 1
    assert capsys.readouterr().err.startswith(f"{deep}:3: ")


def test_import_refuses_an_oversized_workbook_before_reading_it(cli_db, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("QMS_IMPORT_MAX_MB", "1")
    big = tmp_path / "big.xlsx"
    big.write_bytes(b"PK" + b"\0" * (1024 * 1024 + 1))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail(f"read {self.name} whole"))
    assert main(["checklist", "import", str(big)]) == 1
    assert "1 MB" in capsys.readouterr().err


def _workbook(path, rows):
    import openpyxl
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return path


def test_checklist_import_takes_a_column_map_and_the_language(cli_db, tmp_path, capsys):
    """Seen: a common layout could not be imported from the command line at all, and an English one was stored as
    Vietnamese; nor could it say which clause titles disagree with the standard."""
    from qms.models import Checklist, ChecklistClause, ChecklistItem
    assert main(["init"]) == 0
    common = _workbook(tmp_path / "so.xlsx", [["STT", "Yêu cầu", "Nội dung kiểm tra", "Ghi chép"],
                                               [1, "8.5.1", "Có phiếu kiểm soát quá trình?", ""],
                                               [2, "10.1", "Có tổng hợp cơ hội cải tiến?", ""]])
    args = ["checklist", "import", str(common), "--id", "so-2026", "--version", "1", "--standard", "TCVN ISO 9001:2015"]
    assert main(args) == 1  # nothing says which column holds the clause
    assert main([*args, "--map", "clause=B", "--map", "question_vi=3"]) == 0
    english = _workbook(tmp_path / "en.xlsx", [["Clause", "Clause title", "Content"],
                                                ["10.1", "Nonconformity and corrective action", "Are improvements listed?"]])
    assert main(["checklist", "import", str(english), "--id", "en-2026", "--version", "1", "--standard",
                 "TCVN ISO 9001:2015", "--map", "question=C", "--lang", "en"]) == 0
    err = capsys.readouterr().err
    assert "10.1" in err and "Nonconformity and corrective action" in err and "General" in err
    with Session(db.get_engine(cli_db)) as s:
        so = s.exec(select(Checklist).where(Checklist.code == "so-2026")).one()
        en = s.exec(select(Checklist).where(Checklist.code == "en-2026")).one()
        assert so.languages == "vi" and en.languages == "en"
        assert s.exec(select(ChecklistItem.text_en).where(ChecklistItem.checklist_id == en.id)).all() == [
            "Are improvements listed?"]
        assert s.exec(select(ChecklistClause.title_en).where(ChecklistClause.checklist_id == en.id)).all() == [
            "Nonconformity and corrective action"]  # kept as written unless --standard-titles
    assert main(["checklist", "import", str(common), "--map", "clause=Z9"]) == 1
    assert "reason=checklist.err.map_column" in capsys.readouterr().err
