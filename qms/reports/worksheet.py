"""The audit worksheet of one unit: every in-scope question by clause with tick boxes and ruled space to write in
(blank, for the audit on paper), or with the answers as recorded (filled, the working paper filed with the report)."""

from __future__ import annotations

from fpdf.enums import XPos, YPos

from qms import clock, formats
from qms.i18n import t
from qms.models import Result
from qms.reports.pdf import Document, administrative_header

BOX, TICKED = "☐", "☑"  # drawn by Source Sans (the serif face falls back to it), read back as text by pdftotext
RESULTS = [r.value for r in Result]
EVIDENCE_LINES = 2  # ruled lines for the evidence; records sampled and people interviewed share one more


def build(sheet: dict, lang: str, head: dict | None = None) -> bytes:
    """`sheet` is qms.offline.worksheet(...), `head` qms.report_data.letterhead(...)."""
    def tr(key: str, **params) -> str:
        return t(key, lang, **params)

    official = bool(head and head["administrative"])
    title = tr("worksheet.title")
    doc = Document(lang, sheet["agency"], f"{title} {sheet['code']} {sheet['unit']}", running_header=not official,
                   serif=bool(official and head.get("serif")))
    if official:
        administrative_header(doc, head["parent"], "", head["place"], clock.today(), lang)
    doc.heading(title.upper())
    doc.body("I")
    doc.paragraph(tr("worksheet.filled", at=formats.moment(clock.now(), lang)) if sheet["filled"]
                  else tr("worksheet.blank"), align="C")
    doc.ln(2)
    doc.field(tr("field.audit"), f"{sheet['code']} – {sheet['title']}")
    doc.field(tr("field.unit"), sheet["unit"])
    doc.field(tr("field.date"), formats.day(sheet["date"], lang) if sheet["date"] else "")
    doc.field(tr("planning.unit_auditors"), ", ".join(sheet["auditors"]))
    doc.field(tr("field.lead"), sheet["lead"])
    doc.field(tr("planning.scope"), sheet["scope"])
    doc.field(tr("planning.auditee_reps"), sheet["auditee_reps"])
    if not sheet["filled"]:
        doc.set_font(doc.face, "", doc.sizes["small"])
        doc.paragraph(tr("worksheet.how"))
    for clause in sheet["clauses"]:
        doc.section(f"{clause['clause']} {clause['title']}")
        for question in clause["questions"]:
            _question(doc, question["key"], question, lang)
    if sheet["not_applicable"]:
        doc.section(tr("tailoring.not_applicable"))
        doc.grid([tr("field.clause"), tr("tailoring.justification")],
                 [[clause, why] for clause, why in sheet["not_applicable"].items()], [20, 80])
    doc.signatures([(tr("planning.unit_auditors"), ", ".join(sheet["auditors"])),
                    (tr("planning.auditee_reps"), sheet["auditee_reps"])])
    return doc.bytes()


def _question(doc: Document, key: str, question: dict, lang: str) -> None:
    """One question: its text and guidance, the result's boxes, then evidence, records and people (ruled or filled)."""
    size, small = doc.sizes["table"], doc.sizes["small"] - 1
    line, note = size * 0.5, small * 0.45
    answer = question["answer"]
    doc.set_font(doc.face, "B", size)
    text = doc.clean(f"{key}  {question['text']}")
    guidance = doc.clean(question["guidance"], "I")
    needed = line * len(doc.multi_cell(0, line, text, dry_run=True, output="LINES")) + 2 * (line + 1.5) \
        + (line + 1.5) * (EVIDENCE_LINES + 1) + 6
    if guidance:
        doc.set_font(doc.face, "I", small)
        needed += note * len(doc.multi_cell(0, note, guidance, dry_run=True, output="LINES"))
    if doc.will_page_break(min(needed, 150)):  # a question stays with its boxes and lines; a very long one may split
        doc.add_page()
    doc.ln(1.5)
    doc.set_font(doc.face, "B", size)
    doc.multi_cell(0, line, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if guidance:
        doc.set_font(doc.face, "I", small)
        doc.set_text_color(90, 90, 90)
        doc.multi_cell(0, note, guidance, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        doc.set_text_color(0, 0, 0)
    _boxes(doc, answer["result"] if answer else None, lang, size, line)
    if answer is not None:
        for name in ("evidence", "records_sampled", "interviewed"):
            _label(doc, t(f"offline.col.{name}", lang), size, line)
            doc.multi_cell(0, line + 1, doc.clean(answer[name] or "—"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if answer["answered_by"]:
            doc.set_font(doc.face, "I", small)
            doc.multi_cell(0, note, doc.clean(t("worksheet.answered", lang, who=answer["answered_by"],
                                                at=formats.moment(answer["answered_at"], lang))),
                           new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    else:
        _label(doc, t("offline.col.evidence", lang), size, line)
        for n in range(EVIDENCE_LINES):
            _rule(doc, doc.get_x() if n == 0 else doc.l_margin, doc.w - doc.r_margin, line)
            doc.set_xy(doc.l_margin, doc.get_y() + line + 1.5)
        half = doc.l_margin + doc.epw / 2  # records sampled and people interviewed share the last line
        _label(doc, t("offline.col.records_sampled", lang), size, line)
        _rule(doc, doc.get_x(), half - 3, line)
        doc.set_x(half)
        _label(doc, t("offline.col.interviewed", lang), size, line)
        _rule(doc, doc.get_x(), doc.w - doc.r_margin, line)
        doc.set_xy(doc.l_margin, doc.get_y() + line + 1.5)
    doc.set_draw_color(200, 200, 200)
    doc.line(doc.l_margin, doc.get_y() + 1, doc.w - doc.r_margin, doc.get_y() + 1)
    doc.set_draw_color(0, 0, 0)
    doc.ln(1.5)


def _label(doc: Document, text: str, size: float, line: float) -> None:
    doc.set_font(doc.face, "B", size)
    doc.write(line + 1, doc.clean(text) + ": ")
    doc.set_font(doc.face, "", size)


def _rule(doc: Document, start: float, end: float, line: float) -> None:
    """A line to write on, under the current text line."""
    y = doc.get_y() + line + 0.5
    doc.set_draw_color(150, 150, 150)
    doc.line(start, y, end, y)
    doc.set_draw_color(0, 0, 0)


def _boxes(doc: Document, chosen: str | None, lang: str, size: float, line: float) -> None:
    """A box for every result, the recorded one ticked; they wrap to a second line on a narrow page."""
    doc.set_font(doc.face, "", size)
    doc.ln(0.5)
    right = doc.w - doc.r_margin
    for code in RESULTS:
        text = doc.clean(f"{TICKED if code == chosen else BOX} {t(f'result_short.{code}', lang)}")
        width = doc.get_string_width(text) + 3.5
        if doc.get_x() + width > right:
            doc.ln(line + 1)
        doc.set_font(doc.face, "B" if code == chosen else "", size)
        doc.cell(width, line + 1, text)
        doc.set_font(doc.face, "", size)
    doc.ln(line + 1.5)
