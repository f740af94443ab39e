"""The corrective-action chain of ISO 9001 10.2, with its gates.

issued → plan_submitted → plan_accepted → implemented → verified_effective → closed;
plan_submitted → issued (returned with a comment); implemented → plan_accepted (not effective, counted).
Observations and opportunities for improvement may be closed from issued with a note.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import delete, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from qms import changelog, clock, findings, permissions
from qms.errors import NotFound, ValidationError
from qms.models import ActionItem, AuditUnit, CorrectiveAction, Finding, FindingStatus, Grade
from qms.text import nfc

S = FindingStatus
NONCONFORMITY = (Grade.major, Grade.minor)
CAUSE_CATEGORIES = ("people", "method", "documents", "equipment", "legal_change", "workload", "other")


def _finding(session: Session, finding_id: int, expected_version: int | None = None) -> Finding:
    """An issued finding; with `expected_version` (what the screen showed), refused once someone changed it."""
    finding = session.get(Finding, finding_id)
    if finding is None or finding.status == S.draft:
        raise NotFound("error.finding_missing")
    if expected_version is not None and finding.version != expected_version:
        raise ValidationError("error.finding_changed")
    return finding


def _auditee(session: Session, actor_id: int, finding: Finding) -> None:
    """The head of the audited unit (or of a unit above it)."""
    unit_id = session.get(AuditUnit, finding.audit_unit_id).unit_id
    permissions.require(session, actor_id, "findings:respond", unit_id=unit_id)


def _iso_rep(session: Session, actor_id: int) -> None:
    permissions.require(session, actor_id, "findings:review")


def _expect(finding: Finding, *statuses: str) -> None:
    if finding.status not in statuses:
        raise ValidationError("error.wrong_step", status=finding.status)


def _move(session: Session, actor_id: int, finding: Finding, status: str, **extra) -> None:
    """Change the status only if nobody else has since the finding was read: two clicks, one winner."""
    values = {"status": status, "version": finding.version + 1}
    if status == S.closed:
        values["closed_at"] = clock.now()
    moved = session.connection().execute(update(Finding.__table__).where(
        Finding.__table__.c.id == finding.id, Finding.__table__.c.version == finding.version).values(**values))
    if moved.rowcount != 1:
        session.rollback()
        raise ValidationError("error.finding_changed")
    changelog.record(session, "finding", finding.id, actor_id, {"status": (finding.status, status), **extra})
    for key, value in values.items():
        set_committed_value(finding, key, value)
    findings.refresh_due(session, [finding.id])


def action_of(session: Session, finding_id: int) -> CorrectiveAction:
    row = session.exec(select(CorrectiveAction).where(CorrectiveAction.finding_id == finding_id)).first()
    if row is None:
        row = CorrectiveAction(finding_id=finding_id)
        session.add(row)
        session.flush()
    return row


def rows_of(session: Session, action_id: int) -> list[ActionItem]:
    return list(session.exec(select(ActionItem).where(ActionItem.corrective_action_id == action_id)
                             .order_by(ActionItem.id)).all())


def save_plan(session: Session, actor_id: int, finding_id: int, correction: str, correction_by: str,
              correction_date: date | None, root_cause: str, why_steps: list[str], cause_category: str,
              rows: list[dict]) -> None:
    """The auditee's draft: correction, root cause (5 whys and/or text), dated actions. Saving checks no gate."""
    finding = _finding(session, finding_id)
    _auditee(session, actor_id, finding)
    _expect(finding, S.issued, S.plan_accepted)
    if finding.grade not in NONCONFORMITY:
        raise ValidationError("error.no_plan_for_grade")
    if cause_category and cause_category not in CAUSE_CATEGORIES:
        raise ValidationError("error.cause_category")
    ca = action_of(session, finding_id)
    changes = changelog.diff(ca, {"correction": nfc(correction), "correction_by": nfc(correction_by),
                                  "correction_date": correction_date, "root_cause": nfc(root_cause),
                                  "why_steps": [nfc(w) for w in why_steps if nfc(w)],
                                  "cause_category": cause_category or ""})
    clean_rows = []
    for row in rows:
        action = nfc(row.get("action"))
        if not action:
            continue
        clean_rows.append({"action": action, "owner_name": nfc(row.get("owner_name")), "due_date": row.get("due_date")})
    existing = rows_of(session, ca.id)
    done = [r for r in existing if r.done_date]
    if finding.status == S.plan_accepted:
        # After a "not effective" verdict only new actions may be added; accepted ones stay as they were.
        keep = {(r.action, r.due_date) for r in existing}
        clean_rows = [r for r in clean_rows if (r["action"], r["due_date"]) not in keep]
    else:
        session.exec(delete(ActionItem).where(ActionItem.corrective_action_id == ca.id, ActionItem.done_date.is_(None)))
        keep = {(r.action, r.due_date) for r in done}
        clean_rows = [r for r in clean_rows if (r["action"], r["due_date"]) not in keep]
    session.add_all([ActionItem(corrective_action_id=ca.id, status="open", **r) for r in clean_rows])
    changes["actions"] = (None, "; ".join(f"{r['action']} ({r['due_date']})" for r in clean_rows) or None)
    session.add(ca)
    changelog.record(session, "correctiveaction", ca.id, actor_id, changes)
    findings.refresh_due(session, [finding.id])
    session.commit()


