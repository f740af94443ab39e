"""The page every report shares: embedded Vietnamese-capable font, agency header, numbered pages."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

import font_source_sans_pro
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from qms.i18n import t

FONT_DIR = Path(font_source_sans_pro.font_directory)
FAMILY = "SourceSans"
# The official layout's face (Decree 30/2020 asks for a Times New Roman style at 13–14 pt): Liberation Serif, metric
# compatible with Times New Roman, complete Vietnamese, SIL OFL 1.1 (fonts/OFL.txt). Source Sans stands behind it for
# the signs it lacks (☐, ✓, arrows).
SERIF_DIR = Path(__file__).parent / "fonts"
SERIF = "Serif"
# Type sizes in points: the screen-like sans layout, and the official serif one.
SIZES = {FAMILY: {"body": 10, "table": 9, "small": 9, "section": 11, "heading": 15, "header": 10, "footer": 8},
         SERIF: {"body": 13, "table": 11, "small": 11, "section": 13, "heading": 14, "header": 12.5, "footer": 10}}
# What a reader sees where a character has no glyph in the font (Source Sans Pro has ☐, not □). No fallback font is
# bundled: the fonts that cover emoji and CJK weigh megabytes, and Arabic would come out unshaped without HarfBuzz.
MARK = "☐"
# Signs whose meaning matters in an audit and that the font can draw faithfully: a check stays a check.
LOOKALIKE = {"✅": "☑", "✔": "✓", "✗": "×", "✘": "×", "❌": "×", "❎": "×", "✖": "×", "➡": "→", "⬅": "←",
             "⬆": "↑", "⬇": "↓", "\t": " ", "\u2028": "\n", "\u2029": "\n"}
ZWJ = "\u200d"
HEADER_HEIGHT = 8  # the running header's line and the space under it (Document.header)
MIN_SPLIT_LINES = 3  # a table row split across pages keeps at least this many lines on each side


def nfc(value) -> str:
    return unicodedata.normalize("NFC", "" if value is None else str(value)).replace("\r\n", "\n").replace("\r", "\n")


def _invisible(ch: str) -> bool:
    """Controls, format characters (joiners, tags) and variation selectors: nothing to see when they are left out."""
    return unicodedata.category(ch) in ("Cc", "Cf") or "\ufe00" <= ch <= "\ufe0f" or "\U000e0100" <= ch <= "\U000e01ef"


def _extends(ch: str) -> bool:
    """Part of the character before it as a reader sees it: a combining mark, an emoji skin tone, a joiner, a tag."""
    return _invisible(ch) or unicodedata.category(ch) in ("Mn", "Me") or "\U0001f3fb" <= ch <= "\U0001f3ff"


def _regional(ch: str) -> bool:
    return "\U0001f1e6" <= ch <= "\U0001f1ff"


def printable(text: str, cmap) -> tuple[str, int, list[str]]:
    """`text` with every character `cmap` lacks replaced by MARK, one per character as a person counts them (an emoji
    with its skin tone, a joined family, a flag); returns the text, the number of marks and the characters replaced."""
    if all(ch == "\n" or ord(ch) in cmap for ch in text):
        return text, 0, []
    out: list[str] = []
    missing: list[str] = []
    marked = glued = flag_open = False  # the last thing written was a MARK / a ZWJ follows it / it was half a flag
    for ch in text:
        if ch == ZWJ and marked:  # joins the next character to the one just marked (a face may draw ZWJ itself)
            glued = True
            missing[-1] += ch
            continue
        if ch == "\n" or ord(ch) in cmap:
            out.append(ch)
            marked = glued = flag_open = False
            continue
        alike = LOOKALIKE.get(ch) or unicodedata.normalize("NFKC", ch)
        if alike != ch and all(c == "\n" or ord(c) in cmap for c in alike):
            out.append(alike)
            marked = glued = flag_open = False
            continue
        if ch == ZWJ:
            glued = marked
            if marked:
                missing[-1] += ch
            continue
        if _extends(ch) and (marked or _invisible(ch)):
            if marked:
                missing[-1] += ch
            continue
        if glued or (flag_open and _regional(ch)):
            glued = flag_open = False
            missing[-1] += ch
            continue
        out.append(MARK)
        missing.append(ch)
        marked, flag_open = True, _regional(ch)
    return "".join(out), len(missing), missing


class Document(FPDF):
    """A4 portrait, its face embedded (subset): Source Sans Pro, or Liberation Serif for the official layout
    (`serif`); agency name on top, "page x/y" at the bottom."""

    def __init__(self, lang: str, agency: str, title: str, running_header: bool = True, serif: bool = False) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.lang, self.agency, self.running_header = lang, nfc(agency), running_header
        self.replaced = 0  # marks printed for characters the font lacks, as the reader will count them
        self.missing: dict[str, None] = {}  # those characters, first seen first
        self.add_font(FAMILY, "", str(FONT_DIR / "SourceSansPro-Regular.ttf"))
        self.add_font(FAMILY, "B", str(FONT_DIR / "SourceSansPro-Bold.ttf"))
        self.add_font(FAMILY, "I", str(FONT_DIR / "SourceSansPro-It.ttf"))
        self.face = SERIF if serif else FAMILY
        self.sizes = SIZES[self.face]
        self.leading = 6.0 if serif else 5.5  # running text's line height, mm
        if serif:
            self.add_font(SERIF, "", str(SERIF_DIR / "LiberationSerif-Regular.ttf"))
            self.add_font(SERIF, "B", str(SERIF_DIR / "LiberationSerif-Bold.ttf"))
            self.add_font(SERIF, "I", str(SERIF_DIR / "LiberationSerif-Italic.ttf"))
            self.set_fallback_fonts([FAMILY], exact_match=False)
        self.set_title(nfc(title))
        self.set_creator("QMS Audit Assistant")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.alias_nb_pages()
        self.add_page()

    def header(self) -> None:
        if not self.running_header and self.page_no() == 1:
            return
        self.set_font(self.face, "B", self.sizes["small"])
        self.cell(0, 5, self.clean(self.agency.upper()), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(HEADER_HEIGHT - 5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.face, "", self.sizes["footer"])
        self.cell(0, 5, t("report.page", self.lang, page=self.page_no(), pages="{nb}"), align="C")

    def clean(self, value, style: str | None = None) -> str:
        """`value` as text the font of `style` (the current one by default) can draw; counts what it replaced."""
        text, count, missing = printable(nfc(value), self._cmap(self.font_style if style is None else style))
        self.replaced += count
        self.missing.update(dict.fromkeys(missing))
        return text

    def _cmap(self, style: str):
        """What the face of `style` can draw, with what its fallback (Source Sans) adds."""
        style = style.replace("U", "")
        own = self.fonts[self.face.lower() + style].cmap
        if self.face == FAMILY:
            return own
        return _Both(own, self.fonts[FAMILY.lower() + style].cmap)

    def normalize_text(self, text: str) -> str:
        # Last line of defence for text that did not pass through clean(): a mark, never a silently dropped glyph.
        # Not counted here: fpdf2 measures the same text several times.
        if self.is_ttf_font and self.current_font is not None:
            text = printable(text, self._cmap(self.font_style))[0]
        return super().normalize_text(text)

    def body(self, style: str = "") -> None:
        """The running text's face and size."""
        self.set_font(self.face, style, self.sizes["body"])

    def paragraph(self, text: str, height: float | None = None, align: str = "L") -> None:
        """Running text in the current font, wrapped and continued on the next page as needed."""
        self.multi_cell(0, height or self.leading, self.clean(text), align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(self, text: str, size: float | None = None) -> None:
        size = size or self.sizes["heading"]
        self.set_font(self.face, "B", size)
        self.paragraph(text, size * 0.5, align="C")
        self.ln(2)

    def section(self, text: str) -> None:
        # a section title stays with what follows it: a table's heading and first rows, or a few lines of text
        if self.will_page_break(2 + 6 + 10 + (MIN_SPLIT_LINES + 2) * 5):
            self.add_page()
        else:
            self.ln(2)
        self.set_font(self.face, "B", self.sizes["section"])
        self.paragraph(text, self.leading + 0.5)

    def field(self, label: str, value: str) -> None:
        self.body("B")
        self.write(self.leading, self.clean(label) + ": ")
        self.body()
        self.paragraph(nfc(value) or "—")

    def grid(self, header: list[str], rows: list[list[str]], widths: list[int]) -> None:
        """A table with the header repeated on each page; a row too tall for the space left continues on the next."""
        line = 5 if self.face == FAMILY else 5.5
        self.set_font(self.face, "", self.sizes["table"])
        heads = [self.clean(h, "B") for h in header]
        body = [[self.clean(v, "") for v in values] for values in rows]
        columns = [w * self.epw / sum(widths) for w in widths]
        with self.table(col_widths=widths, line_height=line, text_align="LEFT", v_align="TOP",
                        headings_style=self.font_style_bold()) as table:
            table.row(heads)
            for values in self._fit_rows(heads, body, columns, line):
                table.row(values)

    def _lines(self, text: str, width: float, line: float, style: str) -> list[str]:
        self.set_font(self.face, style, self.sizes["table"])
        if "\n" not in text and self.get_string_width(text) < width - 2 * self.c_margin - 0.01:
            return [text]  # fpdf2's line breaking is slow; most cells hold one short line
        return self.multi_cell(width, line, text, dry_run=True, output="LINES")

    def _fit_rows(self, heads: list[str], body: list[list[str]], columns: list[float], line: float):
        """The rows as fpdf2's table should get them: fpdf2 refuses a row taller than a page and moves a tall row whole
        to the next page, so a row that does not fit is cut, at line ends, into pieces that do (as Word does)."""
        heading = line * max(len(self._lines(h, w, line, "B")) for h, w in zip(heads, columns))
        fresh = math.floor((self.page_break_trigger - self.t_margin - HEADER_HEIGHT - heading) / line) - 1
        room = math.floor((self.page_break_trigger - self.get_y() - heading) / line) - 1  # lines left on this page
        for values in body:
            lines = [self._lines(v, w, line, "") for v, w in zip(values, columns)]
            self.set_font(self.face, "", self.sizes["table"])
            height = max(map(len, lines))
            if height <= room:
                room -= height
                yield values
                continue
            start = 0
            if room < MIN_SPLIT_LINES or height - room < MIN_SPLIT_LINES:  # too little of it would stay here
                if height <= fresh:  # whole on the next page, where fpdf2 will put it
                    room = fresh - height
                    yield values
                    continue
                room = fresh
            while height - start > room:
                take = min(room, height - start - MIN_SPLIT_LINES)  # the last piece keeps a few lines too
                yield ["\n".join(cell[start:start + take]) for cell in lines]
                start += take
                room = fresh
            room -= height - start
            yield ["\n".join(cell[start:]) for cell in lines]

    def font_style_bold(self):
        from fpdf.fonts import FontFace
        return FontFace(family=self.face, emphasis="BOLD", fill_color=(235, 235, 235))

    def signatures(self, roles: list[tuple[str, str]]) -> None:
        """Signature blocks side by side: (role, name); together on the next page when this one is too full (each
        block is placed at a fixed height below the roles: a break between them would scatter them over pages)."""
        if self.will_page_break(8 + 25 + 2 * self.leading):
            self.add_page()
        self.ln(8)
        width = (self.w - self.l_margin - self.r_margin) / max(len(roles), 1)
        y = self.get_y()
        for n, (role, name) in enumerate(roles):
            self.set_xy(self.l_margin + n * width, y)
            self.body("B")
            self.multi_cell(width, self.leading, self.clean(role), align="C")
            self.set_xy(self.l_margin + n * width, y + 25)
            self.body()
            self.multi_cell(width, self.leading, self.clean(name), align="C")

    def image_png(self, png: bytes, width: float | None = None) -> None:
        """A chart rendered to PNG, full width unless told."""
        import io
        self.image(io.BytesIO(png), w=width or (self.w - self.l_margin - self.r_margin))
        self.ln(2)

    def bytes(self) -> Pdf:
        return Pdf(self.output(), replaced=self.replaced, missing="".join(self.missing))


class _Both:
    """Two fonts' character maps as one: a character either can draw is drawn."""

    def __init__(self, first, second) -> None:
        self.first, self.second = first, second

    def __contains__(self, code: int) -> bool:
        return code in self.first or code in self.second


@lru_cache(maxsize=1)
def _regular_cmap():
    probe = FPDF()
    probe.add_font(FAMILY, "", str(FONT_DIR / "SourceSansPro-Regular.ttf"))
    probe.add_font(SERIF, "", str(SERIF_DIR / "LiberationSerif-Regular.ttf"))
    return _Both(probe.fonts[FAMILY.lower()].cmap, probe.fonts[SERIF.lower()].cmap)


def _texts(value) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)


