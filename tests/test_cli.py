"""python -m qms: the contracts other tools rely on (exit codes, FILE:LINE: message)."""

import subprocess
import sys
from pathlib import Path

import pytest

from qms import config
from qms.__main__ import main

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


def test_export_and_import_xlsx(cli_db, tmp_path, capsys):
    out = tmp_path / "iso.xlsx"
    assert main(["checklist", "export", "tcvn-iso-9001-2015", "-o", str(out)]) == 0
    assert main(["checklist", "import", str(out)]) == 0
    assert "1.0" in capsys.readouterr().out  # unchanged: the same checklist, same version
    assert main(["checklist", "export", "no-such-checklist", "-o", str(out)]) == 1


def test_module_runs_as_a_program():
    done = subprocess.run([sys.executable, "-m", "qms", "--help"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0 and "checklist" in done.stdout
