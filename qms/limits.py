"""Checklist import limits (README, "Import limits"): checked before and while parsing, so a hostile or
oversized file gets a message instead of hanging the server.

The file cap and the row limit are configurable; the other limits keep the worst import the benchmark
(benchmarks/imports.py) can build under 200 MB of memory, so they are fixed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

MAX_MB_ENV = "QMS_IMPORT_MAX_MB"
MAX_ROWS_ENV = "QMS_IMPORT_MAX_ROWS"
MIB = 1024 * 1024


@dataclass(frozen=True)
class ImportLimits:
    file_mb: int = 2  # a checklist file as uploaded (YAML or .xlsx); the bundled ISO checklist is 0.2 MB
    rows: int = 2_000  # rows per sheet: a checklist has a few hundred questions
    columns: int = 50  # columns read per sheet; our own export has 10
    cell_chars: int = 5_000  # one cell; a question or its guidance is a paragraph, not a document
    sheet_chars: int = 10_000_000  # all cells of a sheet together (shared strings can repeat one long text)
    unpacked_mb: int = 40  # a workbook's parts once decompressed (a zip bomb is refused before it is opened)
    yaml_depth: int = 20  # nesting of YAML collections; a checklist needs 6
    yaml_nodes: int = 100_000  # YAML values and collections; a question takes about 17

    @property
    def file_bytes(self) -> int:
        return self.file_mb * MIB


def _positive(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name}={value!r}: expected a whole number of at least 1")
    return int(value)


def imports() -> ImportLimits:
    """The limits in force (read from the environment on each call, so a test or an operator can change them)."""
    return ImportLimits(file_mb=_positive(MAX_MB_ENV, ImportLimits.file_mb),
                        rows=_positive(MAX_ROWS_ENV, ImportLimits.rows))


def grouped(number: int) -> str:
    """Digits grouped by a narrow space (2 000, 31 457 280), read the same way in Vietnamese and English."""
    return f"{number:,}".replace(",", "\u202f")
