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

    def __init__(self, lang: str, agency: str, title: str) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lang, self.agency = lang, nfc(agency)
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

    def bytes(self) -> bytes:
        return bytes(self.output())
