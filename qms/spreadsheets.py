"""Excel workbooks: writing cells safe from formula injection, reading sheets as header + rows."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from qms import limits
from qms.errors import ValidationError
from qms.text import nfc

# A spreadsheet program would run text starting with these as a formula (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def write_cell(ws: Worksheet, row: int, column: int, value: Any) -> None:
    """Write a value; text that looks like a formula is stored, and shown, as text."""
    cell = ws.cell(row=row, column=column, value=value)
    if isinstance(value, str) and value.startswith(FORMULA_START):
        cell.data_type = "s"
        cell.quotePrefix = True


def write_table(ws: Worksheet, header: list[str], rows: list[list[Any]], widths: list[int] | None = None) -> None:
    for col, name in enumerate(header, start=1):
        write_cell(ws, 1, col, name)
        ws.cell(row=1, column=col).font = Font(bold=True)
    for r, values in enumerate(rows, start=2):
        for col, value in enumerate(values, start=1):
            write_cell(ws, r, col, value)
            ws.cell(row=r, column=col).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in enumerate(widths or [], start=1):
        ws.column_dimensions[openpyxl.utils.get_column_letter(col)].width = width
    ws.freeze_panes = "A2"


def to_bytes(wb: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def check_archive(raw: bytes, cap: limits.ImportLimits | None = None) -> None:
    """Refuse an oversized file, a non-zip, or a zip that unpacks beyond the limit, before openpyxl sees it."""
    cap = cap or limits.imports()
    if len(raw) > cap.file_bytes:
        raise ValidationError("error.file_too_large", mb=cap.file_mb)
    if not raw.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ValidationError("error.not_xlsx")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            # The declared sizes bound what is read: zipfile stops each part at its declared size.
            unpacked = sum(info.file_size for info in archive.infolist())
            if unpacked > cap.unpacked_mb * limits.MIB:
                raise ValidationError("error.xlsx_unpacked_too_large", mb=-(-unpacked // limits.MIB),
                                      limit=cap.unpacked_mb)
            for info in archive.infolist():
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    _count_rows(archive, info.filename, cap)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise ValidationError("error.not_xlsx") from exc


_ROW = re.compile(rb"<(?:\w+:)?row[\s/>]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s/>]")


def _count_rows(archive: zipfile.ZipFile, name: str, cap: limits.ImportLimits) -> None:
    """Count a sheet's rows and cells in its XML at C speed, before openpyxl parses them one by one.

    openpyxl scans a whole sheet for its size when the file does not state it, holding every row it passes:
    forty megabytes of empty rows took 25 s and 200 MB before a single row was read.
    """
    rows = cells = 0
    tail = b""
    with archive.open(name) as part:
        while chunk := part.read(1 << 20):
            data = tail + chunk
            cut = max(0, len(data) - 16)  # a tag split across two chunks is counted in the next one
            rows += len(_ROW.findall(data, 0, cut))
            cells += len(_CELL.findall(data, 0, cut))
            tail = data[cut:]
            if rows > cap.rows * 5 or cells > cap.rows * cap.columns:
                break
    rows += len(_ROW.findall(tail))
    cells += len(_CELL.findall(tail))
    if rows > cap.rows * 5:
        raise ValidationError("error.xlsx_too_many_rows", rows=limits.grouped(rows), limit=limits.grouped(cap.rows))
    if cells > cap.rows * cap.columns:
        raise ValidationError("error.xlsx_too_many_cells", cells=limits.grouped(cells),
                              limit=limits.grouped(cap.rows * cap.columns))


def open_workbook(raw: bytes, cap: limits.ImportLimits | None = None) -> openpyxl.Workbook:
    """Open an uploaded .xlsx (read-only, streamed); anything else is refused with a clear message."""
    check_archive(raw, cap)
    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ValidationError("error.not_xlsx") from exc


def sheet_rows(wb: openpyxl.Workbook, sheet: str, cap: limits.ImportLimits | None = None) -> list[list[str]]:
    """A sheet's cells as NFC text; rows keep their places (blank ones empty) so row numbers stay true.

    Streams the sheet and refuses, with a ValidationError naming the sheet (and cell), more than `cap.rows`
    rows holding text, a cell over `cap.cell_chars`, or more than `cap.sheet_chars` in all; only the first
    `cap.columns` columns are read.
    """
    cap = cap or limits.imports()
    rows: list[list[str]] = []
    total = 0
    # max_col also keeps openpyxl from padding every row to a far cell's column (XFD is 16,384 wide).
    for number, values in enumerate(wb[sheet].iter_rows(values_only=True, max_col=cap.columns), start=1):
        blank = values.count(None) == len(values)  # most rows past the data are padding: C speed
        if number > cap.rows:
            if not blank and any(str(v).strip() for v in values if v is not None):
                raise ValidationError("checklist.err.too_many_rows", sheet=sheet, limit=limits.grouped(cap.rows),
                                      row=number)
            continue
        if blank:
            rows.append([])
            continue
        cells = []
        for column, value in enumerate(values, start=1):
            text = "" if value is None else str(value)
            if len(text) > cap.cell_chars:
                raise ValidationError("checklist.err.cell_too_long", sheet=sheet, row=number,
                                      cell=f"{openpyxl.utils.get_column_letter(column)}{number}",
                                      chars=limits.grouped(len(text)), limit=limits.grouped(cap.cell_chars))
            total += len(text)
            cells.append(nfc(text) if text else "")
        if total > cap.sheet_chars:
            raise ValidationError("checklist.err.sheet_too_much_text", sheet=sheet, row=number,
                                  limit=limits.grouped(cap.sheet_chars))
        rows.append(cells if any(cells) else [])
    while rows and not rows[-1]:
        rows.pop()
    return rows
