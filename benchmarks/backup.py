"""Time backup and restore at a given demo size: rows, archive bytes, seconds and peak memory of each step.

    python benchmarks/backup.py [--units 1000] [--postgres postgresql+psycopg://user@host/any_db]

Builds a demo SQLite database in a temporary folder, then runs each step in a child process of its own, so each
peak RSS (VmHWM) is that step's alone (the baseline line is a child that only imports the app). With --postgres, the
restore into PostgreSQL goes to a database `qms_backup_bench` created (and dropped) on that server.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

STEP = r"""
import json, sys, time
from pathlib import Path
from qms import backup, db
step, url, path = sys.argv[1:4]
started = time.perf_counter()
engine = db.get_engine(url)
if step == "backup":
    manifest = backup.backup_file(engine, Path(path))
elif step == "restore":
    manifest = backup.restore(engine, Path(path))
else:
    manifest = {"tables": []}
seconds = time.perf_counter() - started
# VmHWM is this program's own peak; ru_maxrss would also count the parent's memory copied before exec.
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"seconds": seconds, "rows": sum(t["rows"] for t in manifest["tables"]), "peak_mb": peak / 1024}))
"""


def run(step: str, url: str, path: Path) -> dict:
    """One step in a child process; its own wall time (after imports) and peak RSS."""
    child = subprocess.Popen([sys.executable, "-c", STEP, step, url, str(path)], cwd=ROOT, stdout=subprocess.PIPE,
                             env={**os.environ, "QMS_LOG_LEVEL": "WARNING"})
    out, _ = child.communicate()
    if child.returncode:
        raise SystemExit(f"{step} failed")
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=0, help="extra communes/wards, as python -m qms demo --units")
    parser.add_argument("--postgres", default=os.environ.get("QMS_TEST_DATABASE_URL"),
                        help="a PostgreSQL server URL (default: QMS_TEST_DATABASE_URL)")
    args = parser.parse_args()

    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlmodel import Session

    from qms import db, demo

    folder = Path(tempfile.mkdtemp(prefix="qms-backup-bench-"))
    source = f"sqlite:///{folder / 'source.sqlite3'}"
    started = time.perf_counter()
    engine = db.get_engine(source)
    db.migrate(engine)
    with Session(engine) as s:
        counts = demo.build(s, units=args.units)
    engine.dispose()
    print(f"demo --units {args.units}: {counts} built in {time.perf_counter() - started:.1f} s; "
          f"SQLite file {(folder / 'source.sqlite3').stat().st_size / 1e6:.1f} MB")

    archive = folder / "backup.zip"
    results = {"baseline (imports only)": run("baseline", source, archive),
               "backup (SQLite → archive)": run("backup", source, archive)}
    size = archive.stat().st_size
    results["restore into SQLite (new file)"] = run("restore", f"sqlite:///{folder / 'restored.sqlite3'}", archive)
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "qms_backup_bench" WITH (FORCE)'))
            conn.execute(text('CREATE DATABASE "qms_backup_bench"'))
        target = make_url(args.postgres).set(database="qms_backup_bench").render_as_string(hide_password=False)
        results["restore into PostgreSQL (empty)"] = run("restore", target, archive)
        results["backup (PostgreSQL → archive)"] = run("backup", target, folder / "from-pg.zip")
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE "qms_backup_bench" WITH (FORCE)'))
        admin.dispose()
    rows = results["backup (SQLite → archive)"]["rows"]
    print(f"rows: {rows:,}   archive: {size:,} bytes ({size / 1e6:.1f} MB)")
    for name, got in results.items():
        print(f"{name:34} {got['seconds']:7.2f} s   peak RSS {got['peak_mb']:6.0f} MB")
    for path in folder.iterdir():
        path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
