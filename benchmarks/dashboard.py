"""Time a full dashboard run (every figure, uncached) and the PDF build of a 200-finding audit report.

    python benchmarks/dashboard.py [--repeat 3]

Uses QMS_DATABASE_URL and the demo ISO secretary's view (every unit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlmodel import Session, func, select  # noqa: E402

from qms import clock, db, metrics, report_data  # noqa: E402
from qms.models import Audit, AuditUnit, Finding, Response, User  # noqa: E402
from qms.reports import audit_report  # noqa: E402


def full_run(session: Session, actor_id: int) -> None:
    today, flt = clock.today(), metrics.DashFilter()
    metrics.findings_by_status_grade(session, actor_id, flt)
    metrics.open_by_unit(session, actor_id, flt)
    metrics.open_by_clause(session, actor_id, flt)
    metrics.open_by_grade(session, actor_id, flt)
    metrics.open_by_age(session, actor_id, flt, today)
    metrics.overdue_actions(session, actor_id, flt, today, "unit")
    metrics.overdue_actions(session, actor_id, flt, today, "owner")
    metrics.opened_closed_by_month(session, actor_id, flt)
    metrics.conformity_by_unit(session, actor_id, flt)
    metrics.programme_coverage(session, actor_id, today.year)
    metrics.overdue_count(session, actor_id, today)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    engine = db.get_engine()
    with Session(engine) as s:
        rep = s.exec(select(User.id).where(User.username == "isorep")).one()
        counts = (s.exec(select(func.count()).select_from(Finding)).one(),
                  s.exec(select(func.count()).select_from(Response)).one())
        audit_id = s.exec(select(AuditUnit.audit_id, func.count()).join(Finding, Finding.audit_unit_id == AuditUnit.id)
                          .group_by(AuditUnit.audit_id).order_by(func.count().desc())).first()[0]
        code = s.get(Audit, audit_id).code
    print(f"database: {engine.url.render_as_string(hide_password=True)}  findings: {counts[0]:,}  answers: {counts[1]:,}")
    times = []
    for _ in range(args.repeat):
        with Session(engine) as s:
            started = time.perf_counter()
            full_run(s, rep)
            times.append(time.perf_counter() - started)
    print(f"dashboard, all 11 figures: median {statistics.median(times):.2f} s  max {max(times):.2f} s")
    with Session(engine) as s:
        started = time.perf_counter()
        data = report_data.audit_report(s, rep, audit_id, "vi")
        gathered = time.perf_counter() - started
    data["findings"] = data["findings"][:200]
    kept = {f["unit"] for f in data["findings"]}
    data["counts"] = {u: c for u, c in data["counts"].items() if u in kept}
    data["units_result"] = [u for u in data["units_result"] if u["unit"] in kept]
    data["units"] = [u for u in data["units"] if u["unit"].split(" – ", 1)[-1] in kept]
    started = time.perf_counter()
    pdf = audit_report.build(data, "vi")
    built = time.perf_counter() - started
    print(f"audit report {code}: gathering its data {gathered:.2f} s; PDF of 200 findings over {len(kept)} units "
          f"{built:.2f} s, {len(pdf) / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
