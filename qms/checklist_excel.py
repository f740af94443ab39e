"""Checklists to and from Excel: our own layout out, any auditor's workbook in (with a column mapping).

Import never saves: it returns the checklist and per-row problems for the caller to show first.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import openpyxl

from qms import limits, spreadsheets, standards
from qms.checklist_files import Problem
from qms.config import LANGUAGES
from qms.errors import ValidationError
from qms.text import fold

SHEET = "Checklist"
INFO_SHEET = "Info"
# Column roles an imported workbook may map; clause and one question text are required.
ROLES = ["clause", "clause_title_vi", "clause_title_en", "id", "text_vi", "text_en", "guidance_vi", "guidance_en",
         "na_vi", "na_en"]
HEADER = ["clause", "clause_title_vi", "clause_title_en", "id", "text_vi", "text_en", "guidance_vi", "guidance_en",
          "na_vi", "na_en"]
# Header words auditors use, folded (no accents, lower case), for guessing the mapping.
_GUESSES = {
    "clause": ["clause", "dieu khoan", "dieu", "muc"],
    "clause_title_vi": ["clause_title_vi", "ten dieu khoan", "tieu de dieu khoan"],
    "clause_title_en": ["clause_title_en", "clause title"],
    "id": ["id", "ma", "ma cau hoi", "stt", "question id"],
    "text_vi": ["text_vi", "cau hoi", "noi dung", "noi dung kiem tra", "cau hoi (vi)"],
    "text_en": ["text_en", "question", "question (en)"],
    "guidance_vi": ["guidance_vi", "huong dan", "bang chung", "bang chung can xem"],
    "guidance_en": ["guidance_en", "guidance", "evidence"],
    "na_vi": ["na_vi", "ly do khong ap dung"],
    "na_en": ["na_en", "not applicable justification"],
}


def export(checklist: dict) -> bytes:
    """One row per question, a column per language, clause titles; an Info sheet with the checklist's identity."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    rows = []
    for clause in checklist["clauses"]:
        na = clause.get("not_applicable") or {}
        for q in clause["questions"]:
            guidance = q.get("guidance") or {}
            rows.append([clause["clause"], clause["title"].get("vi", ""), clause["title"].get("en", ""), q["id"],
                         q["text"].get("vi", ""), q["text"].get("en", ""), guidance.get("vi", ""),
                         guidance.get("en", ""), na.get("vi", ""), na.get("en", "")])
    spreadsheets.write_table(ws, HEADER, rows, [9, 30, 30, 14, 60, 60, 60, 60, 30, 30])
    info = wb.create_sheet(INFO_SHEET)
    spreadsheets.write_table(info, ["key", "value"], [
        ["id", checklist["id"]], ["version", checklist["version"]], ["standard", checklist["standard"]],
        ["title_vi", checklist["title"].get("vi", "")], ["title_en", checklist["title"].get("en", "")],
        ["languages", ",".join(checklist["languages"])]], [14, 80])
    return spreadsheets.to_bytes(wb)


@dataclass
class Sheet:
    name: str
    rows: list[list[str]]
    problem: Problem | None = None  # the sheet was refused (too many rows, a cell too long): rows is empty


@dataclass
class ImportResult:
    checklist: dict | None
    problems: list[Problem] = field(default_factory=list)
    rows: int = 0
    # Clause titles the file gives otherwise than the standard: (clause, language, the file's, the standard's).
    other_titles: list[tuple[str, str, str, str]] = field(default_factory=list)


def read(raw: bytes, cap: limits.ImportLimits | None = None) -> tuple[list[Sheet], dict]:
    """The workbook's sheets (as text rows) and, if present, the Info sheet's identity fields; `cap`: the limits
    of another kind of list than a checklist."""
    wb = spreadsheets.open_workbook(raw, cap)
    try:
        sheets = [_read_sheet(wb, name, cap) for name in wb.sheetnames]
    finally:
        wb.close()
    info = {}
    for sheet in sheets:
        if sheet.name == INFO_SHEET and sheet.rows and sheet.rows[0][:2] == ["key", "value"]:
            info = {r[0]: r[1] for r in sheet.rows[1:] if len(r) >= 2}
    return [s for s in sheets if s.name != INFO_SHEET or not info], info


