"""Every table of the domain, in one place (DESIGN.md §2)."""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Optional

from datetime import timezone

from sqlalchemy import JSON, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


class UTCDateTime(TypeDecorator):
    """Stores UTC and returns aware datetimes on every backend (SQLite would drop the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value


def _ts(nullable: bool = True) -> Any:
    """A timezone-aware timestamp column."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


class Role(StrEnum):
    admin = "admin"
    iso_rep = "iso_rep"
    auditor = "auditor"
    auditee = "auditee"
    viewer = "viewer"


class UnitType(StrEnum):
    ministry = "ministry"
    province = "province"
    department = "department"
    division = "division"
    commune = "commune"
    ward = "ward"
    service_centre = "service_centre"
    office = "office"
    other = "other"


class AuditStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    completed = "completed"
    report_issued = "report_issued"
    closed = "closed"


class Result(StrEnum):
    conform = "conform"
    nc_major = "nc_major"
    nc_minor = "nc_minor"
    observation = "observation"
    ofi = "ofi"
    na = "na"
    not_audited = "not_audited"


class Grade(StrEnum):
    major = "major"
    minor = "minor"
    observation = "observation"
    ofi = "ofi"


class FindingStatus(StrEnum):
    draft = "draft"
    issued = "issued"
    plan_submitted = "plan_submitted"
    plan_accepted = "plan_accepted"
    implemented = "implemented"
    verified_effective = "verified_effective"
    closed = "closed"


class Unit(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=255)
    type: str = Field(default=UnitType.other, max_length=30)
    parent_id: Optional[int] = Field(default=None, foreign_key="unit.id", index=True)
    active: bool = True
    created_at: Optional[datetime] = _ts()
    # Accent- and case-folded code and name: pickers search 10,000 units in SQL, never in a list on screen.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class User(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    full_name: str = Field(max_length=255)
    email: Optional[str] = Field(default=None, max_length=255)
    password_hash: str = Field(max_length=255)
    active: bool = True
    language: str = Field(default="vi", max_length=5)
    # Set by an administrator's reset: the person, not the administrator, should be the only one who knows it.
    must_change_password: bool = False
    created_at: Optional[datetime] = _ts()