def submit_plan(session: Session, actor_id: int, finding_id: int, *, expected_version: int | None = None) -> None:
    """Gate: a correction, a root cause and at least one action with a due date."""
    finding = _finding(session, finding_id, expected_version)
    _auditee(session, actor_id, finding)
    _expect(finding, S.issued)
    ca = action_of(session, finding_id)
    if not ca.correction:
        raise ValidationError("error.gate_correction")
    if not (ca.root_cause or ca.why_steps):
        raise ValidationError("error.gate_root_cause")
    if not any(r.due_date for r in rows_of(session, ca.id)):
        raise ValidationError("error.gate_action")
    ca.submitted_at = clock.now()
    session.add(ca)
    _move(session, actor_id, finding, S.plan_submitted)
    session.commit()


def accept_plan(session: Session, actor_id: int, finding_id: int, *, expected_version: int | None = None) -> None:
    finding = _finding(session, finding_id, expected_version)
    _iso_rep(session, actor_id)
    _expect(finding, S.plan_submitted)
    ca = action_of(session, finding_id)
    ca.accepted_by_id, ca.accepted_at, ca.return_comment = actor_id, clock.now(), ""
    session.add(ca)
    _move(session, actor_id, finding, S.plan_accepted)
    session.commit()


def return_plan(session: Session, actor_id: int, finding_id: int, comment: str, *,
                expected_version: int | None = None) -> None:
    """Send the plan back to the unit with a comment saying what is missing."""
    finding = _finding(session, finding_id, expected_version)
    _iso_rep(session, actor_id)
    _expect(finding, S.plan_submitted)
    comment = nfc(comment)
    if not comment:
        raise ValidationError("error.comment_required")
    ca = action_of(session, finding_id)
    ca.return_comment = comment
    session.add(ca)
    _move(session, actor_id, finding, S.issued, return_comment=(None, comment))
    session.commit()


def report_done(session: Session, actor_id: int, action_item_id: int, done_date: date, evidence: str) -> None:
    """The unit reports one action done, with its evidence (files go through qms.attachments)."""
    item = session.get(ActionItem, action_item_id)
    if item is None or item.corrective_action_id is None:
        raise NotFound("error.action_missing")
    finding = _finding(session, session.get(CorrectiveAction, item.corrective_action_id).finding_id)
    _auditee(session, actor_id, finding)
    _expect(finding, S.plan_accepted)
    evidence = nfc(evidence)
    if not evidence:
        raise ValidationError("error.evidence_required")
    if done_date > clock.today():
        raise ValidationError("error.date_in_future")
    # Not before the finding existed: a typed 1900 is a typo, not history.
    clock.require_within(done_date, clock.local_date(finding.created_at) if finding.created_at else None,
                         clock.today(), field="actionitem.done_date")
    changes = changelog.diff(item, {"done_date": done_date, "evidence": evidence, "status": "done"})
    session.add(item)
    changelog.record(session, "actionitem", item.id, actor_id, changes)
    session.commit()


