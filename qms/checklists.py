"""Checklists in the database: load files as versions, list them, read their clauses and items."""

from __future__ import annotations

import copy
import hashlib
import re
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

from qms import checklist_excel, checklist_files, clock, config, standards
from qms.checklist_files import Problem
from qms.text import fold
from qms.errors import NotFound
from qms.models import Audit, Checklist, ChecklistClause, ChecklistItem, check_values
from qms.permissions import require


@dataclass
class LoadResult:
    source: str
    status: str  # loaded | unchanged | invalid
    checklist_id: int | None = None
    version: str | None = None
    problems: list[Problem] = field(default_factory=list)


def search_text(item: dict) -> str:
    """What search matches: id, clause, question and guidance in every language, without accents."""
    return fold(" ".join(item[k] for k in ("item_key", "clause", "text_vi", "text_en", "guidance_vi", "guidance_en")))


def store(session: Session, checklist: dict, source_name: str) -> LoadResult:
    """Save a validated checklist; identical content is not stored twice, changed content gets a new version."""
    digest = checklist_files.fingerprint(checklist)
    existing = session.exec(select(Checklist).where(Checklist.code == checklist["id"],
                                                    Checklist.source_sha256 == digest)).first()
    if existing is not None:
        return LoadResult(source_name, "unchanged", existing.id, existing.version)
    versions = set(session.exec(select(Checklist.version).where(Checklist.code == checklist["id"])).all())
    # The file kept its version number but its content changed: audits that used the old content keep it.
    version, n = checklist["version"], 2
    room = Checklist.__table__.c.version.type.length
    while version in versions:  # the suffix fits the column even when the file's version fills it
        suffix = f"-r{n}"
        version, n = checklist["version"][:room - len(suffix)] + suffix, n + 1
    title = checklist["title"]
    row = Checklist(code=checklist["id"], version=version, standard=checklist["standard"],
                    title_vi=title.get("vi", ""), title_en=title.get("en", ""),
                    languages=",".join(checklist["languages"]), source_name=source_name,
                    source_sha256=digest, loaded_at=clock.now())
    session.add(row)
    session.flush()
    clause_rows, item_rows, position = [], [], 0
    for c_pos, clause in enumerate(checklist["clauses"]):
        na = clause.get("not_applicable") or {}
        clause_rows.append({"checklist_id": row.id, "clause": clause["clause"], "position": c_pos,
                            "title_vi": clause["title"].get("vi", ""), "title_en": clause["title"].get("en", ""),
                            "na_default": bool(na), "na_justification_vi": na.get("vi", ""),
                            "na_justification_en": na.get("en", "")})
        for question in clause["questions"]:
            guidance = question.get("guidance") or {}
            item = {"checklist_id": row.id, "item_key": question["id"], "clause": clause["clause"],
                    "position": position, "text_vi": question["text"].get("vi", ""),
                    "text_en": question["text"].get("en", ""), "guidance_vi": guidance.get("vi", ""),
                    "guidance_en": guidance.get("en", "")}
            item_rows.append(item | {"search_text": search_text(item)})
            position += 1
    for clause_row in clause_rows:
        check_values("checklistclause", clause_row)
    for item_row in item_rows:
        check_values("checklistitem", item_row)
    session.exec(insert(ChecklistClause), params=clause_rows)
    session.exec(insert(ChecklistItem), params=item_rows)
    session.commit()
    return LoadResult(source_name, "loaded", row.id, version)


def load_file(session: Session, path: str | Path) -> LoadResult:
    path = Path(path)
    checklist, problems = checklist_files.parse_file(path)
    if checklist is None:
        return LoadResult(path.name, "invalid", problems=problems)
    return store(session, checklist, path.name)


def bundled_files() -> list[Path]:
    return sorted(config.CHECKLIST_DIR.glob("*.yaml")) + sorted(config.CHECKLIST_DIR.glob("*.yml"))


def load_bundled(session: Session) -> list[LoadResult]:
    """Load every file in checklists/; a bad file is reported and skipped, the good ones load."""
    results = []
    for path in bundled_files():
        checklist, problems = parsed_bundled(path)
        results.append(store(session, copy.deepcopy(checklist), path.name) if checklist is not None
                       else LoadResult(path.name, "invalid", problems=problems))
    return results


