"""Export and import times of the offline workbook, and the worksheet PDF, for one 176-question unit and a 50-unit
audit (issue 15). Every question is answered in the workbook, as Excel would save it, before the import.

    python benchmarks/offline.py [--units 50] [--database-url URL]   (default: a fresh SQLite file)

Prints one line per step: seconds, rows, file size, SQL statements. Figures, never judged.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _build(url: str, units: int) -> dict:
    """An agency of `units` departments, one audit of them all led by one auditor, every clause in scope."""
    from sqlmodel import Session

    from qms import bootstrap, checklists, db, planning, tailoring, users
    from qms import units as org_units
    from qms.models import Role
    engine = db.get_engine(url)
    bootstrap.init(engine)
    with Session(engine, expire_on_commit=False) as s:
        root = org_units.create_unit(s, None, "UBND", "UBND tỉnh", "province")
        ids = [org_units.create_unit(s, None, f"S{n:02d}", f"Sở số {n}", "department", root) for n in range(units)]
        lead = users.create_user(s, None, "lead", "Trưởng đoàn", "Mật-khẩu-dài-2026", [Role.auditor])
        planning.create_programme(s, None, 2026)
        checklist = checklists.latest(s, "tcvn-iso-9001-2015").id
        audit = planning.create_audit(s, None, 2026, "Đánh giá", checklist, date(2026, 11, 1), date(2026, 11, 30),
                                      lead, [lead])
        every = [c["clause"] for c in tailoring.scope(s, audit)["clauses"]]
        planned = [planning.plan_unit(s, None, audit, unit, date(2026, 11, 5), [lead]) for unit in ids]
        # All 176 questions for every unit but the last: an audit with no N/A clause saved at all is given the
        # checklist's default N/A (8.3), so a clause (7.1.5.2) is declared N/A for the last unit alone.
        tailoring.save(s, None, audit, planned[-1], [c for c in every if c != "7.1.5.2"], {"7.1.5.2": "Benchmark"})
    return {"engine": engine, "lead": lead, "audit": audit, "units": planned}


def _fill(raw: bytes) -> bytes:
    """Every question answered, as a person would type it, saved by openpyxl (as Excel saves it)."""
    import openpyxl

    from qms import offline
    col = {name: n for n, name in enumerate(offline.COLUMNS, start=1)}
    wb = openpyxl.load_workbook(io.BytesIO(raw))
    ws = wb[offline.SHEET]
    labels = ["Phù hợp", "Không phù hợp nhẹ", "Điểm lưu ý", "Cơ hội cải tiến"]
    for row in range(2, ws.max_row + 1):
        ws.cell(row=row, column=col["result"], value=labels[(row // 7) % 4] if row % 7 == 0 else labels[0])
        ws.cell(row=row, column=col["evidence"], value=f"Hồ sơ số {row}/2026 đã xem, đủ chữ ký và ngày ban hành")
        ws.cell(row=row, column=col["records_sampled"], value=f"HS-{row:04d}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _timed(label: str, engine, fn):
    from sqlalchemy import event
    count = [0]

    def _count(*_args):
        count[0] += 1
    event.listen(engine, "before_cursor_execute", _count)
    started = time.perf_counter()
    try:
        value = fn()
    finally:
        event.remove(engine, "before_cursor_execute", _count)
    return value, time.perf_counter() - started, count[0]


def run(url: str, units: int) -> list[dict]:
    from sqlmodel import Session

    from qms import offline, report_data
    from qms.reports import worksheet
    world = _build(url, units)
    engine, lead = world["engine"], world["lead"]
    rows = []

    def step(name: str, fn, size=None, count=None):
        with Session(engine, expire_on_commit=False) as s:
            value, seconds, statements = _timed(name, engine, lambda: fn(s))
        rows.append({"step": name, "seconds": round(seconds, 2), "statements": statements,
                     "bytes": size(value) if size else None, "rows": count(value) if count else None})
        print(f"{name:<44} {seconds:7.2f} s  {statements:6d} statements" +
              (f"  {rows[-1]['rows']} rows" if count else "") + (f"  {rows[-1]['bytes']:,} bytes" if size else ""),
              flush=True)
        return value

    one = world["units"][0]
    raw = step("export one unit (.xlsx)", lambda s: offline.export(s, lead, lang="vi", audit_unit_id=one), len)
    filled = _fill(raw)
    step("preview one unit", lambda s: offline.preview(s, lead, filled), count=lambda p: len(p.new))
    step("import one unit (preview + save)", lambda s: offline.apply(s, lead, filled), count=lambda d: d["saved"])
    step("re-import the same workbook", lambda s: offline.apply(s, lead, filled), count=lambda d: d["unchanged"])
    for filled_pdf in (False, True):
        step(f"worksheet PDF, {'as recorded' if filled_pdf else 'blank'}", lambda s: worksheet.build(
            offline.worksheet(s, lead, one, "vi", filled=filled_pdf), "vi", report_data.letterhead(s, "vi")), len)
    whole = step(f"export the {units}-unit audit (.xlsx)",
                 lambda s: offline.export(s, lead, lang="vi", audit_id=world["audit"]), len)
    started = time.perf_counter()
    filled = _fill(whole)
    print(f"{'(filling it with openpyxl)':<44} {time.perf_counter() - started:7.2f} s", flush=True)
    step(f"preview the {units}-unit audit", lambda s: offline.preview(s, lead, filled),
         count=lambda p: len(p.new) + len(p.changed) + len(p.conflicts) + p.unchanged)
    step(f"import the {units}-unit audit", lambda s: offline.apply(s, lead, filled), count=lambda d: d["saved"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=50)
    parser.add_argument("--database-url", help="an empty database (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'offline.sqlite3'}"
        print(f"{url.split(':')[0]}, {args.units} units", flush=True)
        run(url, args.units)
    return 0


if __name__ == "__main__":
    sys.exit(main())