def _read_sheet(wb, name: str, cap: limits.ImportLimits | None = None) -> Sheet:
    try:
        return Sheet(name, spreadsheets.sheet_rows(wb, name, cap))
    except ValidationError as exc:
        params = {k: v for k, v in exc.params.items() if k != "row"}
        return Sheet(name, [], Problem(int(exc.params.get("row", 1)), exc.key, params))


# What a person may call a role on the command line, beside its own name.
ROLE_ALIASES = {"question_vi": "text_vi", "question_en": "text_en", "question": "text_vi", "text": "text_vi",
                "guidance": "guidance_vi", "clause_title": "clause_title_vi", "na": "na_vi"}


def parse_map(spec: str, roles: list[str] = ROLES, aliases: dict[str, str] = ROLE_ALIASES) -> tuple[str, int]:
    """"clause=B", "question_en=4" → (role, 0-based column); ValidationError with the reason otherwise."""
    role, _, column = spec.partition("=")
    role = aliases.get(role.strip().lower(), role.strip().lower())
    column = column.strip().upper()
    if role not in roles:
        raise ValidationError("checklist.err.map_role", role=role, roles=", ".join(roles))
    if column.isdigit() and int(column) >= 1:
        return role, int(column) - 1
    if column.isalpha() and len(column) <= 2:
        index = 0
        for letter in column:
            index = index * 26 + ord(letter) - ord("A") + 1
        return role, index - 1
    raise ValidationError("checklist.err.map_column", spec=spec)


def in_language(mapping: dict[str, int], lang: str) -> dict[str, int]:
    """A one-language file's columns under that language: a "Question" column guessed (or mapped) as Vietnamese is
    the English text of an English file."""
    other = "en" if lang == "vi" else "vi"
    moved = {}
    for role, column in mapping.items():
        if role.endswith(f"_{other}") and f"{role[:-3]}_{lang}" not in mapping:
            role = f"{role[:-3]}_{lang}"
        moved[role] = column
    return moved


def guess_mapping(header: list[str], rows: list[list[str]] | None = None,
                  guesses: dict[str, list[str]] = _GUESSES) -> dict[str, int]:
    """Column index for each role whose header matches a known word (`guesses`: role → folded header words, in the
    order roles are tried). Given the data rows, a column with nothing in it is guessed for no role: an auditor's
    empty "Evidence" column is for answers, not the checklist's guidance."""
    folded = [" ".join(fold(h).replace(":", " ").split()) for h in header]
    filled = None if rows is None else {i for row in rows for i, value in enumerate(row) if str(value or "").strip()}
    mapping = {}
    for role, words in guesses.items():
        for i, name in enumerate(folded):
            if name in words and i not in mapping.values() and (filled is None or i in filled):
                mapping[role] = i
                break
    return mapping


