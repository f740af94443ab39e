"""Time the findings register (filter, count, one page) on whatever database QMS_DATABASE_URL names.

    python benchmarks/register.py [--repeat 5]

Runs as the demo ISO secretary (sees every unit) and as the demo auditee (own units only).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, func, select  # noqa: E402

from qms import clock, db, findings, units  # noqa: E402
from qms.models import Finding, User  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    engine = db.get_engine()
    today = clock.today()
    with Session(engine) as s:
        total = s.exec(select(func.count()).select_from(Finding)).one()
        people = {u.username: u.id for u in s.exec(select(User)).all()}
        province = units.id_for_code(s, "UBND-T")
    cases = [("isorep", "no filter, page 1", findings.RegisterFilter(), 0, "newest"),
             ("isorep", "no filter, page 100", findings.RegisterFilter(), 99, "newest"),
             ("isorep", "year 2025 + minor + sorted by due", findings.RegisterFilter(year=2025, grade="minor"), 0, "due"),
             ("isorep", "unit tree (province) + clause group 8", findings.RegisterFilter(unit_id=province, clause="8"), 0, "code"),
             ("isorep", "overdue only", findings.RegisterFilter(overdue_only=True), 0, "newest"),
             ("isorep", "search 'phieu kiem soat'", findings.RegisterFilter(search="phieu kiem soat"), 0, "newest"),
             ("auditee", "own units, no filter", findings.RegisterFilter(), 0, "newest")]
    print(f"database: {engine.url.render_as_string(hide_password=True)}  findings: {total:,}")
    for user, name, flt, page, sort in cases:
        times = []
        for _ in range(args.repeat):
            with Session(engine) as s:
                started = time.perf_counter()
                rows, count = findings.register(s, people[user], flt, today, page, 50, sort)
                times.append((time.perf_counter() - started) * 1000)
        print(f"{name:45s} {count:>8,} matches  median {statistics.median(times):7.1f} ms  max {max(times):7.1f} ms")


if __name__ == "__main__":
    main()
