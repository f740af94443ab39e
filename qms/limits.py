"""Checklist import limits (README, "Import limits"): checked before and while parsing, so a hostile or
oversized file gets a message instead of hanging the server.

The file cap and the row limit are configurable; the other limits keep the worst import the benchmark
(benchmarks/imports.py) can build under 200 MB of memory, so they are fixed.
"""

from __future__ import annotations

from dataclasses import dataclass

from qms import config

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


def imports() -> ImportLimits:
    """The limits in force (the file cap and row limit come from the settings, read as they are now)."""
    current = config.settings()
    return ImportLimits(file_mb=current.import_max_mb, rows=current.import_max_rows)


def answers() -> ImportLimits:
    """An offline answers workbook: a row per question of every unit an auditor answers for. A 100-unit audit of
    the 176-question checklist is 17,600 rows and about 3.5 MB; our sheet has 13 columns."""
    return ImportLimits(file_mb=10, rows=20_000, columns=20)


def procedure_lists() -> ImportLimits:
    """A procedure list from the national database or an announcing decision: a province's full list is a few
    thousand procedures (2,000 rows are 72 KB), with a column or two more than we read."""
    return ImportLimits(file_mb=10, rows=20_000, columns=30)


def grouped(number: int) -> str:
    """Digits grouped by a narrow space (2 000, 31 457 280), read the same way in Vietnamese and English."""
    return f"{number:,}".replace(",", "\u202f")