class UserRole(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    role: str = Field(max_length=20, primary_key=True)


class UserUnit(SQLModel, table=True):
    """A user's membership of a unit: scopes auditee access and auditor impartiality."""

    user_id: int = Field(foreign_key="user.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class SigninCounter(SQLModel, table=True):
    """Sign-in attempts counted by a key (a hash): failures of a username, failures from a client address, and
    successes of a username from an address. In the database, so every app server process sees the same counts."""

    key: str = Field(max_length=80, primary_key=True)
    count: int = 0
    last_at: Optional[datetime] = Field(default=None, sa_column=Column(UTCDateTime(), nullable=False, index=True))


class AuthToken(SQLModel, table=True):
    """A sign-in ticket (one use, seconds) or a browser session (hours); only the hash is stored."""

    id: Optional[int] = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    kind: str = Field(max_length=10)
    user_id: int = Field(foreign_key="user.id", index=True)
    created_at: Optional[datetime] = _ts(nullable=False)
    expires_at: Optional[datetime] = _ts(nullable=False)
    used_at: Optional[datetime] = _ts()


class Setting(SQLModel, table=True):
    key: str = Field(max_length=80, primary_key=True)
    value: Any = Field(default=None, sa_column=Column(JSON))


class Snapshot(SQLModel, table=True):
    """A set of figures counted once and shared until it is due again (qms.snapshots)."""

    key: str = Field(max_length=64, primary_key=True)
    value: Any = Field(default=None, sa_column=Column(JSON))
    computed_at: datetime = _ts(nullable=False)


class Checklist(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("code", "version"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=80, index=True)
    version: str = Field(max_length=40)
    standard: str = Field(max_length=120)
    title_vi: str = ""
    title_en: str = ""
    languages: str = Field(default="vi,en", max_length=20)
    source_name: str = Field(default="", max_length=255)
    source_sha256: str = Field(default="", max_length=64)
    loaded_at: Optional[datetime] = _ts()


class ChecklistClause(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("checklist_id", "clause"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True)
    clause: str = Field(max_length=20)
    position: int = 0
    title_vi: str = ""
    title_en: str = ""
    na_default: bool = False
    na_justification_vi: str = ""
    na_justification_en: str = ""


class ChecklistItem(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("checklist_id", "item_key"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    checklist_id: int = Field(foreign_key="checklist.id", index=True)
    item_key: str = Field(max_length=60)
    clause: str = Field(max_length=20, index=True)
    position: int = 0
    text_vi: str = ""
    text_en: str = ""
    guidance_vi: str = ""
    guidance_en: str = ""
    # Accent- and case-folded text of both languages, for "thu tuc" to find "thủ tục" in SQL.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class AuditProgramme(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    year: int = Field(unique=True, index=True)
    objectives: str = ""
    created_at: Optional[datetime] = _ts()


class Audit(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="auditprogramme.id", index=True)
    code: str = Field(max_length=40, unique=True, index=True)
    title: str = Field(max_length=255)
    scope: str = ""
    criteria: str = ""
    checklist_id: int = Field(foreign_key="checklist.id", index=True)
    planned_start: Optional[date] = None
    planned_end: Optional[date] = None
    lead_auditor_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    status: str = Field(default=AuditStatus.planned, max_length=20, index=True)
    report_issued_at: Optional[datetime] = _ts()
    version: int = 1
    created_at: Optional[datetime] = _ts()


class AuditTeamMember(SQLModel, table=True):
    audit_id: int = Field(foreign_key="audit.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class AuditUnit(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("audit_id", "unit_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    audit_date: Optional[date] = None
    auditee_reps: str = ""
    clauses_in_scope: Optional[list] = Field(default=None, sa_column=Column(JSON))


class AuditUnitAuditor(SQLModel, table=True):
    audit_unit_id: int = Field(foreign_key="auditunit.id", primary_key=True)
    user_id: int = Field(foreign_key="user.id", primary_key=True, index=True)


class ClauseExclusion(SQLModel, table=True):
    """A clause declared not applicable for a whole audit (audit_unit_id empty) or one unit."""

    id: Optional[int] = Field(default=None, primary_key=True)
    audit_id: int = Field(foreign_key="audit.id", index=True)
    audit_unit_id: Optional[int] = Field(default=None, foreign_key="auditunit.id", index=True)
    clause: str = Field(max_length=20)
    justification: str


class AuditMeeting(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    audit_unit_id: int = Field(foreign_key="auditunit.id", index=True)
    kind: str = Field(max_length=10)  # opening | closing
    held_at: Optional[datetime] = _ts()
    attendees: str = ""
    notes: str = ""


class Response(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("audit_unit_id", "item_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    audit_unit_id: int = Field(foreign_key="auditunit.id", index=True)
    item_id: int = Field(foreign_key="checklistitem.id", index=True)
    result: str = Field(default=Result.not_audited, max_length=20, index=True)
    evidence: str = ""
    records_sampled: str = ""
    interviewed: str = ""
    answered_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    answered_at: Optional[datetime] = _ts()
    version: int = 1


class Finding(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    code: Optional[str] = Field(default=None, max_length=40, unique=True, index=True)
    audit_unit_id: int = Field(foreign_key="auditunit.id", index=True)
    clause: str = Field(max_length=20, index=True)
    item_id: Optional[int] = Field(default=None, foreign_key="checklistitem.id")
    response_id: Optional[int] = Field(default=None, foreign_key="response.id", index=True)
    # A draft raised from a procedure/process lag flag: "kind:process:procedure", so the same flag gives one draft.
    flag_key: Optional[str] = Field(default=None, max_length=60)
    grade: str = Field(max_length=20, index=True)
    statement: str
    evidence: str = ""
    requirement_ref: str = ""
    status: str = Field(default=FindingStatus.draft, max_length=30)  # indexed with plan_due, below
    plan_due: Optional[date] = Field(default=None, index=True)
    # The last day it may still be done: its plan's due date while the plan is awaited, its earliest undone
    # action's once the plan is accepted; None otherwise. Overdue means before today (qms.findings keeps it).
    overdue_from: Optional[date] = None  # indexed with the id, below
    recurring_of_id: Optional[int] = Field(default=None, foreign_key="finding.id")
    # Accent- and case-folded code, clause, statement and evidence, for accent-insensitive search in SQL.
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: Optional[datetime] = _ts()
    issued_at: Optional[datetime] = _ts()
    closed_at: Optional[datetime] = _ts()
    version: int = 1

    # Lists read in index order, ties by id (My work: a status's findings soonest due first; overdue findings, the
    # longest overdue first), so a page of 50 never sorts the 15,000 findings that share a due day. PostgreSQL keeps
    # equal keys in heap order, hence the id in the index.
    __table_args__ = (Index("ix_finding_status_plan_due", "status", "plan_due", "id"),
                      Index("ix_finding_overdue_from", "overdue_from", "id"))


class CorrectiveAction(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    finding_id: int = Field(foreign_key="finding.id", unique=True, index=True)
    correction: str = ""
    correction_by: str = ""
    correction_date: Optional[date] = None
    root_cause: str = ""
    why_steps: Optional[list] = Field(default=None, sa_column=Column(JSON))
    cause_category: str = Field(default="", max_length=40)
    submitted_at: Optional[datetime] = _ts()
    accepted_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    accepted_at: Optional[datetime] = _ts()
    return_comment: str = ""
    implemented_at: Optional[datetime] = _ts()
    verified_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    verified_at: Optional[datetime] = _ts()
    effective: Optional[bool] = None
    verification_note: str = ""
    reopen_count: int = 0
    version: int = 1


class ManagementReview(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    held_on: date
    chair: str = ""
    attendees: str = ""
    inputs: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    outputs: str = ""
    status: str = Field(default="draft", max_length=20)
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: Optional[datetime] = _ts()
    # The figures the meeting was held with, kept when its record is saved on or after the meeting day.
    figures: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    figures_at: Optional[datetime] = _ts()


class ActionItem(SQLModel, table=True):
    """A dated action: a row of a corrective-action plan, or a management-review decision."""

    id: Optional[int] = Field(default=None, primary_key=True)
    corrective_action_id: Optional[int] = Field(default=None, foreign_key="correctiveaction.id", index=True)
    review_id: Optional[int] = Field(default=None, foreign_key="managementreview.id", index=True)
    action: str
    owner_id: Optional[int] = Field(default=None, foreign_key="user.id", index=True)
    owner_name: str = ""
    due_date: Optional[date] = Field(default=None, index=True)
    done_date: Optional[date] = None
    evidence: str = ""
    status: str = Field(default="open", max_length=20, index=True)


class Attachment(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    response_id: Optional[int] = Field(default=None, foreign_key="response.id", index=True)
    finding_id: Optional[int] = Field(default=None, foreign_key="finding.id", index=True)
    action_item_id: Optional[int] = Field(default=None, foreign_key="actionitem.id", index=True)
    process_issue_id: Optional[int] = Field(default=None, foreign_key="processissue.id", index=True)
    name: str = Field(max_length=255)
    mime: str = Field(max_length=100)
    size: int
    sha256: str = Field(max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    uploaded_at: Optional[datetime] = _ts()


class ChangeLog(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    entity: str = Field(max_length=40, index=True)
    entity_id: int = Field(index=True)
    field: str = Field(max_length=60)
    old: Optional[str] = None
    new: Optional[str] = None
    user_id: Optional[int] = Field(default=None, foreign_key="user.id")
    at: Optional[datetime] = _ts()



class ProcedureStatus(StrEnum):
    in_force = "in_force"
    amended = "amended"
    abolished = "abolished"


class Procedure(SQLModel, table=True):
    """An administrative procedure (thủ tục hành chính) as last announced: national code, name, field, level."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(sa_column=Column(Text, nullable=False))
    field: str = Field(default="", max_length=255)
    level: str = Field(default="", max_length=60)
    decision_number: str = Field(default="", max_length=80)
    decision_date: Optional[date] = None
    status: str = Field(default=ProcedureStatus.in_force, max_length=20, index=True)
    # The day its last change (announced, amended, abolished) took effect: a process issued before it lags.
    effective_date: Optional[date] = Field(default=None, index=True)
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = 1


class ProcedureUnit(SQLModel, table=True):
    """A unit that handles a procedure (its register holds it)."""

    procedure_id: int = Field(foreign_key="procedure.id", primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", primary_key=True, index=True)


class ProcedureChange(SQLModel, table=True):
    """One announced change of a procedure, as imported: what changed, by which decision, effective when."""

    id: Optional[int] = Field(default=None, primary_key=True)
    procedure_id: int = Field(foreign_key="procedure.id", index=True)
    kind: str = Field(max_length=20)  # new | amended | abolished
    decision_number: str = Field(default="", max_length=80)
    decision_date: Optional[date] = None
    effective_date: Optional[date] = None
    changes: Optional[dict] = Field(default=None, sa_column=Column(JSON))
    source: str = Field(default="", max_length=255)
    imported_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    imported_at: Optional[datetime] = _ts()


class ProcessDocument(SQLModel, table=True):
    """An internal process (quy trình nội bộ) of a unit; its issues are kept in ProcessIssue."""

    id: Optional[int] = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True, index=True)
    title: str = Field(sa_column=Column(Text, nullable=False))
    unit_id: int = Field(foreign_key="unit.id", index=True)
    issue_no: str = Field(default="", max_length=20)  # the current issue's, repeated for lists
    issued_on: Optional[date] = None
    withdrawn_on: Optional[date] = None
    search_text: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    version: int = 1


class ProcessIssue(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    process_id: int = Field(foreign_key="processdocument.id", index=True)
    issue_no: str = Field(max_length=20)
    issued_on: date
    title: str = Field(sa_column=Column(Text, nullable=False))
    note: str = ""
    procedure_ids: Optional[list] = Field(default=None, sa_column=Column(JSON))
    created_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    created_at: Optional[datetime] = _ts()


class ProcessProcedure(SQLModel, table=True):
    """A procedure the current issue of a process covers."""

    process_id: int = Field(foreign_key="processdocument.id", primary_key=True)
    procedure_id: int = Field(foreign_key="procedure.id", primary_key=True, index=True)


class AgencyQms(SQLModel, table=True):
    """An agency's QMS as reported to the body that follows them: whether it must apply, when it was built
    (the decision establishing it) and announced (the announcement of conformity to TCVN ISO 9001:2015)."""

    unit_id: int = Field(foreign_key="unit.id", primary_key=True)
    must_apply: bool = True
    built_decision: str = Field(default="", max_length=80)
    built_on: Optional[date] = None
    announced_decision: str = Field(default="", max_length=80)
    announced_on: Optional[date] = None
    version: int = 1


class AgencyReview(SQLModel, table=True):
    """A management review an agency held (reported to the ISO secretary; this app's own reviews are the host's)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    held_on: date = Field(index=True)
    note: str = ""
    recorded_by_id: Optional[int] = Field(default=None, foreign_key="user.id")
    recorded_at: Optional[datetime] = _ts()

# ---------------------------------------------------------------------------------------------------------------
# What every database accepts. PostgreSQL refuses text longer than a column's length, a NUL character and an integer
# beyond 32 bits, where SQLite stores them all; checking here, from the columns above, makes both accept exactly the
# same data and turns the refusal into a message instead of a DataError.

TEXT_MAX = 20_000  # unbounded text (evidence, statements): a few printed pages, not a pasted book
INT_RANGE = (-(2**31), 2**31 - 1)
# Written by the app from other values, never typed: a change-log entry may join several long fields, and its "old"
# side may quote what SQLite stored before these checks existed.
_UNCHECKED = {("changelog", "old"), ("changelog", "new"), ("finding", "search_text"), ("checklistitem", "search_text"),
              ("procedure", "search_text"), ("processdocument", "search_text")}
# Control characters break PostgreSQL (NUL), spreadsheets and PDFs; tab and line breaks are ordinary text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def text_problem(value: str, max_length: int | None) -> tuple[str, dict] | None:
    """Why `value` cannot be stored in a text column of `max_length` (None: unbounded), or None when it can."""
    if _CONTROL.search(value):
        return "error.text_control", {}
    limit = max_length or TEXT_MAX
    if len(value) > limit:
        return "error.text_too_long", {"max": limit, "length": len(value)}
    return None


def _json_strings(value: Any):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _json_strings(k)
            yield from _json_strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _json_strings(v)


def check_values(table: str, values: dict[str, Any]) -> None:
    """Refuse (ValidationError) values that one of the databases would not store as given."""
    from qms.errors import ValidationError  # errors has no model imports; kept local so models stays a leaf

    columns = SQLModel.metadata.tables[table].columns
    for name, value in values.items():
        column = columns.get(name)
        if column is None or value is None or (table, name) in _UNCHECKED:
            continue
        if isinstance(value, str):
            problem = text_problem(value, getattr(column.type, "length", None))
        elif isinstance(value, bool):
            problem = None
        elif isinstance(value, int):
            problem = None if INT_RANGE[0] <= value <= INT_RANGE[1] else ("error.number_range", {})
        elif isinstance(column.type, JSON):
            problem = next(filter(None, (text_problem(s, None) for s in _json_strings(value))), None)
        else:
            problem = None
        if problem:
            raise ValidationError(problem[0], field=f"{table}.{name}", **problem[1])


def _check_flush(session, _context, _instances) -> None:
    from sqlalchemy import inspect

    for obj in session.new:
        if getattr(obj, "__tablename__", None):
            state = obj.__dict__
            check_values(obj.__tablename__, {c.key: state[c.key] for c in obj.__table__.columns if c.key in state})
    for obj in session.dirty:
        if getattr(obj, "__tablename__", None):
            # Only what changes: a row stored before these checks (a long name in SQLite) stays editable otherwise.
            attrs = inspect(obj).attrs
            check_values(obj.__tablename__, {c.key: attrs[c.key].value for c in obj.__table__.columns
                                             if c.key in attrs.keys() and attrs[c.key].history.added})


def install_checks() -> None:
    """Check every ORM write (idempotent); core INSERT/UPDATE statements call check_values themselves."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    if not event.contains(OrmSession, "before_flush", _check_flush):
        event.listen(OrmSession, "before_flush", _check_flush)


install_checks()
