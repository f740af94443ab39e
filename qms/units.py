"""The unit tree: Sở, phòng, UBND xã/phường, Trung tâm PVHCC… with validated edits."""

from __future__ import annotations

from sqlalchemy import Text, cast, event, func, literal, union_all
from sqlmodel import Session, select

from qms import changelog, clock
from qms.errors import NotFound, ValidationError
from qms.models import (AgencyQms, AgencyReview, AuditUnit, ProcedureUnit, ProcessDocument, Unit, UnitType,
                        UserUnit)
from qms.permissions import require
from qms.text import fold, matches, nfc

UNIT_TYPES = [t.value for t in UnitType]
FIND_LIMIT = 50  # matches a picker offers at once: type more of the name to narrow them


def search_text(code: str, name: str) -> str:
    return fold(f"{code} {name}")


@event.listens_for(Unit, "before_insert")
@event.listens_for(Unit, "before_update")
def _fold_for_search(_mapper, _connection, unit: Unit) -> None:
    unit.search_text = search_text(unit.code, unit.name)


def find(session: Session, term: str | None, *, include_inactive: bool = True, limit: int = FIND_LIMIT) -> list[dict]:
    """Units whose code or name hold every word of `term` (accents and case ignored), by code: a picker's options."""
    query = select(Unit.id, Unit.code, Unit.name, Unit.active)
    for word in fold(term or "").split():
        query = query.where(Unit.search_text.contains(word, autoescape=True))
    if not include_inactive:
        query = query.where(Unit.active)
    return [{"id": i, "code": c, "name": n, "active": a}
            for i, c, n, a in session.exec(query.order_by(Unit.code).limit(limit)).all()]


def labels(session: Session, unit_ids) -> dict[int, str]:
    """"CODE – name" of these units (a picker's chosen values, which may not be among its matches)."""
    ids = [i for i in unit_ids if i is not None]
    if not ids:
        return {}
    return {i: f"{c} – {n}" for i, c, n in session.exec(select(Unit.id, Unit.code, Unit.name).where(Unit.id.in_(ids))).all()}


def list_units(session: Session, include_inactive: bool = True) -> list[dict]:
    """All units in tree order, each with its depth and ancestors' path of codes."""
    query = select(Unit)
    if not include_inactive:
        query = query.where(Unit.active)
    units = session.exec(query.order_by(Unit.code)).all()
    children: dict[int | None, list[Unit]] = {}
    ids = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in ids else None
        children.setdefault(parent, []).append(unit)
    ordered: list[dict] = []

    def walk(parent: int | None, depth: int, path: str) -> None:
        for unit in children.get(parent, []):
            row = unit.model_dump(exclude={"created_at"})
            row.update(depth=depth, path=f"{path}/{unit.code}" if path else unit.code)
            ordered.append(row)
            walk(unit.id, depth + 1, row["path"])

    walk(None, 0, "")
    return ordered


def page(session: Session, term: str | None = None, offset: int = 0, limit: int = 200) -> tuple[list[dict], int]:
    """Units in tree order (each with its depth), narrowed by `term` like `find`, one page at a time; and how
    many match. The order comes from a recursive query over the codes' path, so no screen walks 10,000 units."""
    tree = select(Unit.id, cast(Unit.code, Text).label("path"), literal(0).label("depth")) \
        .where(Unit.parent_id.is_(None)).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id, cast(tree.c.path + "/" + Unit.code, Text), (tree.c.depth + 1))
                          .join(tree, Unit.parent_id == tree.c.id))
    matching = [Unit.search_text.contains(word, autoescape=True) for word in fold(term or "").split()]
    query = select(Unit.id, Unit.code, Unit.name, Unit.type, Unit.parent_id, Unit.active, tree.c.depth) \
        .join(tree, tree.c.id == Unit.id).where(*matching)
    total = session.exec(select(func.count()).select_from(Unit).where(*matching)).one()
    rows = session.exec(query.order_by(tree.c.path).offset(offset).limit(limit)).all()
    return [{"id": i, "code": c, "name": n, "type": ty, "parent_id": p, "active": a, "depth": d}
            for i, c, n, ty, p, a, d in rows], total


def unit(session: Session, unit_id: int) -> dict:
    """One unit as plain data (the edit form)."""
    row = session.get(Unit, unit_id)
    if row is None:
        raise NotFound("error.unit_missing")
    return row.model_dump(exclude={"created_at", "search_text"})


