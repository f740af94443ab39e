"""The benchmark runs from a clean checkout and finds no errors: every page for every role, the interactions,
the documents and concurrent auditors on the small database (a smoke run: times are printed, never judged)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.xdist_group("benchmark")
def test_the_benchmark_smoke_run_finds_no_errors(tmp_path):
    out = tmp_path / "bench.json"
    # SQLite only: PostgreSQL's page runs are counted by the statement budget test, and two minutes of CI are not
    # worth the repeat; `python -m benchmarks --smoke` on a workstation takes both.
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--smoke", "--fresh", "--engines", "sqlite",
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    for name, run in result["runs"].items():
        pages = run["pages"]["pages"]
        assert {row["role"] for row in pages} == {"admin", "isorep", "auditor", "auditee", "viewer"}, name
        assert all(row["statements"] > 0 for row in pages), name
        assert {row["interaction"] for row in run["pages"]["interactions"]} == {"answer_save", "raise_finding",
                                                                                  "open_finding"}, name
        assert run["concurrency"]["together"]["saves"] > 0 and not run["concurrency"]["together"]["lost"], name
    assert "| answer_save |" in done.stdout
