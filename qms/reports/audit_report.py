"""The internal audit report (báo cáo đánh giá nội bộ) for one audit."""

from __future__ import annotations

from collections.abc import Callable

from qms import charts, clock, formats
from qms.i18n import t
from qms.reports import chart_images
from qms.reports.pdf import Document, administrative_header, recipients

GRADES = ("major", "minor", "observation", "ofi")


def build(report: dict, lang: str, progress: Callable[[float], None] | None = None) -> bytes:
    """`report` is qms.report_data.audit_report(...); `progress` gets 0..1 as the parts are laid out."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    step = progress or (lambda _fraction: None)
    doc = Document(lang, report["agency"], f"{tr('report.audit_title')} {report['code']}",
                   running_header=not report["administrative"], serif=report.get("serif", False))
    if report["administrative"]:
        issued = report["issued_at"] or clock.now()
        administrative_header(doc, report["parent"], tr("report.number", number=f"…/{report['symbol']}"),
                              report["place"], clock.local(issued).date(), lang)
    doc.heading(tr("report.audit_title").upper())
    doc.body()
    doc.paragraph(f"{report['code']} – {report['title']}", 6, align="C")
    doc.section("1. " + tr("report.general"))
    doc.field(tr("planning.scope"), report["scope"])
    doc.field(tr("planning.criteria"), report["criteria"])
    doc.field(tr("report.dates"), f"{formats.day(report['start'], lang)} – {formats.day(report['end'], lang)}")
    doc.field(tr("field.lead"), report["lead"])
    doc.field(tr("planning.team"), ", ".join(report["team"]))
    doc.field(tr("field.checklist"), report["checklist"])
    step(0.2)
    doc.section("2. " + tr("report.units_result"))
    doc.grid([tr("field.unit"), tr("dashboard.answers"), tr("dashboard.rate"), tr("result.not_audited")],
             [[u["unit"], str(u["answered"]), formats.percent(u["rate"], lang), str(u["not_audited"])]
              for u in report["units_result"]], [80, 30, 34, 30])
    skipped = [u for u in report["units_result"] if u["not_audited"]]
    if skipped:
        doc.body()
        for u in skipped:
            reasons = "; ".join(u["not_audited_reasons"]) or "—"
            doc.paragraph(tr("report.not_audited_line", unit=u["unit"], n=u["not_audited"], reasons=reasons))
    doc.section("3. " + tr("report.summary"))
    totals = {g: sum(c.get(g, 0) for c in report["counts"].values()) for g in GRADES}
    doc.grid([tr("field.unit"), *[tr(f"grade.{g}") for g in GRADES]],
             [[unit, *[str(c.get(g, 0)) for g in GRADES]] for unit, c in sorted(report["counts"].items())]
             + [[tr("report.total"), *[str(totals[g]) for g in GRADES]]], [70, 26, 26, 26, 26])
    if any(totals.values()) and len(report["counts"]) >= charts.MIN_POINTS:  # else the table above says it all
        rows = [{"unit": unit, "grade": tr(f"grade.{g}"), "count": n}
                for unit, c in report["counts"].items() for g, n in c.items()]
        doc.image_png(chart_images.png(charts.stacked_bars(rows, "unit", "grade", "count", tr("field.unit"),
                                                           tr("field.grade"), tr("dashboard.count"))))
    step(0.5)
    doc.section("4. " + tr("report.findings"))
    if report["findings"]:
        doc.grid([tr("field.code"), tr("field.unit"), tr("field.clause"), tr("field.grade"), tr("field.statement")],
                 [[f["code"] or "", f["unit"], f["clause"], tr(f"grade.{f['grade']}"),
                   f["statement"] + (f"\n{tr('audit_day.finding_evidence')}: {f['evidence']}"
                                     if f["evidence"] and f["evidence"] != f["statement"] else "")]
                  for f in report["findings"]], [28, 34, 14, 26, 72])
    else:
        doc.body()
        doc.paragraph(tr("report.no_findings"))
    step(0.85)
    doc.section("5. " + tr("report.conclusion"))
    doc.body()
    nonconformities = totals["major"] + totals["minor"]
    doc.paragraph(tr("report.conclusion_text", units=len(report["units_result"]), nc=nonconformities,
                  major=totals["major"], obs=totals["observation"], ofi=totals["ofi"]))
    if report["administrative"]:
        recipients(doc, [tr("report.to_leaders"), tr("report.to_units"), tr("report.to_archive")], lang)
    doc.signatures([(tr("report.prepared_by"), report["lead"]), (tr("report.approved_by"), "")])
    step(1.0)
    return doc.bytes()
