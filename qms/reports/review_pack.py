"""The management review pack: the meeting record and every 9.3.2 input with its live figures and charts."""

from __future__ import annotations

from qms import charts, formats, reviews
from qms.i18n import t
from qms.reports import chart_images
from qms.reports.pdf import Document, administrative_header, document_number, recipients


# Sections drawn from the figures (and the decisions), never empty for want of typing.
_FIGURES = ("previous_actions", "nonconformities", "audits", "monitoring", "decisions")


def for_review(session, actor_id: int | None, review_id: int, today, lang: str) -> bytes:
    """The pack of one review, read from the database for whoever may read reviews."""
    from qms import report_data
    return build(report_data.review_pack(session, actor_id, review_id, today), report_data.letterhead(session, lang),
                 lang)


def build(pack: dict, head: dict, lang: str) -> bytes:
    """`pack` is qms.report_data.review_pack(...), `head` qms.report_data.letterhead(...)."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    review, live = pack["review"], pack["live"]
    doc = Document(lang, head["agency"], tr("report.review_title"), running_header=not head["administrative"],
                   serif=head.get("serif", False))
    if head["administrative"]:
        administrative_header(doc, head["parent"], tr("report.number", number=document_number(head["symbol"], "BB")),
                              head["place"], review["held_on"], lang)
    doc.heading(tr("report.review_title").upper())
    doc.field(tr("field.date"), formats.day(review["held_on"], lang))
    doc.field(tr("review.chair"), review["chair"])
    doc.field(tr("review.attendees"), review["attendees"])
    doc.paragraph(tr(reviews.figures_note(review, live, pack["today"]), at=formats.moment(live["counted_at"], lang)))
    # Sections of typed inputs left empty are named once, not each under its own heading.
    typed = [name for name in pack["sections"] if name not in _FIGURES]
    empty = [str(n) for n, name in enumerate(pack["sections"], start=1)
             if name in typed and not review["inputs"].get(name)]
    if empty:
        doc.paragraph(tr("review.empty_sections", sections=", ".join(empty)))
    for n, name in enumerate(pack["sections"], start=1):
        doc.section(f"{n}. {tr(f'review.section.{name}')} ({tr(f'review.clause.{name}')})")
        doc.body()
        if name == "previous_actions":
            rows = live["previous_actions"]
            doc.grid([tr("car.action"), tr("car.owner"), tr("field.due"), tr("field.status")],
                     [[r["action"], r["owner_name"], formats.day(r["due_date"], lang),
                       tr("review.done") if r["done_date"] else (tr("field.overdue") if r["overdue"]
                                                                  else tr("review.open_state"))]
                      for r in rows] or [["—", "", "", ""]], [80, 40, 24, 30])
        elif name == "nonconformities":
            open_now = sum(r["count"] for r in live["status_grade"] if r["status"] not in ("closed", "draft"))
            doc.field(tr("dashboard.open_findings"), str(open_now))
            doc.field(tr("dashboard.overdue"), str(live["overdue"]))
            if len(live["by_clause"]) >= charts.MIN_POINTS:
                doc.image_png(chart_images.png(charts.pareto(live["by_clause"], tr("field.clause"),
                                                             tr("dashboard.count"), tr("dashboard.cumulative"))),
                              width=doc.epw * 0.8)
            elif live["by_clause"]:
                doc.grid([tr("field.clause"), tr("dashboard.count")],
                         [[r["clause"], str(r["count"])] for r in live["by_clause"]], [60, 40])
            if len(live["months"]) >= charts.MIN_POINTS:
                doc.image_png(chart_images.png(charts.monthly_lines(
                    live["months"], tr("dashboard.month"), tr("dashboard.count"),
                    {"opened": tr("dashboard.opened"), "closed": tr("dashboard.closed")})), width=doc.epw * 0.8)
            elif live["months"]:
                doc.grid([tr("dashboard.month"), tr("dashboard.opened"), tr("dashboard.closed")],
                         [[formats.month(r["month"], lang), str(r["opened"]), str(r["closed"])]
                          for r in live["months"]], [40, 30, 30])
        elif name == "audits":
            doc.grid([tr("field.code"), tr("field.title"), tr("field.status"), tr("review.findings_by_grade")],
                     [[a["code"], a["title"], tr(f"audit_status.{a['status']}"),
                       ", ".join(f"{tr('grade.' + g)}: {c}" for g, c in sorted(a["grades"].items()))]
                      for a in live["audits"]] or [["—", "", "", ""]], [30, 60, 30, 54])
        elif name == "monitoring":
            cov = live["coverage"]
            doc.field(tr("dashboard.coverage", year=cov["year"]), f"{cov['planned']}/{cov['active']}")
            if live["conformity"]:
                doc.grid([tr("field.audit"), tr("field.unit"), tr("dashboard.rate")],
                         [[c["audit"], c["unit"], formats.percent(c["rate"], lang)] for c in live["conformity"]], [40, 100, 34])
            if review["inputs"].get("monitoring"):
                doc.paragraph(review["inputs"]["monitoring"])
        elif name == "decisions":
            doc.paragraph(review["outputs"] or "—")
            doc.grid([tr("car.action"), tr("car.owner"), tr("field.due")],
                     [[d["action"], d["owner_name"], formats.day(d["due_date"], lang)]
                      for d in pack["decisions"]] or [["—", "", ""]], [100, 44, 30])
        else:
            doc.paragraph(review["inputs"].get(name) or "—")
    if head["administrative"]:
        recipients(doc, [tr("report.to_leaders"), tr("report.to_units"), tr("report.to_archive")], lang)
    doc.signatures([(tr("review.chair"), review["chair"]), (tr("car.iso_rep"), "")])
    return doc.bytes()