def parsed_bundled(path: Path) -> tuple[dict | None, list[Problem]]:
    """A bundled file parsed once per process and content of the file (every start, `init` and the Checklists
    screen read them all; parsing the ISO checklist takes about 170 ms, hashing it under 1 ms)."""
    raw = checklist_files.read_capped(path)
    if raw is None:
        return None, checklist_files.too_large()
    key = (path.name, hashlib.sha256(raw).hexdigest())
    if key not in _PARSED:
        text, problems = checklist_files.read_text(raw)
        _PARSED[key] = checklist_files.parse_text(text) if text is not None else (None, problems)
        while len(_PARSED) > 16:
            del _PARSED[next(iter(_PARSED))]
    return _PARSED[key]


_PARSED: dict[tuple[str, str], tuple[dict | None, list[Problem]]] = {}  # shared: callers copy before changing


def list_checklists(session: Session) -> list[dict]:
    """Every stored version with its question count and how many audits use it."""
    items = select(ChecklistItem.checklist_id, func.count().label("n")).group_by(ChecklistItem.checklist_id).subquery()
    audits = select(Audit.checklist_id, func.count().label("n")).group_by(Audit.checklist_id).subquery()
    rows = session.exec(select(Checklist, func.coalesce(items.c.n, 0), func.coalesce(audits.c.n, 0))
                        .outerjoin(items, items.c.checklist_id == Checklist.id)
                        .outerjoin(audits, audits.c.checklist_id == Checklist.id)
                        .order_by(Checklist.code, Checklist.id)).all()
    return [row.model_dump() | {"questions": n_items, "audits": n_audits} for row, n_items, n_audits in rows]


def latest(session: Session, code: str) -> Checklist | None:
    return session.exec(select(Checklist).where(Checklist.code == code).order_by(Checklist.id.desc())).first()


def items(session: Session, checklist_id: int) -> list[dict]:
    rows = session.exec(select(ChecklistItem).where(ChecklistItem.checklist_id == checklist_id)
                        .order_by(ChecklistItem.position)).all()
    return [r.model_dump() for r in rows]


@dataclass(frozen=True)
class Version:
    """A stored version's clauses (by clause number) and questions (in order), shared read-only: never change them."""
    clauses: list[dict]
    items: list[dict]
    counts: dict[str, int]  # questions per clause
    by_id: dict[int, dict]  # the items by their id


_VERSIONS: OrderedDict[tuple, Version] = OrderedDict()
_VERSIONS_KEPT = 32


def version(session: Session, checklist_id: int) -> Version:
    """A version's content, read once per process: a stored version never changes (changed content is a new
    version). Keyed by its fingerprint too, so a restored database whose ids name other content is read again."""
    row = session.get(Checklist, checklist_id)  # usually already in the session, loaded with the audit
    if row is None:
        raise NotFound("error.checklist_missing")
    key = (session.get_bind().engine.url.render_as_string(hide_password=False), checklist_id, row.source_sha256)
    found = _VERSIONS.get(key)
    if found is None:
        clause_rows = session.exec(select(ChecklistClause).where(ChecklistClause.checklist_id == checklist_id)).all()
        item_rows = session.exec(select(ChecklistItem).where(ChecklistItem.checklist_id == checklist_id)
                                 .order_by(ChecklistItem.position)).all()
        items_ = [r.model_dump(exclude={"search_text"}) for r in item_rows]
        counts: dict[str, int] = {}
        for item in items_:
            counts[item["clause"]] = counts.get(item["clause"], 0) + 1
        found = Version(sorted((r.model_dump() for r in clause_rows), key=lambda c: standards.clause_sort_key(c["clause"])),
                        items_, counts, {item["id"]: item for item in items_})
        _VERSIONS[key] = found
        while len(_VERSIONS) > _VERSIONS_KEPT:
            _VERSIONS.popitem(last=False)
    else:
        _VERSIONS.move_to_end(key)
    return found


def clauses(session: Session, checklist_id: int) -> list[dict]:
    return [dict(c) for c in version(session, checklist_id).clauses]


