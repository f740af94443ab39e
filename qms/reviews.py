"""Management reviews (ISO 9001 9.3): inputs (live figures and those entered before the meeting), the meeting
record, and decisions tracked as actions that the next review reports on."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import case, func
from sqlmodel import Session, select

from qms import actions, changelog, clock, metrics, scope, snapshots, text
from qms.errors import NotFound, ValidationError
from qms.models import (ActionItem, Audit, AuditProgramme, AuditUnit, Finding, FindingStatus, ManagementReview)
from qms.permissions import require
from qms.text import nfc

# The 9.3.2 inputs nobody's data holds: entered before the meeting.
MANUAL_INPUTS = ("issues", "satisfaction", "objectives", "processes", "monitoring", "providers", "resources",
                 "risks", "improvement")
# The meeting walks through these, in this order (9.3.2 a–f, then the outputs of 9.3.3).
SECTIONS = ("previous_actions", "issues", "satisfaction", "objectives", "processes", "nonconformities",
            "monitoring", "audits", "providers", "resources", "risks", "improvement", "decisions")


def list_reviews(session: Session, actor_id: int) -> list[dict]:
    """Every review, newest first, with its number of decisions and how many are still open."""
    require(session, actor_id, "reviews:read")
    counts = select(ActionItem.review_id, func.count().label("n"),
                    func.sum(case((ActionItem.done_date.is_(None), 1), else_=0)).label("open")) \
        .where(ActionItem.review_id.is_not(None)).group_by(ActionItem.review_id).subquery()
    rows = session.exec(select(ManagementReview, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.open, 0))
                        .outerjoin(counts, counts.c.review_id == ManagementReview.id)
                        .order_by(ManagementReview.held_on.desc(), ManagementReview.id.desc())).all()
    return [r.model_dump(include={"id", "held_on", "chair", "status"}) | {"decisions": n, "open": o}
            for r, n, o in rows]


def get(session: Session, actor_id: int, review_id: int) -> dict:
    require(session, actor_id, "reviews:read")
    review = session.get(ManagementReview, review_id)
    if review is None:
        raise NotFound("error.review_missing")
    return review.model_dump() | {"inputs": review.inputs or {}}


def create(session: Session, actor_id: int, held_on: date, chair: str) -> int:
    require(session, actor_id, "reviews:manage")
    review = ManagementReview(held_on=held_on, chair=nfc(chair), inputs={}, status="draft", created_by_id=actor_id,
                              created_at=clock.now())
    session.add(review)
    session.flush()
    changelog.record(session, "review", review.id, actor_id, {"held_on": (None, held_on)})
    session.commit()
    return review.id


def save_record(session: Session, actor_id: int, review_id: int, held_on: date, chair: str, attendees: str,
                inputs: dict[str, str], outputs: str) -> None:
    """The meeting record: date, chair, attendees, the entered inputs and the conclusions (9.3.3)."""
    require(session, actor_id, "reviews:manage")
    review = session.get(ManagementReview, review_id)
    if review is None:
        raise NotFound("error.review_missing")
    if not nfc(chair):
        raise ValidationError("error.chair_required")
    clean = {k: nfc(inputs.get(k, "")) for k in MANUAL_INPUTS}
    changes = changelog.diff(review, {"held_on": held_on, "chair": nfc(chair), "attendees": nfc(attendees),
                                      "inputs": clean, "outputs": nfc(outputs)})
    if review.status == "draft" and nfc(attendees):
        changes["status"] = (review.status, "held")
        review.status = "held"
    if review.status == "held" and review.figures is None and review.held_on <= clock.today():
        # The record of a meeting that has taken place: its figures stop moving with later work.
        keep_figures(session, actor_id, review, clock.today())
        changes["figures_at"] = (None, review.figures_at)
    session.add(review)
    changelog.record(session, "review", review.id, actor_id, changes)
    session.commit()


def add_decision(session: Session, actor_id: int, review_id: int, action: str, owner_name: str,
                 due_date: date | None) -> int:
    """A decision that needs work becomes a tracked action with an owner and a due date."""
    require(session, actor_id, "reviews:manage")
    if session.get(ManagementReview, review_id) is None:
        raise NotFound("error.review_missing")
    action, owner_name = nfc(action), nfc(owner_name)
    if not action:
        raise ValidationError("error.decision_required")
    if not owner_name or due_date is None:
        raise ValidationError("error.decision_owner_due")
    same = text.fold(" ".join(action.split()))
    if any(text.fold(" ".join(row.split())) == same for row in session.exec(
            select(ActionItem.action).where(ActionItem.review_id == review_id)).all()):
        raise ValidationError("error.decision_duplicate")
    item = ActionItem(review_id=review_id, action=action, owner_name=owner_name, due_date=due_date, status="open")
    session.add(item)
    session.flush()
    changelog.record(session, "actionitem", item.id, actor_id, {"action": (None, action)})
    session.commit()
    return item.id


def complete_decision(session: Session, actor_id: int, action_item_id: int, done_date: date, evidence: str) -> None:
    require(session, actor_id, "reviews:manage")
    item = session.get(ActionItem, action_item_id)
    if item is None or item.review_id is None:
        raise NotFound("error.action_missing")
    if not nfc(evidence):
        raise ValidationError("error.evidence_required")
    changes = changelog.diff(item, {"done_date": done_date, "evidence": nfc(evidence), "status": "done"})
    session.add(item)
    changelog.record(session, "actionitem", item.id, actor_id, changes)
    session.commit()


def decisions(session: Session, review_id: int, today: date) -> list[dict]:
    rows = session.exec(select(ActionItem).where(ActionItem.review_id == review_id).order_by(ActionItem.id)).all()
    return [row | {"overdue": actions.item_overdue(row, today)} for row in (r.model_dump() for r in rows)]


def previous_actions(session: Session, review: dict, today: date) -> list[dict]:
    """Decisions of earlier reviews, and where they stand (9.3.2 a)."""
    earlier = select(ManagementReview.id).where(
        (ManagementReview.held_on < review["held_on"])
        | ((ManagementReview.held_on == review["held_on"]) & (ManagementReview.id < review["id"])))
    rows = session.exec(select(ActionItem, ManagementReview.held_on)
                        .join(ManagementReview, ManagementReview.id == ActionItem.review_id)
                        .where(ActionItem.review_id.in_(earlier)).order_by(ManagementReview.held_on, ActionItem.id)).all()
    return [row | {"review_date": held, "overdue": actions.item_overdue(row, today)}
            for row, held in ((item.model_dump(), held) for item, held in rows)]


def _live_figures(session: Session, actor_id: int, review: dict, today: date) -> dict:
    """The counted part of the live inputs (JSON-ready, kept as a snapshot): findings, conformity, coverage."""
    year_start = date(review["held_on"].year - 1, 1, 1)
    flt = metrics.DashFilter(start=year_start, end=review["held_on"])
    since = datetime.combine(year_start, time(), tzinfo=clock.ZONE)
    audits = session.exec(select(Audit.code, Audit.title, Audit.status, func.count(func.distinct(AuditUnit.id)))
                          .join(AuditUnit, AuditUnit.audit_id == Audit.id, isouter=True)
                          .join(AuditProgramme, AuditProgramme.id == Audit.programme_id)
                          .where(AuditProgramme.year >= year_start.year)
                          .group_by(Audit.code, Audit.title, Audit.status).order_by(Audit.code)).all()
    by_audit = session.exec(select(Audit.code, Finding.grade, func.count())
                            .join(AuditUnit, AuditUnit.id == Finding.audit_unit_id)
                            .join(Audit, Audit.id == AuditUnit.audit_id)
                            .where(Finding.status != FindingStatus.draft, Finding.issued_at >= since)
                            .group_by(Audit.code, Finding.grade)).all()
    grades: dict[str, dict] = {}
    for code, grade, n in by_audit:
        grades.setdefault(code, {})[grade] = n
    return {"status_grade": metrics.findings_by_status_grade(session, actor_id, flt),
            "by_clause": metrics.open_by_clause(session, actor_id, flt)[:10],
            "by_age": metrics.open_by_age(session, actor_id, flt, today),
            "months": [m for m in metrics.opened_closed_by_month(session, actor_id, flt)
                       if m["month"] <= f"{review['held_on']:%Y-%m}"],  # none after the meeting
            "overdue": metrics.overdue_count(session, actor_id, today),
            "conformity": metrics.conformity_by_unit(session, actor_id, flt),
            "coverage": metrics.programme_coverage(session, actor_id, review["held_on"].year),
            "audits": [{"code": c, "title": t, "status": s, "units": n, "grades": grades.get(c, {})}
                       for c, t, s, n in audits]}


def _live_key(session: Session, actor_id: int, review: dict, today: date) -> str:
    require(session, actor_id, "reviews:read")
    visible = scope.visible_unit_ids(session, actor_id)
    return snapshots.key("review", None if visible is None else sorted(visible), review["held_on"], today)


def keep_figures(session: Session, actor_id: int | None, review: ManagementReview, today: date) -> None:
    """Keep the figures as the meeting saw them, JSON-ready: the counts and where earlier decisions stood."""
    require(session, actor_id, "reviews:manage")
    kept = ("action", "owner_name", "due_date", "done_date", "review_date", "overdue")
    as_dict = review.model_dump()
    earlier = [{k: (v.isoformat() if isinstance(v, date) else v) for k, v in row.items() if k in kept}
               for row in previous_actions(session, as_dict, today)]
    review.figures = {**_live_figures(session, actor_id, as_dict, today), "previous_actions": earlier}
    review.figures_at = clock.now()


def _thaw(figures: dict) -> dict:
    dates = ("due_date", "done_date", "review_date")
    return {**figures, "previous_actions": [
        {k: (date.fromisoformat(v) if k in dates and v else v) for k, v in row.items()}
        for row in figures["previous_actions"]]}


def live_inputs(session: Session, actor_id: int, review: dict, today: date) -> dict:
    """The figures the meeting sees: actions of earlier reviews, findings and actions, audits, conformity.

    A review whose record was saved on or after its day shows the figures kept then (`frozen`, counted at
    `counted_at`). Otherwise the counted figures come as last counted; `due` says they should be counted again
    (`refresh_live_inputs`, away from the screen)."""
    require(session, actor_id, "reviews:read")
    if review.get("figures"):
        return {**_thaw(review["figures"]), "counted_at": review["figures_at"], "due": False, "frozen": True}
    figures, counted_at, due = snapshots.get(session, _live_key(session, actor_id, review, today),
                                             lambda: _live_figures(session, actor_id, review, today))
    return {"previous_actions": previous_actions(session, review, today), **figures, "counted_at": counted_at,
            "due": due, "frozen": False}


def figures_note(review: dict, live: dict, today: date) -> str:
    """Which figures a meeting shows, as the message key that says so: kept at the meeting, or current."""
    if live["frozen"]:
        return "review.figures_frozen"
    return "review.figures_not_kept" if review["status"] == "held" and review["held_on"] < today \
        else "review.figures_live"


def refresh_live_inputs(session: Session, actor_id: int, review: dict, today: date) -> None:
    snapshots.refresh(session, _live_key(session, actor_id, review, today),
                      lambda: _live_figures(session, actor_id, review, today))