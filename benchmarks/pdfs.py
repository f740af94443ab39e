"""The printed documents on a database: gathering their data and building the PDF, seconds and the process's
peak memory after each (an audit report of 200 findings, the review pack, the plan of a 50-unit audit, a CAR).

    python -m benchmarks.pdfs --url DB_URL [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _timed(fn):
    started = time.perf_counter()
    value = fn()
    return value, round(time.perf_counter() - started, 2)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _car(session, actor_id: int, finding_id: int) -> bytes:
    from qms.reports import car
    if hasattr(car, "for_finding"):
        return car.for_finding(session, actor_id, finding_id, "vi")
    from qms import actions, changelog, findings  # the code before issue 12, for a before/after run
    return car.build(findings.detail(session, actor_id, finding_id), actions.chain(session, actor_id, finding_id),
                     changelog.history_of_finding(session, finding_id), "", "vi")


def measure(url: str) -> list[dict]:
    from qms import audits, clock, db, report_data
    from qms.models import (ActionItem, Audit, AuditUnit, CorrectiveAction, Finding, FindingStatus, ManagementReview,
                            User)
    from qms.reports import audit_plan, audit_report, review_pack
    out = []
    with Session(db.get_engine(url)) as s:
        rep = s.exec(select(User.id).where(User.username == "isorep")).one()
        audit_id = s.exec(select(AuditUnit.audit_id, func.count()).join(Finding, Finding.audit_unit_id == AuditUnit.id)
                          .group_by(AuditUnit.audit_id).order_by(func.count().desc())).first()[0]
        code = s.get(Audit, audit_id).code
        data, gathered = _timed(lambda: report_data.audit_report(s, rep, audit_id, "vi"))
        units_total, findings_total = len(data["units"]), len(data["findings"])
        data["findings"] = data["findings"][:200]
        kept = {f["unit"] for f in data["findings"]}
        data["counts"] = {u: c for u, c in data["counts"].items() if u in kept}
        data["units_result"] = [u for u in data["units_result"] if u["unit"] in kept]
        data["units"] = [u for u in data["units"] if u["unit"].split(" – ", 1)[-1] in kept]
        pdf, built = _timed(lambda: audit_report.build(data, "vi"))
        out.append({"document": "audit report", "subject": f"{code}: 200 of {findings_total:,} findings, "
                                                          f"{len(kept)} of {units_total:,} units",
                    "gather_s": gathered, "build_s": built, "kb": len(pdf) // 1024, "peak_mb": _peak_mb()})

        plan, gathered = _timed(lambda: audits.plan_document(s, rep, audit_id, "vi"))
        plan["units"] = plan["units"][:50]
        pdf, built = _timed(lambda: audit_plan.build(plan, "vi"))
        out.append({"document": "audit plan", "subject": f"{code}: {len(plan['units'])} units (data gathered for all)",
                    "gather_s": gathered, "build_s": built, "kb": len(pdf) // 1024, "peak_mb": _peak_mb()})

        review_id = s.exec(select(ManagementReview.id).order_by(ManagementReview.held_on.desc())).first()
        if review_id is not None:
            pack, gathered = _timed(lambda: report_data.review_pack(s, rep, review_id, clock.today()))
            head = report_data.letterhead(s, "vi")
            pdf, built = _timed(lambda: review_pack.build(pack, head, "vi"))
            out.append({"document": "review pack", "subject": f"review {review_id}", "gather_s": gathered,
                        "build_s": built, "kb": len(pdf) // 1024, "peak_mb": _peak_mb()})

        busiest = s.exec(select(Finding.id, func.count()).join(CorrectiveAction, CorrectiveAction.finding_id == Finding.id)
                         .join(ActionItem, ActionItem.corrective_action_id == CorrectiveAction.id)
                         .where(Finding.status != FindingStatus.draft).group_by(Finding.id)
                         .order_by(func.count().desc())).first()
        if busiest is not None:
            pdf, built = _timed(lambda: _car(s, rep, busiest[0]))
            out.append({"document": "corrective action request", "subject": f"finding {busiest[0]}, {busiest[1]} actions",
                        "gather_s": None, "build_s": built, "kb": len(pdf) // 1024, "peak_mb": _peak_mb()})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--json")
    args = parser.parse_args()
    os.environ["QMS_DATABASE_URL"] = args.url
    os.environ.setdefault("QMS_LOG_LEVEL", "WARNING")
    text = json.dumps(measure(args.url), indent=1)
    if args.json:
        Path(args.json).write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