def build(rows: list[list[str]], mapping: dict[str, int], meta: dict, header_row: int = 1) -> ImportResult:
    """Turn data rows (below the header) into a checklist; each bad row is a Problem with its sheet row number."""
    languages = [lang for lang in LANGUAGES if f"text_{lang}" in mapping] or ["vi"]
    known = standards.clauses(standards.key_for(meta.get("standard", "")) or "iso9001-2015")
    problems: list[Problem] = []
    if "clause" not in mapping:
        problems.append(Problem(header_row, "checklist.err.map_clause"))
    if not any(f"text_{lang}" in mapping for lang in LANGUAGES):
        problems.append(Problem(header_row, "checklist.err.map_text"))
    for key in ("id", "version", "standard"):
        if not (meta.get(key) or "").strip():
            problems.append(Problem(header_row, "checklist.err.missing_key", {"key": key}))
    if problems:
        return ImportResult(None, problems)

    def cell(values: list[str], role: str) -> str:
        index = mapping.get(role)
        return values[index].strip() if index is not None and index < len(values) else ""

    clauses: dict[str, dict] = {}
    seen: dict[str, int] = {}
    other_titles: list[tuple[str, str, str, str]] = []
    count = 0
    for offset, values in enumerate(rows):
        line = header_row + 1 + offset
        if not any(values):
            continue
        number = cell(values, "clause").rstrip(".")
        if not number:
            problems.append(Problem(line, "checklist.err.row_no_clause"))
            continue
        if number not in known:
            problems.append(Problem(line, "checklist.err.unknown_clause", {"clause": number}))
            continue
        text = {lang: cell(values, f"text_{lang}") for lang in languages}
        missing = [lang for lang in languages if not text[lang]]
        if missing:
            problems.append(Problem(line, "checklist.err.missing_language", {"lang": missing[0], "where": "text"}))
            continue
        qid = cell(values, "id") or f"{number}-{len(clauses.get(number, {}).get('questions', [])) + 1:02d}"
        if qid in seen:
            problems.append(Problem(line, "checklist.err.duplicate_id", {"id": qid, "first": seen[qid]}))
            continue
        seen[qid] = line
        reference = known[number]
        if number not in clauses:
            given = {lang: cell(values, f"clause_title_{lang}") for lang in languages}
            for lang in languages:
                official = reference[f"title_{lang}"]
                if given[lang] and official and fold(given[lang]).strip() != fold(official).strip():
                    other_titles.append((number, lang, given[lang], official))
                    if meta.get("standard_titles"):  # the person chose the standard's wording
                        given[lang] = official
            clauses[number] = {"clause": number, "not_applicable": None, "questions": [],
                               "title": {lang: given[lang] or reference[f"title_{lang}"] or number for lang in languages}}
        clause = clauses[number]
        na = {lang: cell(values, f"na_{lang}") for lang in languages}
        if all(na.values()):
            clause["not_applicable"] = na
        guidance = {lang: cell(values, f"guidance_{lang}") for lang in languages}
        clause["questions"].append({"id": qid, "text": text, "guidance": guidance if all(guidance.values()) else None})
        count += 1
    if not clauses and not problems:
        problems.append(Problem(header_row + 1, "checklist.err.no_rows"))
    if problems:
        return ImportResult(None, problems, count)
    title = {lang: (meta.get(f"title_{lang}") or "").strip() or meta["id"] for lang in languages}
    checklist = {"id": meta["id"].strip(), "version": meta["version"].strip(), "standard": meta["standard"].strip(),
                 "languages": languages, "title": title,
                 "clauses": list(clauses.values())}
    return ImportResult(checklist, [], count, other_titles)


def import_workbook(raw: bytes, sheet: str | None = None, mapping: dict[str, int] | None = None,
                    meta: dict | None = None, header_row: int = 1, lang: str | None = None) -> ImportResult:
    """Read and build in one step (command line, tests): our own export imports with no options."""
    sheets, info = read(raw)
    chosen = next((s for s in sheets if s.name == (sheet or SHEET)), sheets[0] if sheets else None)
    if chosen is not None and chosen.problem is not None:
        return ImportResult(None, [chosen.problem])
    if chosen is None or len(chosen.rows) < header_row:
        return ImportResult(None, [Problem(1, "checklist.err.no_rows")])
    header = chosen.rows[header_row - 1]
    body = chosen.rows[header_row:]
    columns = guess_mapping(header, body) | (mapping or {})  # what is named wins over what is guessed
    if mapping:  # a column named for a role is not also guessed for another
        columns = {role: i for role, i in columns.items() if role in mapping or i not in mapping.values()}
    if lang:
        columns = in_language(columns, lang)
    return build(body, columns, {**info, **(meta or {})}, header_row)
