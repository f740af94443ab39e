"""The page every report shares: embedded Vietnamese-capable font, agency header, numbered pages."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import font_source_sans_pro
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from qms.i18n import t

FONT_DIR = Path(font_source_sans_pro.font_directory)
FAMILY = "SourceSans"


def nfc(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value))


class Document(FPDF):
    """A4 portrait, Source Sans Pro embedded (subset), agency name on top, "page x/y" at the bottom."""

    def __init__(self, lang: str, agency: str, title: str, running_header: bool = True) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lang, self.agency, self.running_header = lang, nfc(agency), running_header
        self.add_font(FAMILY, "", str(FONT_DIR / "SourceSansPro-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "SourceSansPro-Bold.ttf"))
        self.add_font(FAMILY, "I", str(FONT_DIR / "SourceSansPro-It.ttf"))
        self.set_title(nfc(title))
        self.set_creator("QMS Audit Assistant")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()
        self.add_page()

    def header(self) -> None:
        if not self.running_header and self.page_no() == 1:
            return
        self.set_font(FAMILY, "B", 10)
        self.cell(0, 5, self.agency.upper(), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FAMILY, "", 8)
        self.cell(0, 5, t("report.page", self.lang, page=self.page_no(), pages="{nb}"), align="C")

    def heading(self, text: str, size: int = 15) -> None:
        self.set_font(FAMILY, "B", size)
        self.multi_cell(0, size * 0.5, nfc(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def section(self, text: str) -> None:
        self.ln(2)
        self.set_font(FAMILY, "B", 11)
        self.multi_cell(0, 6, nfc(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def field(self, label: str, value: str) -> None:
        self.set_font(FAMILY, "B", 10)
        self.write(5.5, nfc(label) + ": ")
        self.set_font(FAMILY, "", 10)
        self.multi_cell(0, 5.5, nfc(value) or "—", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
        self.set_font(FAMILY, "", 9)
        with self.table(col_widths=widths, line_height=5, text_align="LEFT",
                        headings_style=self.font_style_bold()) as table:
            table.row([nfc(h) for h in header])
            for values in rows:
                table.row([nfc(v) for v in values])

    def font_style_bold(self):
        from fpdf.fonts import FontFace
        return FontFace(family=FAMILY, emphasis="BOLD", fill_color=(235, 235, 235))

    def signatures(self, roles: list[tuple[str, str]]) -> None:
        """Signature blocks side by side: (role, name)."""
        self.ln(8)
        width = (self.w - self.l_margin - self.r_margin) / max(len(roles), 1)
        y = self.get_y()
        for n, (role, name) in enumerate(roles):
            self.set_xy(self.l_margin + n * width, y)
            self.set_font(FAMILY, "B", 10)
            self.multi_cell(width, 5, nfc(role), align="C")
            self.set_xy(self.l_margin + n * width, y + 25)
            self.set_font(FAMILY, "", 10)
            self.multi_cell(width, 5, nfc(name), align="C")

    def image_png(self, png: bytes, width: float | None = None) -> None:
        """A chart rendered to PNG, full width unless told."""
        import io
        self.image(io.BytesIO(png), w=width or (self.w - self.l_margin - self.r_margin))
        self.ln(2)

    def bytes(self) -> bytes:
        return bytes(self.output())


def administrative_header(doc: Document, parent: str, number: str, place: str, day, lang: str) -> None:
    """The header of a Vietnamese administrative document: agency and number on the left, national title and
    motto on the right, then place and date (Decree 30/2020 layout, simplified)."""
    width = (doc.w - doc.l_margin - doc.r_margin) / 2
    top = doc.get_y()
    doc.set_font(FAMILY, "", 10)
    if parent:
        doc.multi_cell(width, 5, nfc(parent).upper(), align="C", new_x="LEFT", new_y="NEXT")
    doc.set_font(FAMILY, "B", 10)
    doc.multi_cell(width, 5, doc.agency.upper(), align="C", new_x="LEFT", new_y="NEXT")
    doc.set_font(FAMILY, "", 10)
    doc.multi_cell(width, 6, nfc(number), align="C", new_x="LEFT", new_y="NEXT")
    left_bottom = doc.get_y()
    doc.set_xy(doc.l_margin + width, top)
    doc.set_font(FAMILY, "B", 10)
    doc.multi_cell(width, 5, t("report.nation", lang), align="C", new_x="LEFT", new_y="NEXT")
    doc.set_font(FAMILY, "B", 10.5)
    doc.multi_cell(width, 5, t("report.motto", lang), align="C", new_x="LEFT", new_y="NEXT")
    motto_w = doc.get_string_width(t("report.motto", lang))
    x = doc.l_margin + width + (width - motto_w) / 2
    doc.line(x, doc.get_y(), x + motto_w, doc.get_y())
    doc.ln(2)
    doc.set_x(doc.l_margin + width)
    doc.set_font(FAMILY, "I", 10)
    day_text, month_text = (str(day.day), str(day.month)) if lang == "vi" else (f"{day.day:02d}", f"{day.month:02d}")
    doc.multi_cell(width, 6, t("report.place_date", lang, place=nfc(place), day=day_text, month=month_text,
                                year=day.year), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_y(max(left_bottom, doc.get_y()) + 4)


def recipients(doc: Document, names: list[str], lang: str) -> None:
    """"Nơi nhận" at the foot of the left column, as administrative documents end."""
    doc.ln(4)
    doc.set_font(FAMILY, "B", 9)
    doc.cell(0, 5, t("report.recipients", lang), new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FAMILY, "", 9)
    for name in names:
        doc.cell(0, 4.5, f"- {nfc(name)};", new_x="LMARGIN", new_y="NEXT")
