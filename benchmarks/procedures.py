"""Procedure lists and the agency overview (issue 16): a 2,000-procedure workbook imported into a unit's register,
its processes, an amending decision of 300 changes, the lag flags; then the agency overview and its annual report
on the 10,000-unit demo.

    python benchmarks/procedures.py [--procedures 2000] [--units 10000] [--database-url URL] [--demo-url URL]

Each URL names an empty database (default: fresh SQLite files). Prints one line per step: seconds, SQL statements,
rows. Figures, never judged.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.offline import _timed  # noqa: E402 (the statement counter, after the path is set)

FIELDS = ["Hộ tịch", "Chứng thực", "Đất đai", "Xây dựng", "Bảo trợ xã hội", "Hộ kinh doanh", "Thi đua, khen thưởng",
          "Tín ngưỡng, tôn giáo", "Giáo dục", "Y tế", "Văn hóa", "Nội vụ", "Tư pháp", "Giao thông", "Môi trường",
          "Nông nghiệp", "Tài chính", "Đầu tư", "Lao động", "Khoa học và công nghệ"]


def _workbook(rows: list[list]) -> bytes:
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["DANH MỤC THỦ TỤC HÀNH CHÍNH"])
    ws.append(["STT", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Cấp thực hiện", "Tình trạng", "Ngày hiệu lực"])
    for n, row in enumerate(rows, start=1):
        ws.append([n, *row])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _step(engine, name: str, fn, count=None):
    from sqlmodel import Session
    with Session(engine, expire_on_commit=False) as s:
        value, seconds, statements = _timed(name, engine, lambda: fn(s))
    shown = f"  {count(value)} rows" if count else ""
    print(f"{name:<52} {seconds:7.2f} s  {statements:6d} statements{shown}", flush=True)
    return value


def lists(url: str, size: int) -> None:
    from qms import bootstrap, clock, db, procedures, processes, units
    engine = db.get_engine(url)
    bootstrap.init(engine)
    from sqlmodel import Session
    with Session(engine) as s:
        root = units.create_unit(s, None, "UBND-T", "UBND tỉnh", "province")
        unit = units.create_unit(s, None, "TTPVHCC", "Trung tâm Phục vụ hành chính công", "service_centre", root)
    today = clock.today()
    start = (today - timedelta(days=400)).strftime("%d/%m/%Y")
    rows = [[f"1.{900000 + n:06d}", f"Thủ tục số {n} về {FIELDS[n % len(FIELDS)].lower()}", FIELDS[n % len(FIELDS)],
             "Cấp tỉnh", "", start] for n in range(size)]
    raw = _workbook(rows)
    print(f"{url.split(':')[0]}: a {size:,}-procedure workbook of {len(raw):,} bytes", flush=True)
    started = time.perf_counter()
    entries, problems = procedures.read_workbook(raw, decision_number="100/QĐ-UBND")
    print(f"{'read and map the workbook':<52} {time.perf_counter() - started:7.2f} s  {len(entries)} rows", flush=True)
    assert not problems
    _step(engine, "preview against an empty register", lambda s: procedures.preview(s, None, unit, entries),
          count=lambda p: len(p.new))
    _step(engine, "import (preview + save)", lambda s: procedures.apply(s, None, unit, entries),
          count=lambda d: d["new"])
    _step(engine, "re-import the same list", lambda s: procedures.apply(s, None, unit, entries),
          count=lambda d: d["unchanged"])
    from sqlmodel import select

    from qms.models import Procedure
    with Session(engine) as s:
        ids = list(s.exec(select(Procedure.id).order_by(Procedure.code)).all())

    def create_processes(s):
        for n in range(0, len(ids) - len(ids) // 20, 5):  # every procedure but the last 5% covered, five a process
            processes.create(s, None, unit_id=unit, code=f"QT-{n // 5 + 1:04d}", title=f"Quy trình {n // 5 + 1}",
                             issue_no="01", issued_on=today - timedelta(days=300), procedure_ids=ids[n:n + 5])
        return len(range(0, len(ids) - len(ids) // 20, 5))
    _step(engine, "create the processes (one by one, as on screen)", create_processes, count=lambda n: n)
    changed = (today - timedelta(days=45)).strftime("%d/%m/%Y")
    amendment = [[r[0], r[1] + " (sửa đổi)", r[2], r[3], "Sửa đổi, bổ sung", changed] for r in rows[:200]] + \
        [[r[0], r[1], r[2], r[3], "Bãi bỏ", changed] for r in rows[200:250]] + \
        [[f"2.{900000 + n:06d}", f"Thủ tục mới {n}", "Hộ tịch", "Cấp tỉnh", "Ban hành mới", changed] for n in range(50)]
    decision, _ = procedures.read_workbook(_workbook(amendment), decision_number="2456/QĐ-UBND")
    _step(engine, "preview an amending decision of 300 changes", lambda s: procedures.preview(s, None, unit, decision),
          count=lambda p: p.changes)
    _step(engine, "import it", lambda s: procedures.apply(s, None, unit, decision), count=lambda d: d["amended"])
    _step(engine, "lag flags of the unit", lambda s: processes.flags(s, None, today), count=len)
    _step(engine, "the register, first page (500 rows)", lambda s: procedures.register(s, None, unit_id=unit),
          count=lambda r: r["total"])


def agencies(url: str, size: int) -> None:
    from sqlmodel import Session

    from qms import bootstrap, clock, db, demo, overview, report_data
    from qms.reports import agency_status
    engine = db.get_engine(url)
    bootstrap.init(engine)
    started = time.perf_counter()
    with Session(engine) as s:
        demo.build(s, units=size)
    demo.settle(engine)
    print(f"{url.split(':')[0]}: the demo with {size:,} more units, built in {time.perf_counter() - started:.0f} s",
          flush=True)
    today = clock.today()
    rows = _step(engine, "agency overview (every agency)", lambda s: overview.overview(s, None, today.year, today),
                 count=len)
    _step(engine, "agency overview, departments only", lambda s: overview.overview(
        s, None, today.year, today, unit_type="department"), count=len)
    _step(engine, "annual report PDF, departments", lambda s: agency_status.build(overview.status_report(
        s, None, today.year, today, unit_type="department"), "vi", report_data.letterhead(s, "vi")), count=len)
    _step(engine, f"annual report PDF, all {len(rows):,} agencies", lambda s: agency_status.build(
        overview.status_report(s, None, today.year, today), "vi", report_data.letterhead(s, "vi")), count=len)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procedures", type=int, default=2000)
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--database-url", help="an empty database for the procedure lists")
    parser.add_argument("--demo-url", help="an empty database for the demo")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        lists(args.database_url or f"sqlite:///{Path(folder) / 'lists.sqlite3'}", args.procedures)
        agencies(args.demo_url or f"sqlite:///{Path(folder) / 'demo.sqlite3'}", args.units)
    return 0


if __name__ == "__main__":
    sys.exit(main())
