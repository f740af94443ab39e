"""The audit plan for the opening meeting: scope, criteria, team, timetable by unit."""

from __future__ import annotations

from qms import clock, formats
from qms.i18n import t
from qms.reports.pdf import Document, administrative_header, document_number


def build(plan: dict, lang: str, head: dict | None = None) -> bytes:
    """`plan` is qms.audits.plan_document(...), `head` qms.report_data.letterhead(...) (the official layout when
    the organisation has it on: agency and number, national motto, place and the day it is printed)."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    official = bool(head and head["administrative"])
    doc = Document(lang, plan["agency"], f"{tr('report.plan_title')} {plan['code']}", running_header=not official,
                   serif=bool(official and head.get("serif")))
    if official:
        administrative_header(doc, head["parent"], tr("report.number", number=document_number(head["symbol"], "KH")),
                              head["place"], clock.today(), lang)
    doc.heading(tr("report.plan_title").upper())
    doc.body()
    doc.paragraph(f"{plan['code']} – {plan['title']}", 6, align="C")
    doc.ln(3)
    doc.field(tr("planning.scope"), plan["scope"])
    doc.field(tr("planning.criteria"), plan["criteria"])
    doc.field(tr("report.dates"), f"{formats.day(plan['start'], lang)} – {formats.day(plan['end'], lang)}")
    doc.field(tr("field.checklist"), plan["checklist"])
    doc.field(tr("field.lead"), plan["lead"])
    doc.field(tr("planning.team"), ", ".join(plan["team"]))
    if plan["not_applicable"]:
        reasons: dict[str, list[str]] = {}  # clauses that share one justification are listed together
        for clause, why in plan["not_applicable"].items():
            reasons.setdefault(why, []).append(clause)
        doc.field(tr("tailoring.not_applicable"),
                  "; ".join(f"{', '.join(clauses)}: {why}" for why, clauses in reasons.items()))
    doc.section(tr("report.timetable"))
    doc.grid([tr("field.date"), tr("field.unit"), tr("planning.unit_auditors"), tr("planning.auditee_reps"),
              tr("report.clauses")],
             [[formats.day(u["date"], lang), u["unit"], ", ".join(u["auditors"]), u["auditee_reps"],
               u["clauses"]] for u in sorted(plan["units"], key=lambda u: (u["date"] is None, u["date"], u["unit"]))],
             [22, 50, 38, 34, 30])
    doc.section(tr("report.meetings"))
    doc.body()
    doc.paragraph(tr("report.meetings_text"))
    doc.signatures([(tr("report.prepared_by"), plan["lead"]), (tr("report.approved_by"), "")])
    return doc.bytes()
