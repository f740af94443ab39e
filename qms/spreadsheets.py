"""Excel workbooks: writing cells safe from formula injection, reading sheets as header + rows."""

from __future__ import annotations

import io
import zipfile
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from qms.errors import ValidationError
from qms.text import nfc

# A spreadsheet program would run text starting with these as a formula (CWE-1236).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_BYTES = 10 * 1024 * 1024


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


def open_workbook(raw: bytes) -> openpyxl.Workbook:
    """Open an uploaded .xlsx; anything else is refused with a clear message."""
    if len(raw) > MAX_BYTES:
        raise ValidationError("error.file_too_large", mb=MAX_BYTES // (1024 * 1024))
    if not raw.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(raw)):
        raise ValidationError("error.not_xlsx")
    try:
        return openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged files
        raise ValidationError("error.not_xlsx") from exc


def sheet_rows(wb: openpyxl.Workbook, sheet: str, limit: int = 20_000) -> list[list[str]]:
    """A sheet's cells as NFC text; rows keep their places (blank ones empty) so row numbers stay true."""
    rows: list[list[str]] = []
    for values in wb[sheet].iter_rows(values_only=True, max_row=limit):
        cells = ["" if v is None else nfc(str(v)) for v in values]
        rows.append(cells if any(cells) else [])
    while rows and not rows[-1]:
        rows.pop()
    return rows
