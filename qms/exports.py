"""Excel exports of registers (cells written formula-safe)."""

from __future__ import annotations

import openpyxl

from qms import audits, formats, spreadsheets
from qms.i18n import t


def findings_workbook(rows: list[dict], lang: str) -> bytes:
    """The filtered findings register, one row per finding."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t("findings.title", lang)[:31]
    header = [t(k, lang) for k in ("field.code", "field.audit", "field.unit", "field.clause", "field.grade",
                                   "field.status", "field.statement", "field.due", "field.overdue",
                                   "findings.recurring")]
    spreadsheets.write_table(ws, header, [
        [r["code"] or "", r["audit"], r["unit"], r["clause"], t(f"grade.{r['grade']}", lang),
         t(f"status.{r['status']}", lang), r["statement"], formats.day(r["due"], lang),
         "x" if r["overdue"] else "", "x" if r["recurring"] else ""] for r in rows],
        [16, 16, 36, 9, 22, 22, 70, 12, 9, 9])
    return spreadsheets.to_bytes(wb)


def table_workbook(frame, title: str) -> bytes:
    """One chart's data as a workbook (the table view of a dashboard panel)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "data"
    spreadsheets.write_table(ws, [str(c) for c in frame.columns],
                             [[None if (isinstance(v, float) and v != v) else v for v in row]
                              for row in frame.itertuples(index=False)])
    return spreadsheets.to_bytes(wb)


def programme_file(session, actor_id: int, year: int, lang: str) -> bytes:
    """The year's programme workbook, read from the database (built when its download is clicked)."""
    plan = audits.programme(session, actor_id, year)
    return programme_workbook(plan, {a["id"]: audits.audit_units(session, a["id"]) for a in plan["audits"]}, lang)


def programme_workbook(plan: dict, units_by_audit: dict[int, list[dict]], lang: str) -> bytes:
    """The year's programme: one row per audited unit of each audit."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = str(plan["year"])
    header = [t(k, lang) for k in ("field.code", "field.title", "field.status", "programme.start", "programme.end",
                                   "field.lead", "field.checklist", "field.unit", "field.date")]
    rows = []
    for a in plan["audits"]:
        for u in units_by_audit.get(a["id"]) or [{"code": "", "name": "", "date": None}]:
            rows.append([a["code"], a["title"], t(f"audit_status.{a['status']}", lang),
                         formats.day(a["planned_start"], lang), formats.day(a["planned_end"], lang),
                         a["lead"] or "", a["checklist"], f"{u['code']} – {u['name']}" if u["code"] else "",
                         formats.day(u["date"], lang)])
    spreadsheets.write_table(ws, header, rows, [16, 40, 18, 12, 12, 22, 28, 44, 12])
    return spreadsheets.to_bytes(wb)


def procedures_file(session, actor_id: int, lang: str, **filters) -> bytes:
    """The procedure register as filtered on screen, every row (built when its download is clicked)."""
    from qms import procedures
    rows = procedures.register(session, actor_id, limit=100_000, **filters)["rows"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t("procedures.sheet", lang)[:31]
    header = [t(k, lang) for k in ("procedures.code", "procedures.name", "procedures.field", "procedures.level",
                                   "field.status", "procedures.decision", "procedures.decision_date",
                                   "procedures.effective", "field.unit")]
    spreadsheets.write_table(ws, header, [
        [r["code"], r["name"], r["field"], r["level"], t(f"procedures.status.{r['status']}", lang),
         r["decision_number"], formats.day(r["decision_date"], lang), formats.day(r["effective_date"], lang),
         r["unit"]] for r in rows], [12, 60, 24, 12, 14, 20, 12, 12, 36])
    return spreadsheets.to_bytes(wb)


def flags_file(session, actor_id: int, lang: str, *, unit_ids=None, kind: str | None = None,
               term: str | None = None) -> bytes:
    """The lag flags as listed on screen (built when its download is clicked)."""
    from qms import clock, processes
    found = processes.narrow(processes.flags(session, actor_id, clock.today(), unit_ids=unit_ids), kind=kind,
                             term=term)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t("processes.flags_sheet", lang)[:31]
    header = [t(k, lang) for k in ("processes.kind_col", "field.unit", "processes.procedure", "processes.process",
                                   "processes.since", "processes.days")]
    spreadsheets.write_table(ws, header, [
        [t(f"processes.kind.{f.kind}", lang), f.unit, f.procedure, f.process, formats.day(f.since, lang),
         f.days_late] for f in found], [28, 36, 60, 50, 12, 10])
    return spreadsheets.to_bytes(wb)


def overview_file(session, actor_id: int, year: int, lang: str, **filters) -> bytes:
    """The agency overview as filtered on screen, every agency (built when its download is clicked)."""
    from qms import clock, overview
    from qms.reports.agency_status import status_cell
    rows = overview.overview(session, actor_id, year, clock.today(), **filters)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = t("overview.sheet", lang)[:31]
    header = [t(k, lang) for k in ("overview.agency", "field.type", "overview.must_apply", "overview.qms_status",
                                   "overview.audit_col", "overview.review_col", "overview.major", "overview.minor",
                                   "overview.overdue_col", "overview.procedures_col", "overview.share_col")]
    spreadsheets.write_table(ws, header, [
        [f"{r['code']} – {r['name']}", t(f"unit_type.{r['type']}", lang), "x" if r["must_apply"] else "",
         status_cell(r, lang), t(f"overview.audit.{r['audit']}", lang), formats.day(r["review"], lang),
         r["major"], r["minor"], r["overdue"], r["procedures"], r["share"]] for r in rows],
        [44, 20, 10, 40, 18, 14, 10, 10, 10, 12, 12])
    return spreadsheets.to_bytes(wb)