def unprintable(data) -> tuple[int, str]:
    """How many marks a document printing the texts in `data` (nested dicts and lists) would show, and the
    characters once each, without building it: a download built when clicked is warned about beforehand."""
    count, missing = 0, {}
    cmap = _regular_cmap()
    for text in _texts(data):
        _text, n, chars = printable(nfc(text), cmap)
        count += n
        missing.update(dict.fromkeys(chars))
    return count, "".join(missing)


class Pdf(bytes):
    """A built document; `replaced` characters the font lacks were printed as MARK (`missing` lists them once each)."""

    replaced: int
    missing: str

    def __new__(cls, data, replaced: int = 0, missing: str = ""):
        pdf = super().__new__(cls, data)
        pdf.replaced, pdf.missing = replaced, missing
        return pdf


def document_number(symbol: str, kind: str) -> str:
    """"…/BB-ISO" for minutes, "…/KH-ISO" for a plan: the kind of document where the agency's report symbol
    (settings: report_symbol, "BC-ISO") has BC."""
    return f"…/{kind}-{symbol.removeprefix('BC-')}"


def administrative_header(doc: Document, parent: str, number: str, place: str, day, lang: str) -> None:
    """The header of a Vietnamese administrative document: agency and number on the left, national title and
    motto on the right, then place and date (Decree 30/2020 layout, simplified)."""
    # The right block is the wider one (Decree 30's sample: about 4 to 6), so the national title stays on one line.
    full = doc.w - doc.l_margin - doc.r_margin
    width, right = full * 0.4, full * 0.6
    top = doc.get_y()
    doc.set_font(doc.face, "", doc.sizes["header"])
    if parent:
        doc.multi_cell(width, doc.leading - 0.5, doc.clean(nfc(parent).upper()), align="C", new_x="LEFT", new_y="NEXT")
    doc.set_font(doc.face, "B", doc.sizes["header"])
    doc.multi_cell(width, doc.leading - 0.5, doc.clean(doc.agency.upper()), align="C", new_x="LEFT", new_y="NEXT")
    doc.set_font(doc.face, "", doc.sizes["header"])
    doc.multi_cell(width, doc.leading + 0.5, doc.clean(number), align="C", new_x="LEFT", new_y="NEXT")
    left_bottom = doc.get_y()
    doc.set_xy(doc.l_margin + width, top)
    doc.set_font(doc.face, "B", doc.sizes["header"])
    doc.multi_cell(right, doc.leading - 0.5, t("report.nation", lang), align="C", new_x="LEFT", new_y="NEXT")
    doc.set_font(doc.face, "B", doc.sizes["header"] + 0.5)
    doc.multi_cell(right, doc.leading - 0.5, t("report.motto", lang), align="C", new_x="LEFT", new_y="NEXT")
    motto_w = doc.get_string_width(t("report.motto", lang))
    x = doc.l_margin + width + (right - motto_w) / 2
    doc.line(x, doc.get_y(), x + motto_w, doc.get_y())
    doc.ln(2)
    doc.set_x(doc.l_margin + width)
    doc.set_font(doc.face, "I", doc.sizes["header"] + 0.5)
    # Decree 30/2020: a day below 10 and the months 1 and 2 take a leading zero ("ngày 06 tháng 02", "tháng 12").
    day_text, month_text = (f"{day.day:02d}", f"{day.month:02d}" if day.month < 3 else str(day.month)) \
        if lang == "vi" else (f"{day.day:02d}", f"{day.month:02d}")
    doc.multi_cell(right, doc.leading + 0.5, doc.clean(t("report.place_date", lang, place=nfc(place), day=day_text, month=month_text,
                                         year=day.year)), align="C", new_x="LMARGIN", new_y="NEXT")
    doc.set_y(max(left_bottom, doc.get_y()) + 4)


def recipients(doc: Document, names: list[str], lang: str) -> None:
    """"Nơi nhận" at the foot of the left column, as administrative documents end."""
    doc.ln(4)
    doc.set_font(doc.face, "B", doc.sizes["small"])
    doc.cell(0, 5, t("report.recipients", lang), new_x="LMARGIN", new_y="NEXT")
    doc.set_font(doc.face, "", doc.sizes["small"] - 0.5)
    for name in names:
        doc.cell(0, 4.5, doc.clean(f"- {name};"), new_x="LMARGIN", new_y="NEXT")