def search(tree: list[dict], term: str | None) -> list[dict]:
    """The units of `tree` whose code or name holds every word of `term`, accents and case ignored."""
    return [u for u in tree if matches(term, u["code"], u["name"])]


def descendants(unit_id: int):
    """SELECT of the unit and every unit below it (a recursive query), to use inside another query's IN."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)


def descendant_ids(session: Session, unit_id: int) -> set[int]:
    """The unit and every unit below it (trees may hold 10,000 units)."""
    return set(session.exec(descendants(unit_id)).all())


def _ancestor_ids(session: Session, unit_id: int) -> set[int]:
    tree = select(Unit.id, Unit.parent_id).where(Unit.id == unit_id).cte("up", recursive=True)
    tree = tree.union_all(select(Unit.id, Unit.parent_id).where(Unit.id == tree.c.parent_id))
    return set(session.exec(select(tree.c.id)).all())


def _clean(session: Session, code: str, name: str, unit_type: str, parent_id: int | None,
           unit_id: int | None = None) -> dict:
    code, name = nfc(code).upper(), nfc(name)
    if not code:
        raise ValidationError("error.code_required")
    if not name:
        raise ValidationError("error.name_required")
    if unit_type not in UNIT_TYPES:
        raise ValidationError("error.unit_type_invalid")
    clash = session.exec(select(Unit.id).where(func.upper(Unit.code) == code)).first()
    if clash is not None and clash != unit_id:
        raise ValidationError("error.code_taken", code=code)
    if parent_id is not None:
        if session.get(Unit, parent_id) is None:
            raise NotFound("error.parent_missing")
        if unit_id is not None and unit_id in _ancestor_ids(session, parent_id):
            raise ValidationError("error.unit_cycle")
    return {"code": code, "name": name, "type": unit_type, "parent_id": parent_id}


def create_unit(session: Session, actor_id: int | None, code: str, name: str,
                unit_type: str = UnitType.other, parent_id: int | None = None) -> int:
    require(session, actor_id, "units:manage")
    unit = Unit(**_clean(session, code, name, unit_type, parent_id), active=True, created_at=clock.now())
    session.add(unit)
    session.flush()
    changelog.record(session, "unit", unit.id, actor_id, {"code": (None, unit.code), "name": (None, unit.name)})
    session.commit()
    return unit.id


def update_unit(session: Session, actor_id: int | None, unit_id: int, code: str, name: str,
                unit_type: str, parent_id: int | None, active: bool = True) -> None:
    require(session, actor_id, "units:manage")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("error.unit_missing")
    values = _clean(session, code, name, unit_type, parent_id, unit_id) | {"active": bool(active)}
    changes = changelog.diff(unit, values)
    session.add(unit)
    changelog.record(session, "unit", unit.id, actor_id, changes)
    session.commit()


def has_records(session: Session, unit_id: int) -> bool:
    """Whether anything refers to the unit: sub-units, members, audits, procedures, processes, reported QMS status."""
    checks = union_all(
        select(literal(1)).where(Unit.parent_id == unit_id),
        select(literal(1)).where(UserUnit.unit_id == unit_id),
        select(literal(1)).where(AuditUnit.unit_id == unit_id),
        select(literal(1)).where(ProcedureUnit.unit_id == unit_id),
        select(literal(1)).where(ProcessDocument.unit_id == unit_id),
        select(literal(1)).where(AgencyQms.unit_id == unit_id),
        select(literal(1)).where(AgencyReview.unit_id == unit_id),
    )
    return session.exec(select(func.count()).select_from(checks.subquery())).one() > 0


def delete_unit(session: Session, actor_id: int | None, unit_id: int) -> None:
    """Delete a unit nothing refers to; otherwise refuse and suggest deactivation."""
    require(session, actor_id, "units:manage")
    unit = session.get(Unit, unit_id)
    if unit is None:
        raise NotFound("error.unit_missing")
    if has_records(session, unit_id):
        raise ValidationError("error.unit_has_records", code=unit.code)
    changelog.record(session, "unit", unit.id, actor_id, {"deleted": (unit.code, None)})
    session.delete(unit)
    session.commit()


def id_for_code(session: Session, code: str) -> int:
    unit_id = session.exec(select(Unit.id).where(func.upper(Unit.code) == nfc(code).upper())).first()
    if unit_id is None:
        raise NotFound("error.unit_code_missing", code=code)
    return unit_id
