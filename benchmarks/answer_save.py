"""Median time of one answer save (the audit-day hot path), on whatever database QMS_DATABASE_URL names.

    python benchmarks/answer_save.py [--saves 300]

Uses the demo accounts: the auditor assigned to a unit of the open audit saves answers one by one,
each through qms.responses.save in its own session, as the screen does.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from qms import db, responses  # noqa: E402
from qms.models import Audit, AuditStatus, AuditUnit, AuditUnitAuditor, Response  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    engine = db.get_engine()
    with Session(engine) as s:
        answers = s.exec(select(func.count()).select_from(Response)).one()
        au_id, user_id = s.exec(select(AuditUnit.id, AuditUnitAuditor.user_id)
                                .join(Audit, Audit.id == AuditUnit.audit_id)
                                .join(AuditUnitAuditor, AuditUnitAuditor.audit_unit_id == AuditUnit.id)
                                .where(Audit.status == AuditStatus.in_progress).order_by(AuditUnit.id)).first()
        rows = responses.sheet(s, au_id)
    timings = []
    for n in range(args.saves):
        row = rows[n % len(rows)]
        with Session(engine) as s:
            current = s.exec(select(Response.version).where(Response.audit_unit_id == au_id,
                                                            Response.item_id == row["id"])).first() or 0
            started = time.perf_counter()
            responses.save(s, user_id, au_id, row["id"], {"result": "conform", "evidence": f"bench {n}"}, current)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    print(f"database: {engine.url.render_as_string(hide_password=True)}")
    print(f"answers in database: {answers:,}")
    print(f"saves: {len(timings)}  median: {statistics.median(timings):.1f} ms  "
          f"p95: {timings[int(len(timings) * 0.95) - 1]:.1f} ms  max: {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
