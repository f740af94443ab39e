"""The annual report on how agencies build, apply, maintain and improve their QMS under TCVN ISO 9001:2015: the
counts such reports give, then one row an agency."""

from __future__ import annotations

from qms import clock, formats
from qms.i18n import t
from qms.reports.pdf import Document, administrative_header, document_number, recipients


def status_cell(row: dict, lang: str) -> str:
    """Built, announced: the decision and its day, or "—"."""
    parts = []
    for kind in ("built", "announced"):
        if row[f"{kind}_on"]:
            parts.append(t(f"overview.{kind}_short", lang, decision=row[f"{kind}_decision"],
                           day=formats.day(row[f"{kind}_on"], lang)))
    return "\n".join(parts) or "—"


def build(report: dict, lang: str, head: dict) -> bytes:
    """`report` is qms.overview.status_report(...), `head` qms.report_data.letterhead(...)."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    official = bool(head["administrative"])
    title = tr("overview.report_title", year=report["year"])
    doc = Document(lang, head["agency"], title, running_header=not official, serif=bool(official and head["serif"]))
    if official:
        administrative_header(doc, head["parent"], tr("report.number", number=document_number(head["symbol"], "BC")),
                              head["place"], clock.today(), lang)
    doc.heading(tr("overview.report_heading").upper())
    doc.body("B")
    doc.paragraph(tr("overview.report_subject", year=report["year"]), align="C")
    doc.ln(3)
    doc.section(tr("overview.report_counts"))
    counts = report["counts"]
    doc.grid([tr("overview.count_col"), tr("overview.number_col"), tr("overview.share_col")],
             [[tr(f"overview.count.{key}"), str(counts[key]),
               "" if key in ("agencies", "must_apply") or not counts["must_apply"]
               else formats.percent(round(100 * counts[key] / counts["must_apply"]), lang)] for key in counts],
             [110, 30, 30])
    doc.section(tr("overview.report_agencies"))
    doc.grid([tr("overview.agency"), tr("overview.qms_status"), tr("overview.audit_col"), tr("overview.review_col"),
              tr("overview.nc_col"), tr("overview.overdue_col"), tr("overview.share_short")],
             [[f"{r['code']} – {r['name']}" + ("" if r["must_apply"] else f"\n({tr('overview.not_required')})"),
               status_cell(r, lang), tr(f"overview.audit.{r['audit']}"),
               formats.day(r["review"], lang) if r["review"] else "—", f"{r['major']} / {r['minor']}",
               str(r["overdue"]), formats.percent(r["share"], lang)] for r in report["rows"]],
             [50, 38, 22, 24, 16, 14, 14])
    doc.body()
    doc.ln(2)
    doc.paragraph(tr("overview.report_note"))
    recipients(doc, [tr("overview.recipient_1"), tr("overview.recipient_2")], lang)
    doc.signatures([(tr("overview.prepared_by"), ""), (tr("overview.signer"), "")])
    return doc.bytes()