def mark_implemented(session: Session, actor_id: int, finding_id: int, *,
                     expected_version: int | None = None) -> None:
    """Gate: every action reported done."""
    finding = _finding(session, finding_id, expected_version)
    _auditee(session, actor_id, finding)
    _expect(finding, S.plan_accepted)
    ca = action_of(session, finding_id)
    rows = rows_of(session, ca.id)
    if not rows or any(r.done_date is None for r in rows):
        raise ValidationError("error.gate_actions_done")
    ca.implemented_at = clock.now()
    session.add(ca)
    _move(session, actor_id, finding, S.implemented)
    session.commit()


def verify(session: Session, actor_id: int, finding_id: int, effective: bool, note: str,
           verified_on: date | None = None, *, expected_version: int | None = None) -> None:
    """Check effectiveness after implementation. Not effective sends the finding back to planning, counted."""
    finding = _finding(session, finding_id, expected_version)
    _iso_rep(session, actor_id)
    _expect(finding, S.implemented)
    note = nfc(note)
    if not note:
        raise ValidationError("error.gate_verification_note")
    ca = action_of(session, finding_id)
    if verified_on is not None:
        clock.require_within(verified_on, clock.local_date(ca.implemented_at) if ca.implemented_at else None,
                             clock.today(), field="correctiveaction.verified_at")
    ca.verified_by_id, ca.verification_note, ca.effective = actor_id, note, bool(effective)
    ca.verified_at = clock.now() if verified_on is None else clock.now().replace(
        year=verified_on.year, month=verified_on.month, day=verified_on.day)
    if effective:
        _move(session, actor_id, finding, S.verified_effective, verification_note=(None, note))
    else:
        ca.reopen_count += 1
        ca.implemented_at = None
        _move(session, actor_id, finding, S.plan_accepted, not_effective=(None, note),
              reopen_count=(ca.reopen_count - 1, ca.reopen_count))
    session.add(ca)
    session.commit()


def close(session: Session, actor_id: int, finding_id: int, note: str = "", *,
          expected_version: int | None = None) -> None:
    """Close a verified nonconformity, or an observation / improvement opportunity with a note."""
    finding = _finding(session, finding_id, expected_version)
    _iso_rep(session, actor_id)
    ca = action_of(session, finding_id)
    if finding.grade in NONCONFORMITY:
        _expect(finding, S.verified_effective)
        if not ca.verification_note:
            raise ValidationError("error.gate_verification_note")
        _move(session, actor_id, finding, S.closed)
    else:
        _expect(finding, S.issued)
        note = nfc(note)
        if not note:
            raise ValidationError("error.gate_close_note")
        ca.verification_note, ca.verified_by_id, ca.verified_at = note, actor_id, clock.now()
        session.add(ca)
        _move(session, actor_id, finding, S.closed, close_note=(None, note))
    session.commit()


def chain(session: Session, actor_id: int | None, finding_id: int) -> dict:
    """The corrective action of a finding and its rows, as plain data, for whoever may read the finding."""
    findings.require_readable(session, actor_id, finding_id)
    ca = session.exec(select(CorrectiveAction).where(CorrectiveAction.finding_id == finding_id)).first()
    if ca is None:
        return {"action": None, "rows": []}
    return {"action": ca.model_dump(), "rows": [r.model_dump() for r in rows_of(session, ca.id)]}


def next_steps(session: Session, actor_id: int, finding_id: int) -> list[str]:
    """What the viewer may do next on this finding: keys of the steps open to their role and scope."""
    finding = _finding(session, finding_id)
    steps = []
    unit_id = session.get(AuditUnit, finding.audit_unit_id).unit_id
    is_auditee = permissions.allowed(session, actor_id, "findings:respond", unit_id=unit_id)
    nonconformity = finding.grade in NONCONFORMITY
    if is_auditee and nonconformity and finding.status in (S.issued, S.plan_accepted):
        steps.append("plan")
    if is_auditee and finding.status == S.issued and nonconformity:
        steps.append("submit")
    if is_auditee and finding.status == S.plan_accepted:
        steps += ["report_done", "implemented"]
    if permissions.allowed(session, actor_id, "findings:review"):
        steps += {S.plan_submitted: ["accept", "return"], S.implemented: ["verify"],
                  S.verified_effective: ["close"]}.get(finding.status, [])
        if finding.status == S.issued and not nonconformity:
            steps.append("close")
    return steps


def item_overdue(item: dict, today: date) -> bool:
    """An action (of a plan or a review's decision) not done by its due day: the one rule every list uses."""
    return item["done_date"] is None and item["due_date"] is not None and item["due_date"] < today
