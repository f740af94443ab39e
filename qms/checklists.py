"""Checklists in the database: load files as versions, list them, read their clauses and items."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, insert
from sqlmodel import Session, select

from qms import checklist_files, clock, config, standards
from qms.checklist_files import Problem
from qms.models import Audit, Checklist, ChecklistClause, ChecklistItem


@dataclass
class LoadResult:
    source: str
    status: str  # loaded | unchanged | invalid
    checklist_id: int | None = None
    version: str | None = None
    problems: list[Problem] = field(default_factory=list)


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
    while version in versions:
        version, n = f"{checklist['version']}-r{n}", n + 1
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
            item_rows.append({"checklist_id": row.id, "item_key": question["id"], "clause": clause["clause"],
                              "position": position, "text_vi": question["text"].get("vi", ""),
                              "text_en": question["text"].get("en", ""), "guidance_vi": guidance.get("vi", ""),
                              "guidance_en": guidance.get("en", "")})
            position += 1
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
    return [load_file(session, path) for path in bundled_files()]


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


def clauses(session: Session, checklist_id: int) -> list[dict]:
    rows = session.exec(select(ChecklistClause).where(ChecklistClause.checklist_id == checklist_id)).all()
    return sorted((r.model_dump() for r in rows), key=lambda c: standards.clause_sort_key(c["clause"]))


def latest_any(session: Session) -> Checklist | None:
    return session.exec(select(Checklist).order_by(Checklist.id.desc())).first()