def question_counts(session: Session, checklist_id: int) -> dict[str, int]:
    """How many questions each clause of a checklist holds."""
    return dict(version(session, checklist_id).counts)


def latest_any(session: Session) -> Checklist | None:
    return session.exec(select(Checklist).order_by(Checklist.id.desc())).first()


def search(session: Session, checklist_id: int, term: str, limit: int = 200) -> list[dict]:
    """Questions whose text, guidance, id or clause contain every word of `term`, ignoring accents and case."""
    query = select(ChecklistItem).where(ChecklistItem.checklist_id == checklist_id)
    for word in fold(term).split():
        query = query.where(ChecklistItem.search_text.contains(word, autoescape=True))
    return [r.model_dump() for r in session.exec(query.order_by(ChecklistItem.position).limit(limit)).all()]


def document(session: Session, checklist_id: int) -> dict:
    """A stored version as a checklist document (the shape checklist_files.parse_text returns)."""
    row = session.get(Checklist, checklist_id)
    if row is None:
        raise NotFound("error.checklist_missing")
    languages = row.languages.split(",")
    questions: dict[str, list[dict]] = {}
    for item in items(session, checklist_id):
        guidance = {lang: item[f"guidance_{lang}"] for lang in languages}
        questions.setdefault(item["clause"], []).append({
            "id": item["item_key"], "text": {lang: item[f"text_{lang}"] for lang in languages},
            "guidance": guidance if all(guidance.values()) else None})
    stored = session.exec(select(ChecklistClause).where(ChecklistClause.checklist_id == checklist_id)
                          .order_by(ChecklistClause.position)).all()
    clause_docs = [{"clause": c.clause, "title": {lang: getattr(c, f"title_{lang}") for lang in languages},
                    "not_applicable": {lang: getattr(c, f"na_justification_{lang}") for lang in languages}
                    if c.na_default else None, "questions": questions.get(c.clause, [])} for c in stored]
    # "1.0-r2" was stored from a file that said "1.0": export what the file said, so it round-trips.
    return {"id": row.code, "version": re.sub(r"-r\d+$", "", row.version),
            "standard": row.standard, "languages": languages,
            "title": {lang: getattr(row, f"title_{lang}") for lang in languages}, "clauses": clause_docs}


def export(session: Session, checklist_id: int, kind: str) -> bytes:
    """A stored version as an Excel workbook (`xlsx`) or a checklist file (`yaml`), as the screen offers them."""
    content = document(session, checklist_id)
    return checklist_excel.export(content) if kind == "xlsx" else checklist_files.dump(content).encode()


def versions(session: Session, code: str) -> list[dict]:
    """Every stored version of one checklist, oldest first, with the audits that use each."""
    rows = session.exec(select(Checklist).where(Checklist.code == code).order_by(Checklist.id)).all()
    out = []
    for row in rows:
        used_by = session.exec(select(Audit.code).where(Audit.checklist_id == row.id).order_by(Audit.code)).all()
        out.append({"id": row.id, "version": row.version, "loaded_at": row.loaded_at, "source": row.source_name,
                    "audits": list(used_by)})
    return out


def file_problems() -> list[tuple[str, list[Problem]]]:
    """Bundled files that do not validate, with their problems (the others load as usual)."""
    bad = []
    for path in bundled_files():
        checklist, problems = parsed_bundled(path)
        if checklist is None:
            bad.append((path.name, problems))
    return bad


def import_yaml(session: Session, actor_id: int | None, raw: bytes, source_name: str) -> LoadResult:
    """Validate an uploaded YAML file and, when valid, store it as a version (admin, ISO representative)."""
    require(session, actor_id, "checklists:manage")
    text, problems = checklist_files.read_text(raw)
    checklist = None
    if text is not None:
        checklist, problems = checklist_files.parse_text(text)
    if checklist is None:
        return LoadResult(source_name, "invalid", problems=problems)
    return store(session, checklist, source_name)


def import_checklist(session: Session, actor_id: int | None, checklist: dict, source_name: str) -> LoadResult:
    """Store a checklist built from a workbook (already validated row by row)."""
    require(session, actor_id, "checklists:manage")
    return store(session, checklist, source_name)
