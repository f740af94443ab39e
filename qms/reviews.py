"""Management reviews (ISO 9001 9.3): the record of each meeting and its decisions."""

from __future__ import annotations

from sqlalchemy import case, func
from sqlmodel import Session, select

from qms.models import ActionItem, ManagementReview, Role
from qms.permissions import require_role

READERS = (Role.admin, Role.iso_rep, Role.viewer)


def list_reviews(session: Session, actor_id: int) -> list[dict]:
    """Every review, newest first, with its number of decisions and how many are still open."""
    require_role(session, actor_id, *READERS)
    counts = select(ActionItem.review_id, func.count().label("n"),
                    func.sum(case((ActionItem.done_date.is_(None), 1), else_=0)).label("open")) \
        .where(ActionItem.review_id.is_not(None)).group_by(ActionItem.review_id).subquery()
    rows = session.exec(select(ManagementReview, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.open, 0))
                        .outerjoin(counts, counts.c.review_id == ManagementReview.id)
                        .order_by(ManagementReview.held_on.desc())).all()
    return [r.model_dump(include={"id", "held_on", "chair", "status"}) | {"decisions": n, "open": o}
            for r, n, o in rows]
